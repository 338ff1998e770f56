// SPDX-License-Identifier: GPL-3.0-or-later
//
// Can the ziggurat go faster across SIMD lanes? Times, on one core, dyson's
// scalar normal generator (one xoshiro256**, the 256-layer ziggurat of
// Sources/Linalg/Normal.swift) against LANES independent xoshiro256**
// generators stepped together, the fast path vectorised (AVX2 for 4 lanes,
// AVX-512 for 8) and the exact slow path lane by lane. The vector code's
// output is checked against a portable loop with the same lanes, bit for bit.
//
//   bench/normals/run.sh          (compiles the variants this CPU can run)
//
// Measured here, it is why dyson keeps the scalar generator: see README,
// "Benchmarks".
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#pragma STDC FP_CONTRACT OFF  // Swift's roundings: no fused multiply–add

#ifndef LANES
#define LANES 4
#endif

static uint64_t K[256], KW[512] __attribute__((aligned(64)));
static double W[256], F[256];
static const double R = 3.6541528853610088;

static void tables(void) {  // as Ziggurat.tables in Normal.swift
    double v = 0.00492867323399, scale = 4503599627370496.0, dn = R, tn = R, q = v / exp(-0.5 * dn * dn);
    K[0] = (uint64_t)((dn / q) * scale); K[1] = 0; W[0] = q / scale; W[255] = dn / scale; F[0] = 1; F[255] = exp(-0.5 * dn * dn);
    for (int i = 254; i >= 1; i--) {
        dn = sqrt(-2 * log(v / dn + exp(-0.5 * dn * dn)));
        K[i + 1] = (uint64_t)((dn / tn) * scale); tn = dn; F[i] = exp(-0.5 * dn * dn); W[i] = dn / scale;
    }
    for (int i = 0; i < 256; i++) { KW[2 * i] = K[i]; memcpy(&KW[2 * i + 1], &W[i], 8); }
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// Lane j of an m-lane state (s0 of every lane, then s1, s2, s3), stepped alone.
static inline uint64_t next_of(uint64_t *s, int j, int m) {
    uint64_t *a = s + j, *b = s + m + j, *c = s + 2 * m + j, *d = s + 3 * m + j;
    uint64_t result = rotl(*b * 5, 7) * 9, t = *b << 17;
    *c ^= *a; *d ^= *b; *b ^= *c; *a ^= *d; *c ^= t; *d = rotl(*d, 45);
    return result;
}

static inline int fast(uint64_t bits, double *x) {
    uint64_t layer = bits & 0xFF, abscissa = (bits >> 9) & 0x000FFFFFFFFFFFFFULL;
    double magnitude = (double)abscissa * W[layer];
    uint64_t p;
    memcpy(&p, &magnitude, 8);
    p |= (bits >> 8) << 63;
    memcpy(x, &p, 8);
    return abscissa < K[layer];
}

/// The ziggurat for word `bits` of lane j of an m-lane state (the slow path
/// draws from lane j): 1 and *v, or 0.
static inline int variate_of(uint64_t *s, int j, int m, uint64_t bits, double *v) {
    double x;
    if (fast(bits, &x)) { *v = x; return 1; }
    uint64_t layer = bits & 0xFF, abscissa = (bits >> 9) & 0x000FFFFFFFFFFFFFULL;
    if (layer == 0) {
        for (;;) {
            double xx = -log1p(-((double)(next_of(s, j, m) >> 11) * 0x1.0p-53)) / R;
            double yy = -log1p(-((double)(next_of(s, j, m) >> 11) * 0x1.0p-53));
            if (yy + yy > xx * xx) { *v = ((abscissa >> 8) & 1) ? -(R + xx) : R + xx; return 1; }
        }
    }
    double y = (F[layer - 1] - F[layer]) * ((double)(next_of(s, j, m) >> 11) * 0x1.0p-53) + F[layer];
    if (y < exp(-0.5 * x * x)) { *v = x; return 1; }
    return 0;
}

static inline uint64_t next(uint64_t *s, int j) { return next_of(s, j, LANES); }
static inline int variate(uint64_t *s, int j, uint64_t bits, double *v) { return variate_of(s, j, LANES, bits, v); }

/// One step of all lanes, lane by lane, into out[i...]; returns the new i.
static long step_lanes(uint64_t *s, double *out, long i) {
    uint64_t bits[LANES];
    for (int j = 0; j < LANES; j++) bits[j] = next(s, j);
    for (int j = 0; j < LANES; j++) { double v; if (variate(s, j, bits[j], &v)) out[i++] = v; }
    return i;
}

/// Portable reference: at least `count` variates (whole steps), lane by lane.
static long fill_portable(uint64_t *s, double *out, long count) {
    long i = 0;
    while (i < count) i = step_lanes(s, out, i);
    return i;
}

/// The same sequence, the fast path on all lanes at once.
static long fill_vector(uint64_t *s, double *out, long count) {
    long i = 0;
    while (i < count) {
#if LANES == 8 && defined(__AVX512F__)
        __m512i s0 = _mm512_loadu_si512(s), s1 = _mm512_loadu_si512(s + 8), s2 = _mm512_loadu_si512(s + 16), s3 = _mm512_loadu_si512(s + 24);
        for (;;) {
            __m512i r7 = _mm512_rol_epi64(_mm512_add_epi64(_mm512_slli_epi64(s1, 2), s1), 7);
            __m512i bits = _mm512_add_epi64(_mm512_slli_epi64(r7, 3), r7);
            __m512i n2 = _mm512_xor_si512(s2, s0), n3 = _mm512_xor_si512(s3, s1);
            __m512i n1 = _mm512_xor_si512(s1, n2), n0 = _mm512_xor_si512(s0, n3);
            n2 = _mm512_xor_si512(n2, _mm512_slli_epi64(s1, 17)); n3 = _mm512_rol_epi64(n3, 45);
            __m512i layer = _mm512_and_si512(bits, _mm512_set1_epi64(0xFF));
            __m512i abscissa = _mm512_and_si512(_mm512_srli_epi64(bits, 9), _mm512_set1_epi64(0x000FFFFFFFFFFFFFLL));
            __m512i sign = _mm512_slli_epi64(_mm512_srli_epi64(bits, 8), 63);
            uint64_t l[8];
            _mm512_storeu_si512(l, layer);
            const __m128i *kw = (const __m128i *)KW;
            __m512i even = _mm512_inserti64x2(_mm512_inserti64x2(_mm512_inserti64x2(_mm512_castsi128_si512(
                _mm_load_si128(kw + l[0])), _mm_load_si128(kw + l[2]), 1), _mm_load_si128(kw + l[4]), 2), _mm_load_si128(kw + l[6]), 3);
            __m512i odd = _mm512_inserti64x2(_mm512_inserti64x2(_mm512_inserti64x2(_mm512_castsi128_si512(
                _mm_load_si128(kw + l[1])), _mm_load_si128(kw + l[3]), 1), _mm_load_si128(kw + l[5]), 2), _mm_load_si128(kw + l[7]), 3);
            __m512d a = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(abscissa, _mm512_set1_epi64(0x4330000000000000LL))), _mm512_set1_pd(0x1p52));
            __m512d x = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(_mm512_mul_pd(a, _mm512_castsi512_pd(_mm512_unpackhi_epi64(even, odd)))), sign));
            if (i + 8 > count || _mm512_cmplt_epu64_mask(abscissa, _mm512_unpacklo_epi64(even, odd)) != 0xFF) break;
            s0 = n0; s1 = n1; s2 = n2; s3 = n3;
            _mm512_storeu_pd(out + i, x);
            i += 8;
        }
        _mm512_storeu_si512(s, s0); _mm512_storeu_si512(s + 8, s1); _mm512_storeu_si512(s + 16, s2); _mm512_storeu_si512(s + 24, s3);
#elif LANES == 4 && defined(__AVX2__)
        __m256i s0 = _mm256_loadu_si256((__m256i *)s), s1 = _mm256_loadu_si256((__m256i *)(s + 4));
        __m256i s2 = _mm256_loadu_si256((__m256i *)(s + 8)), s3 = _mm256_loadu_si256((__m256i *)(s + 12));
#define ROTL4(x, k) _mm256_or_si256(_mm256_slli_epi64(x, k), _mm256_srli_epi64(x, 64 - (k)))
        for (;;) {
            __m256i r7 = ROTL4(_mm256_add_epi64(_mm256_slli_epi64(s1, 2), s1), 7);
            __m256i bits = _mm256_add_epi64(_mm256_slli_epi64(r7, 3), r7);
            __m256i n2 = _mm256_xor_si256(s2, s0), n3 = _mm256_xor_si256(s3, s1);
            __m256i n1 = _mm256_xor_si256(s1, n2), n0 = _mm256_xor_si256(s0, n3);
            n2 = _mm256_xor_si256(n2, _mm256_slli_epi64(s1, 17)); n3 = ROTL4(n3, 45);
            __m256i layer = _mm256_and_si256(bits, _mm256_set1_epi64x(0xFF));
            __m256i abscissa = _mm256_and_si256(_mm256_srli_epi64(bits, 9), _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL));
            __m256i sign = _mm256_slli_epi64(_mm256_srli_epi64(bits, 8), 63);
            __m256i k = _mm256_i64gather_epi64((const long long *)K, layer, 8);
            __m256d w = _mm256_i64gather_pd(W, layer, 8);
            __m256d a = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(abscissa, _mm256_set1_epi64x(0x4330000000000000LL))), _mm256_set1_pd(0x1p52));
            __m256d x = _mm256_castsi256_pd(_mm256_or_si256(_mm256_castpd_si256(_mm256_mul_pd(a, w)), sign));
            if (i + 4 > count || _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k, abscissa))) != 0xF) break;
            s0 = n0; s1 = n1; s2 = n2; s3 = n3;
            _mm256_storeu_pd(out + i, x);
            i += 4;
        }
        _mm256_storeu_si256((__m256i *)s, s0); _mm256_storeu_si256((__m256i *)(s + 4), s1);
        _mm256_storeu_si256((__m256i *)(s + 8), s2); _mm256_storeu_si256((__m256i *)(s + 12), s3);
#endif
        if (i < count) i = step_lanes(s, out, i);  // a step with a slow lane
    }
    return i;
}

/// dyson's scalar generator (Normal.swift), for the baseline: one lane, its
/// state in locals (registers) and only the rare slow path through memory.
static long fill_scalar(uint64_t *s, double *out, long count) {
    uint64_t a = s[0], b = s[1], c = s[2], d = s[3];
    long i = 0;
    while (i < count) {
        uint64_t bits = rotl(b * 5, 7) * 9, t = b << 17;
        c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 45);
        double v;
        if (fast(bits, &v)) { out[i++] = v; continue; }
        uint64_t lane[4] = {a, b, c, d};
        int ok = variate_of(lane, 0, 1, bits, &v);
        a = lane[0]; b = lane[1]; c = lane[2]; d = lane[3];
        if (ok) out[i++] = v;
    }
    s[0] = a; s[1] = b; s[2] = c; s[3] = d;
    return i;
}

static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

typedef long (*fill_fn)(uint64_t *, double *, long);

/// Best of 5 rounds of 10⁷ variates drawn 4096 at a time: ns per variate.
static double timing(fill_fn fill, uint64_t *s) {
    static double out[4096 + 64];
    double best = 1e9, sink = 0;
    for (int round = 0; round < 5; round++) {
        double t0 = cpu();
        for (int k = 0; k < 2442; k++) { fill(s, out, 4096); sink += out[7]; }
        double t = (cpu() - t0) / (2442.0 * 4096) * 1e9;
        if (t < best) best = t;
    }
    if (sink == 12345.678) printf(" ");
    return best;
}

int main(void) {
    tables();
    uint64_t a[4 * LANES], b[4 * LANES], scalar[4 * LANES] = {1, 2, 3, 4};
    for (int i = 0; i < 4 * LANES; i++) a[i] = b[i] = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) ^ (uint64_t)(i * 12345);
    // The vector code must give the portable lanes' sequence, bit for bit, and normals.
    static double x[1 << 20], y[1 << 20];
    long n = 1 << 19;
    fill_vector(a, x, n);
    fill_portable(b, y, n);
    double sum = 0, sq = 0;
    for (long i = 0; i < n; i++) { sum += x[i]; sq += x[i] * x[i]; }
    int same = memcmp(x, y, n * sizeof(double)) == 0;
    printf("%d lanes: vector = portable on %ld variates: %s; mean %+.4f, variance %.4f\n", LANES, n, same ? "yes" : "NO", sum / n, sq / n - (sum / n) * (sum / n));
    double ts = timing(fill_scalar, scalar), tv = timing(fill_vector, a), tp = timing(fill_portable, b);
    printf("ns per normal: scalar (dyson) %.2f, %d lanes vectorised %.2f, %d lanes portable %.2f; scalar/vectorised %.2fx\n", ts, LANES, tv, LANES, tp, ts / tv);
    return same ? 0 : 1;
}
