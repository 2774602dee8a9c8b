#!/usr/bin/env python3
# Regenerates unicode_tables.cpp (category runs N/P/S and simple lowercase mappings) from
# this Python's unicodedata. Run: python3 lib/nmt/metrics/gen_unicode_tables.py
import unicodedata
def cls(c):
    k=unicodedata.category(chr(c))[0]
    return k if k in 'NPS' else None
rs=[];prev=None;start=0
for c in range(0x110001):
    k=cls(c) if c<0x110000 else None
    if k!=prev:
        if prev: rs.append((start,c-1,prev))
        prev=k;start=c
lo=[(c,ord(chr(c).lower())) for c in range(0x110000) if len(chr(c).lower())==1 and chr(c).lower()!=chr(c)]
rr=[]
for c,l in lo:
    d=l-c
    if rr and rr[-1][2]==d and (c-rr[-1][1]) in (1,2) and (rr[-1][3] in (0,c-rr[-1][1])):
        rr[-1]=(rr[-1][0],c,d,c-rr[-1][1])
    else: rr.append((c,c,d,0))
out=[]
out.append("// Unicode tables for the BLEU/chrF tokenizers, generated from Python %s's unicodedata" % __import__('sys').version.split()[0])
out.append("// (Unicode %s), the database Python's str.lower() uses." % unicodedata.unidata_version)
out.append("// Regenerate with lib/nmt/metrics/gen_unicode_tables.py (kept next to this file).")
out.append('#include "nmt/metrics/unicode.h"')
out.append("")
out.append("namespace nmt::text::detail {")
out.append("")
out.append("// Maximal runs of code points whose general category starts with N, P or S, sorted.")
out.append("const CategoryRange kCategoryRanges[] = {")
line="   "
for a,b,k in rs:
    item=" {0x%X, 0x%X, '%s'}," % (a,b,k)
    if len(line)+len(item)>100:
        out.append(line); line="   "
    line+=item
out.append(line)
out.append("};")
out.append("const size_t kNumCategoryRanges = sizeof(kCategoryRanges) / sizeof(kCategoryRanges[0]);")
out.append("")
out.append("// Simple lowercase mappings: code points lo..hi stepping by `stride` (0 = single) map to cp + delta.")
out.append("const LowerRange kLowerRanges[] = {")
line="   "
for a,b,d,s in rr:
    item=" {0x%X, 0x%X, %d, %d}," % (a,b,d,s)
    if len(line)+len(item)>100:
        out.append(line); line="   "
    line+=item
out.append(line)
out.append("};")
out.append("const size_t kNumLowerRanges = sizeof(kLowerRanges) / sizeof(kLowerRanges[0]);")
out.append("")
out.append("}  // namespace nmt::text::detail")
open(__import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)),'unicode_tables.cpp'),'w').write("\n".join(out)+"\n")
