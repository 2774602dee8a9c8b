# RSS trend of a soak run: reads seconds,rss_kib[,...] lines (a header line first) and prints
# the number of samples, the first, last and largest RSS, and the least-squares slope over the
# whole run and after the first 60 s (allocator warm-up). Used by soak_translate.sh and
# soak_serve.sh.
BEGIN { FS = "," }
NR == 1 { next }
{ t[++n] = $1; r[n] = $2 / 1024 }
function slope(from,   i, k, st, sr, stt, str) {
  k = 0; st = sr = stt = str = 0
  for (i = 1; i <= n; i++) if (t[i] >= from) { k++; st += t[i]; sr += r[i]; stt += t[i]*t[i]; str += t[i]*r[i] }
  if (k < 2 || k * stt == st * st) return 0
  return (k * str - st * sr) / (k * stt - st * st) * 3600
}
END {
  max = r[1]; for (i = 2; i <= n; i++) if (r[i] > max) max = r[i]
  printf "samples %d over %d s (every %s s)\n", n, t[n], t[2] - t[1]
  printf "rss first %.1f MiB, last %.1f MiB, max %.1f MiB\n", r[1], r[n], max
  printf "slope %.2f MiB/hour over the whole run, %.2f MiB/hour after the first 60 s\n", slope(0), slope(60)
}
