// SPDX-License-Identifier: GPL-3.0-or-later
//
// Normal variates from eight xoshiro256** lanes, vectorised with AVX-512
// where the CPU has it, with a portable path that gives the same numbers bit
// for bit. See normal_lanes.c for the method and why it is exact.
#ifndef DYSON_NORMAL_LANES_H
#define DYSON_NORMAL_LANES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A generator's whole state: plain data, so it can be copied, saved and restored.
typedef struct {
    /// The eight lanes: s0 of lanes 0…7, then s1, s2 and s3.
    uint64_t lanes[32];
    /// Eight more lanes, laid out the same way, for the uniforms that decide
    /// the draws which miss their layer's inner rectangle (one each).
    uint64_t wedge[32];
    /// The tail sampler's uniforms (draws in the base layer beyond r).
    uint64_t tail[4];
    /// Replacements for the draws the wedge test rejects (a one-lane ziggurat).
    uint64_t fallback[4];
    /// Values of the last round not handed out yet: pending[8 − pendingCount …].
    double pending[8];
    int64_t pendingCount;
    /// Wedge uniforms of the last step not used yet, the same way.
    double wedgePending[8];
    int64_t wedgePendingCount;
} dyson_normal_lanes;

/// Writes `count` independent N(0, 1) variates to `out`: the generator's
/// next values, the same whatever the split into calls and whichever path runs.
void dyson_normal_lanes_fill(dyson_normal_lanes *g, double *out, long count);

/// The same with the portable path forced (for tests and benchmarks).
void dyson_normal_lanes_fill_portable(dyson_normal_lanes *g, double *out, long count);

/// 1 when `dyson_normal_lanes_fill` uses AVX-512 on this CPU, else 0.
int dyson_normal_lanes_vectorised(void);

/// The ziggurat's constants, for tests: layers, r, v, and the fast-accept
/// threshold, width and density of layer i.
int dyson_normal_lanes_layers(void);
double dyson_normal_lanes_r(void);
double dyson_normal_lanes_v(void);
void dyson_normal_lanes_layer(int i, uint64_t *k, double *w, double *f);

/// e^{−x²/2} for |x| ≤ 4 as the generator computes it (a degree-13 polynomial
/// after range reduction, fused multiply–adds): for tests against libm.
double dyson_normal_lanes_exp_half_square(double x);

#ifdef __cplusplus
}
#endif
#endif
