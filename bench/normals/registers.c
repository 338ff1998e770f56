// SPDX-License-Identifier: GPL-3.0-or-later
//
// dyson's eight-lane normal generator (Sources/CNormalLanes: a 64-layer
// ziggurat whose tables live in AVX-512 registers) against the scalar
// 256-layer generator of Sources/Linalg/Normal.swift (its C port here), on one
// core: ns per normal, best of 7 rounds of ≈10⁷ drawn 4096 at a time. Also
// checks that the vector path equals the portable one bit for bit.
//
//   bench/normals/run.sh
#include "../../Sources/CNormalLanes/normal_lanes.c"

#include <stdio.h>
#include <time.h>

static uint64_t K256[256]; static double W256[256], F256[256];
static const double R256 = 3.6541528853610088;
static void tables256(void) {  // as Ziggurat.tables in Normal.swift
    double v = 0.00492867323399, scale = 4503599627370496.0, dn = R256, tn = R256, q = v / exp(-0.5 * dn * dn);
    K256[0] = (uint64_t)((dn / q) * scale); K256[1] = 0; W256[0] = q / scale; W256[255] = dn / scale; F256[0] = 1; F256[255] = exp(-0.5 * dn * dn);
    for (int i = 254; i >= 1; i--) {
        dn = sqrt(-2 * log(v / dn + exp(-0.5 * dn * dn)));
        K256[i + 1] = (uint64_t)((dn / tn) * scale); tn = dn; F256[i] = exp(-0.5 * dn * dn); W256[i] = dn / scale;
    }
}

/// The scalar generator: state in registers, the rare slow path through memory.
static void fillScalar(dyson_normal_lanes *g, double *out, long count) {
    uint64_t *s = g->lanes, a = s[0], b = s[1], c = s[2], d = s[3];
    long i = 0;
    while (i < count) {
        uint64_t bits = rotl(b * 5, 7) * 9, t = b << 17;
        c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 45);
        unsigned layer = bits & 0xFF; uint64_t abscissa = (bits >> 9) & ABSCISSA_MASK;
        double magnitude = (double)abscissa * W256[layer];
        uint64_t p; memcpy(&p, &magnitude, 8); p |= (bits >> 8) << 63;
        double x; memcpy(&x, &p, 8);
        if (abscissa < K256[layer]) { out[i++] = x; continue; }
        uint64_t st[4] = {a, b, c, d};
        if (layer == 0) {
            for (;;) {
                double xx = -log1p(-uniform(st)) / R256, yy = -log1p(-uniform(st));
                if (yy + yy > xx * xx) { out[i++] = ((abscissa >> 8) & 1) ? -(R256 + xx) : R256 + xx; break; }
            }
        } else {
            double y = (F256[layer - 1] - F256[layer]) * uniform(st) + F256[layer];
            if (y < exp(-0.5 * x * x)) out[i++] = x;
        }
        a = st[0]; b = st[1]; c = st[2]; d = st[3];
    }
    s[0] = a; s[1] = b; s[2] = c; s[3] = d;
}

static void seed(dyson_normal_lanes *g, uint64_t k) {
    memset(g, 0, sizeof *g);
    uint64_t *w = (uint64_t *)g;
    for (int i = 0; i < 72; i++) w[i] = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1 + 100 * k) ^ (uint64_t)(i * 12345);
}

static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
typedef void (*FillFunction)(dyson_normal_lanes *, double *, long);

static double timing(FillFunction fill) {
    static double out[4096] __attribute__((aligned(64)));
    dyson_normal_lanes g; seed(&g, 7);
    double best = 1e9, sink = 0;
    for (int round = 0; round < 7; round++) {
        double t0 = cpu();
        for (int k = 0; k < 2442; k++) { fill(&g, out, 4096); sink += out[7]; }
        double t = (cpu() - t0) / (2442.0 * 4096) * 1e9;
        if (t < best) best = t;
    }
    if (sink == 12345.678) printf(" ");
    return best;
}

int main(void) {
    tables256();
    ensureTables();
    static double x[1 << 22], y[1 << 22];
    long n = 1 << 22;
    dyson_normal_lanes a, b;
    seed(&a, 1); seed(&b, 1);
    // Odd pieces for the vector path, one call for the portable: the same stream.
    for (long i = 0, piece = 1; i < n; i += piece, piece = piece * 3 % 1001 + 1)
        dyson_normal_lanes_fill(&a, x + i, piece < n - i ? piece : n - i);
    dyson_normal_lanes_fill_portable(&b, y, n);
    int same = memcmp(x, y, n * sizeof(double)) == 0;
    double s1 = 0, s2 = 0, s4 = 0; long bins[20] = {0};
    for (long i = 0; i < n; i++) {
        double z = x[i]; s1 += z; s2 += z * z; s4 += z * z * z * z;
        int k = (int)(0.5 * erfc(-z / sqrt(2)) * 20); bins[k > 19 ? 19 : k]++;
    }
    double chi = 0; for (int k = 0; k < 20; k++) { double e = n / 20.0; chi += (bins[k] - e) * (bins[k] - e) / e; }
    printf("lanes (AVX-512 here: %s) = portable on %ld variates drawn in odd pieces: %s\n", dyson_normal_lanes_vectorised() ? "yes" : "no", n, same ? "yes" : "NO");
    printf("mean %+.5f (±%.5f), variance %.5f (±%.5f), E z⁴ %.4f (3 ± %.4f), χ² of 20 equiprobable bins %.1f (19 dof)\n",
           s1 / n, 1 / sqrt((double)n), s2 / n, sqrt(2.0 / n), s4 / n, sqrt(96.0 / n), chi);
    double ts = timing(fillScalar), tl = timing(dyson_normal_lanes_fill), tp = timing(dyson_normal_lanes_fill_portable);
    printf("ns per normal: scalar (256 layers, dyson's before) %.2f; 8 lanes (64 layers) %.2f, the same portable %.2f; scalar/lanes %.2fx\n", ts, tl, tp, ts / tl);
    return same ? 0 : 1;
}
