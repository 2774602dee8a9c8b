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
// when re-executing failed.
void reexec_with_tuned_environment(char** argv);

// The OpenBLAS core name in use ("SkylakeX", "Haswell", "Prescott"), or "" without OpenBLAS.
const char* blas_core_name();

}  // namespace nmt
