// Process environment settings that must be in place before the math libraries load.
#pragma once

namespace nmt {

// Two settings are only read when libgomp / OpenBLAS are loaded, before main() runs, so the
// only way to apply them is to start the program again with them set:
//  - OMP_WAIT_POLICY=passive: spinning OpenMP workers (the default) measured 2.8x slower
//    training on a 2-core VM (toy Bahdanau, 1,690 vs 4,700 target tokens/s);
//  - OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 does not recognise some virtual CPUs and
//    falls back to its generic "Prescott" kernels; on an AVX-512 VM here that gave 70 instead
//    of 304 GFLOP/s for a 1024³ sgemm on 2 threads. When OpenBLAS reports such a fallback but
//    the CPU has AVX2/AVX-512, the matching kernel family is chosen (HASWELL / SKYLAKEX).
// Settings the user made in the environment are left alone. Re-executes at most once
// (NMT_ENV_TUNED marks the second start); returns normally when nothing needs changing or
// when re-executing failed. Calls tune_allocator() first.
void reexec_with_tuned_environment(char** argv);

// glibc serves blocks over 32 MiB (training's logits, attention scores, gradients) with a
// fresh mmap and unmaps them on free, so every step faults their pages in again: the 25-30%
// of training CPU time spent in the kernel. This keeps large blocks in the heap and freed
// memory in the process for reuse (M_MMAP_MAX 0, M_TRIM_THRESHOLD 2 GiB). Measured with
// perf stat on bench_train (transformer, 4 steps): 1.34M page faults and 7.5 s system time
// before, 0.53M and 3.2 s after. Left alone when MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_ or
// MALLOC_MMAP_THRESHOLD_ is set.
void tune_allocator();

// The OpenBLAS core name in use ("SkylakeX", "Haswell", "Prescott"), or "" without OpenBLAS.
const char* blas_core_name();

}  // namespace nmt
