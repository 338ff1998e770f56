#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The normal generators side by side, on one core:
#  • registers.c: dyson's eight-lane generator (Sources/CNormalLanes, the one
#    the n > 16 RBM uses) against the scalar generator, and the AVX-512 path
#    against the portable one, bit for bit;
#  • lanes.c: the earlier attempt, the 256-layer ziggurat over 4 (AVX2) and 8
#    (AVX-512) lanes with table loads, kept for the record.
set -eu
cd "$(dirname "$0")"
# clang, as SwiftPM uses for dyson's C target (gcc makes slower code of registers.c).
cc=${CC:-$(command -v clang || echo cc)}
out=${TMPDIR:-/tmp}/dyson-normal-lanes
"$cc" -O3 -I../../Sources/CNormalLanes/include registers.c -lm -lpthread -o "$out-registers" && "$out-registers"
flags=$(grep -m1 '^flags' /proc/cpuinfo)
case "$flags" in *avx2*) ;; *) echo "this CPU has no AVX2: lanes.c skipped"; exit 0 ;; esac
"$cc" -O3 -march=haswell -DLANES=4 lanes.c -lm -o "$out-4" && "$out-4"
case "$flags" in
  *avx512f*avx512dq*|*avx512dq*avx512f*)
    "$cc" -O3 -march=x86-64-v4 -DLANES=8 lanes.c -lm -o "$out-8" && "$out-8" ;;
  *) echo "no AVX-512 here: 8 lanes skipped" ;;
esac
