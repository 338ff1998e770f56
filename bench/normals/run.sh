#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Compiles bench/normals/lanes.c for 4 lanes (AVX2) and, where the CPU has
# AVX-512, 8 lanes, and runs both: correctness check and ns per normal.
set -eu
cd "$(dirname "$0")"
cc=${CC:-cc}
out=${TMPDIR:-/tmp}/dyson-normal-lanes
flags=$(grep -m1 '^flags' /proc/cpuinfo)
case "$flags" in *avx2*) ;; *) echo "this CPU has no AVX2: nothing to compare"; exit 0 ;; esac
"$cc" -O3 -march=haswell -DLANES=4 lanes.c -lm -o "$out-4" && "$out-4"
case "$flags" in
  *avx512f*avx512dq*|*avx512dq*avx512f*)
    "$cc" -O3 -march=x86-64-v4 -DLANES=8 lanes.c -lm -o "$out-8" && "$out-8" ;;
  *) echo "no AVX-512 here: 8 lanes skipped" ;;
esac
