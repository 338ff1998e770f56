// SPDX-License-Identifier: GPL-3.0-or-later
//
// Normal variates from eight xoshiro256** lanes: a 64-layer ziggurat whose
// tables fit in AVX-512 registers.
//
// The method. Each draw of lane j is one 64-bit word: its low 6 bits pick a
// layer i of the ziggurat (Marsaglia and Tsang 2000; 64 layers of equal area v,
// x₆₃ = r > x₆₂ > … > x₁ > x₀ = 0, f(x) = e^{−x²/2}), bits 6…57 a 52-bit
// abscissa a, bit 63 the sign, and x = ±a·wᵢ is the candidate. Rounds step all
// eight lanes once and fill eight output slots, lane 0 to 7. A candidate with
// a < kᵢ lies in its layer's inner rectangle and is the slot's value (95 % of
// draws). Otherwise (a miss) one uniform u from the wedge stream decides:
//   • in the base layer (i = 0) the slot gets a sample of the tail beyond r,
//     by Marsaglia's exact method with uniforms from the tail stream;
//   • in layer i ≥ 1 the candidate is kept if y = f(xᵢ₋₁)… below the curve,
//     y = (f(xᵢ₋₁) − f(xᵢ))·u + f(xᵢ) < e^{−x²/2};
//   • if the wedge test rejects it, the slot gets an independent N(0, 1)
//     variate from the fallback stream (a one-lane ziggurat with the same
//     tables, which loops until it accepts).
// Why the slots are exactly N(0, 1) and independent: a ziggurat draw is
// accepted with some probability p, and given acceptance it is N(0, 1); a
// rejected slot takes an independent N(0, 1), so the slot is N(0, 1) with
// weight p + (1 − p) = 1. Every slot uses its own lane word and fresh words of
// the auxiliary streams (taken in slot order), so slots are independent. This
// differs from the usual "draw again until accepted" only in where the
// replacement comes from, and it keeps every slot where its lane put it: no
// compaction, no lane waits for another.
//
// The vector path (AVX-512F and DQ) holds the lanes and both 64-entry tables
// in zmm registers: a table look-up is four two-register permutes and three
// blends. It draws a block of rounds straight into the output, noting the
// misses; a second pass settles them eight at a time (gathers, and e^{−x²/2}
// as a polynomial), and the rare tail and fallback slots one by one. The
// portable path does the same arithmetic slot by slot: same operations, same
// fused multiply–adds, the same numbers bit for bit (a test checks it).
#include "normal_lanes.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define HAVE_AVX512_PATH 1
#include <immintrin.h>
#endif

/// The scalar helpers are inlined into each path, so the AVX-512 path and the
/// FMA build of the portable path compute fma() with the instruction.
#define INLINE static inline __attribute__((always_inline))

enum { LAYERS = 64, LAYER_BITS = 6, BLOCK = 128 };

/// r and v for 64 layers: the base strip [0, r]·f(r) plus the tail has area
/// v, as has every layer above it (found by bisection on r, 17 digits).
static const double R = 3.2136576271588955, V = 0.020024457157351693;
static const double SCALE = 4503599627370496.0;  // 2⁵²
static const uint64_t ABSCISSA_MASK = 0x000FFFFFFFFFFFFFULL, SIGN_BIT = 0x8000000000000000ULL;

/// A word's bits: 0…5 the layer, 6…57 the abscissa, 62 the tail's sign, 63 the sign.
static inline uint64_t abscissaOf(uint64_t bits) { return (bits >> LAYER_BITS) & ABSCISSA_MASK; }

/// k[i] = ⌊(xᵢ₋₁/xᵢ)·2⁵²⌋, w[i] = xᵢ/2⁵², f[i] = e^{−xᵢ²/2} (layer 0: the base strip).
/// The fast test uses k's top 16 bits, k16[i] = ⌊k[i]/2³⁶⌋: a⌊/2³⁶⌋ < k16[i]
/// implies a < k[i], so it only ever sends a few more draws (2⁻¹⁶ of a
/// layer) to the slow path, which accepts them: in layers ≥ 1 they lie below
/// f(xᵢ₋₁) ≤ f(x), in the base layer the slow path tests a < k[0] first.
static uint64_t K[LAYERS] __attribute__((aligned(64)));
static uint16_t K16[LAYERS] __attribute__((aligned(64)));
static uint32_t K32[LAYERS];  // the same, 32 bits wide (for gathers)
static double W[LAYERS] __attribute__((aligned(64)));
static double F[LAYERS] __attribute__((aligned(64)));
/// d[i] = f(xᵢ₋₁) − f(xᵢ), the height of layer i ≥ 1 (d[0] = 0, unused).
static double D[LAYERS] __attribute__((aligned(64)));
static pthread_once_t tablesOnce = PTHREAD_ONCE_INIT;

#ifdef HAVE_AVX512_PATH
static void buildMissedLanes(void);
#endif

/// What this CPU can run, found once with the tables (under `tablesOnce`, so
/// no thread reads them half-written): AVX-512 F, DQ, BW and BMI2 for the
/// vector path; AVX2 and FMA for the faster build of the portable path.
__attribute__((unused)) static int cpuHasAVX512 = 0, cpuHasAVX2FMA = 0;

static void buildTables(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    cpuHasAVX2FMA = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
    cpuHasAVX512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2");
#endif
#ifdef HAVE_AVX512_PATH
    buildMissedLanes();
#endif
    double dn = R, tn = R, q = V / exp(-0.5 * dn * dn);
    K[0] = (uint64_t)((dn / q) * SCALE); K[1] = 0;
    W[0] = q / SCALE; W[LAYERS - 1] = dn / SCALE;
    F[0] = 1; F[LAYERS - 1] = exp(-0.5 * dn * dn);
    for (int i = LAYERS - 2; i >= 1; i--) {
        dn = sqrt(-2 * log(V / dn + exp(-0.5 * dn * dn)));
        K[i + 1] = (uint64_t)((dn / tn) * SCALE);
        tn = dn;
        F[i] = exp(-0.5 * dn * dn);
        W[i] = dn / SCALE;
    }
    for (int i = 0; i < LAYERS; i++) K32[i] = K16[i] = (uint16_t)(K[i] >> 36);
    D[0] = 0;
    for (int i = 1; i < LAYERS; i++) D[i] = F[i - 1] - F[i];
}

static inline void ensureTables(void) { pthread_once(&tablesOnce, buildTables); }

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(uint64_t *s) {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}

/// A uniform in [0, 1) on the 2⁻⁵³ grid.
static inline double uniform(uint64_t *s) { return (double)(next(s) >> 11) * 0x1.0p-53; }

/// 1/k! for k = 0…13: the Taylor polynomial of eᵗ on |t| ≤ ln 2 / 2, whose
/// truncation error (≈ 4·10⁻¹⁸) is below the rounding of the result.
static const double EXP_TAYLOR[14] = {
    1.0, 1.0, 0.5, 1.6666666666666666e-01, 4.1666666666666664e-02, 8.3333333333333332e-03,
    1.3888888888888889e-03, 1.9841269841269841e-04, 2.4801587301587302e-05, 2.7557319223985893e-06,
    2.7557319223985888e-07, 2.5052108385441720e-08, 2.0876756987868100e-09, 1.6059043836821613e-10,
};
static const double LOG2E = 1.4426950408889634, LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double ROUNDING = 0x1.8p52;  // adding and subtracting it rounds to an integer

/// e^{−x²/2} for |x| ≤ 4 (t = −x²/2 ≥ −8): t = k ln 2 + s with |s| ≤ ln 2/2,
/// eˢ by the Taylor polynomial (Estrin's scheme), then 2ᵏ added to the exponent bits. Relative
/// error a few units in the last place; the vector path computes the same.
INLINE double expHalfSquare(double x) {
    double t = (x * x) * -0.5;
    double kd = fma(t, LOG2E, ROUNDING) - ROUNDING;
    double s = fma(kd, -LN2_HI, t);
    s = fma(kd, -LN2_LO, s);
    const double *c = EXP_TAYLOR;  // Estrin's scheme: a short chain of dependent operations
    double s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    double q0 = fma(fma(c[3], s, c[2]), s2, fma(c[1], s, c[0])), q1 = fma(fma(c[7], s, c[6]), s2, fma(c[5], s, c[4]));
    double q2 = fma(fma(c[11], s, c[10]), s2, fma(c[9], s, c[8])), q3 = fma(c[13], s, c[12]);
    double p = fma(fma(q3, s4, q2), s8, fma(q1, s4, q0));
    uint64_t bits;
    memcpy(&bits, &p, 8);
    bits += (uint64_t)((int64_t)kd) << 52;
    memcpy(&p, &bits, 8);
    return p;
}

/// The tail beyond r, sign from bit 62 of the word: x = √(r² − 2 ln(1 − U₁))
/// has density ∝ x e^{−x²/2} on [r, ∞); accepting it with probability r/x
/// (U₂ x < r) leaves ∝ e^{−x²/2}. One logarithm a try, 93 % of tries accepted.
INLINE double tailSample(uint64_t *stream, uint64_t bits) {
    for (;;) {
        double x = sqrt(R * R - 2 * log1p(-uniform(stream)));
        if (uniform(stream) * x < R) return (bits >> 62 & 1) ? -x : x;
    }
}

/// The candidate of word `bits` and whether it is in its inner rectangle.
INLINE int candidate(uint64_t bits, double *x) {
    unsigned layer = bits & (LAYERS - 1);
    uint64_t a = abscissaOf(bits);
    // a < 2⁵² as a double, exactly: 2⁵² + a has a's bits as its mantissa
    // (a form that vectorises without 64-bit integer conversions).
    uint64_t biased = a | 0x4330000000000000ULL;
    double ad;
    memcpy(&ad, &biased, 8);
    double magnitude = (ad - 0x1p52) * W[layer];
    uint64_t p;
    memcpy(&p, &magnitude, 8);
    p |= bits & SIGN_BIT;
    memcpy(x, &p, 8);
    return (a >> 36) < K32[layer];
}

/// The wedge test of layer ≥ 1 for candidate x with uniform u.
INLINE int wedgeAccepts(unsigned layer, double x, double u) {
    double y = fma(D[layer], u, F[layer]);
    return y < expHalfSquare(x);
}

/// One N(0, 1) variate from a single stream, drawing until it accepts.
INLINE double fallbackNormal(uint64_t *s) {
    for (;;) {
        uint64_t bits = next(s);
        double x;
        if (candidate(bits, &x)) return x;
        double u = uniform(s);
        unsigned layer = bits & (LAYERS - 1);
        if (layer == 0) return abscissaOf(bits) < K[0] ? x : tailSample(s, bits);
        if (wedgeAccepts(layer, x, u)) return x;
    }
}

/// A base-layer miss: x if it is inside the base rectangle after all, else
/// a sample of the tail.
INLINE double baseMiss(dyson_normal_lanes *g, uint64_t bits, double x) {
    return abscissaOf(bits) < K[0] ? x : tailSample(g->tail, bits);
}

/// A slot whose candidate missed: its value, given the miss's uniform u.
INLINE double settleMiss(dyson_normal_lanes *g, uint64_t bits, double x, double u) {
    unsigned layer = bits & (LAYERS - 1);
    if (layer == 0) return baseMiss(g, bits, x);
    return wedgeAccepts(layer, x, u) ? x : fallbackNormal(g->fallback);
}

/// One step of the eight wedge lanes: eight uniforms, lane 0 to 7.
INLINE void wedgeStep(dyson_normal_lanes *g, double *u) {
    for (int j = 0; j < 8; j++) {
        uint64_t s[4] = {g->wedge[j], g->wedge[8 + j], g->wedge[16 + j], g->wedge[24 + j]};
        u[j] = uniform(s);
        g->wedge[j] = s[0]; g->wedge[8 + j] = s[1]; g->wedge[16 + j] = s[2]; g->wedge[24 + j] = s[3];
    }
}

/// The wedge stream's next uniform: its lanes' steps read lane by lane.
INLINE double wedgeUniform(dyson_normal_lanes *g) {
    if (g->wedgePendingCount == 0) { wedgeStep(g, g->wedgePending); g->wedgePendingCount = 8; }
    return g->wedgePending[8 - g->wedgePendingCount--];
}

/// Eight 64-bit lanes in the compiler's generic vectors (SSE, AVX2 or NEON).
typedef uint64_t Lanes8 __attribute__((vector_size(64), aligned(8)));

/// `rounds` rounds into out[0 ..< 8·rounds], in blocks: first each block's
/// words, the eight lanes stepped side by side, then slot by slot in order,
/// the misses settled as they come.
INLINE void roundsSlotBySlot(dyson_normal_lanes *g, double *out, long rounds) {
    Lanes8 a, b, c, d;
    memcpy(&a, g->lanes, 64); memcpy(&b, g->lanes + 8, 64); memcpy(&c, g->lanes + 16, 64); memcpy(&d, g->lanes + 24, 64);
    uint64_t bits[8 * BLOCK] __attribute__((aligned(64)));
    for (long done = 0; done < rounds;) {
        long n = rounds - done < BLOCK ? rounds - done : BLOCK;
        for (long r = 0; r < n; r++) {
            // rotl(s1·5, 7)·9 by shifts and adds (AVX2 has no 64-bit multiply).
            Lanes8 five = (b << 2) + b, r7 = (five << 7) | (five >> 57), t = b << 17;
            Lanes8 word = (r7 << 3) + r7;
            memcpy(bits + 8 * r, &word, 64);
            c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = (d << 45) | (d >> 19);
        }
        // Every slot's candidate (a loop without branches, vectorised where the
        // compiler can), then the misses in order.
        double *dst = out + 8 * done;
        uint8_t inside[8 * BLOCK];
#if defined(__clang__) && defined(__x86_64__)
#pragma clang loop vectorize(enable) interleave(enable)
#endif
        for (long k = 0; k < 8 * n; k++) inside[k] = (uint8_t)candidate(bits[k], dst + k);
        for (long k = 0; k < 8 * n; k++) {
            if (__builtin_expect(inside[k], 1)) continue;
            dst[k] = settleMiss(g, bits[k], dst[k], wedgeUniform(g));
        }
        done += n;
    }
    memcpy(g->lanes, &a, 64); memcpy(g->lanes + 8, &b, 64); memcpy(g->lanes + 16, &c, 64); memcpy(g->lanes + 24, &d, 64);
}

static void roundsPortable(dyson_normal_lanes *g, double *out, long rounds) { roundsSlotBySlot(g, out, rounds); }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
/// The same code where the CPU has AVX2 and FMA: the lanes' steps in vector
/// registers, fma() one instruction.
__attribute__((target("avx2,fma"))) static void roundsPortableFMA(dyson_normal_lanes *g, double *out, long rounds) {
    roundsSlotBySlot(g, out, rounds);
}
#endif

#ifdef HAVE_AVX512_PATH
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,bmi2")))

/// One xoshiro256** step of eight lanes: their outputs (rotl(s1·5, 7)·9 by
/// shifts and adds; the state's xors three at a time, 0x96 = a ⊕ b ⊕ c).
AVX512 static inline __m512i xoshiroStep8(__m512i *s0, __m512i *s1, __m512i *s2, __m512i *s3) {
    __m512i a = *s0, b = *s1, c = *s2, d = *s3;
    __m512i r7 = _mm512_rol_epi64(_mm512_add_epi64(_mm512_slli_epi64(b, 2), b), 7);
    __m512i out = _mm512_add_epi64(_mm512_slli_epi64(r7, 3), r7);
    __m512i c1 = _mm512_xor_si512(c, a), d1 = _mm512_xor_si512(d, b);   // s2 ^= s0; s3 ^= s1
    *s1 = _mm512_ternarylogic_epi64(b, c, a, 0x96);                      // s1 ^= s2
    *s0 = _mm512_xor_si512(a, d1);                                       // s0 ^= s3
    *s2 = _mm512_xor_si512(c1, _mm512_slli_epi64(b, 17));               // s2 ^= t
    *s3 = _mm512_rol_epi64(d1, 45);
    return out;
}

/// Entry idx mod 64 of a 64-bit table held in eight zmm registers (the
/// permutes read idx's low 4 bits; bits 4 and 5 pick the pair).
AVX512 static inline __m512i lookup(const __m512i *t, __m512i idx) {
    __mmask8 upper16 = _mm512_test_epi64_mask(idx, _mm512_set1_epi64(16));
    __m512i lo = _mm512_mask_blend_epi64(upper16, _mm512_permutex2var_epi64(t[0], idx, t[1]), _mm512_permutex2var_epi64(t[2], idx, t[3]));
    __m512i hi = _mm512_mask_blend_epi64(upper16, _mm512_permutex2var_epi64(t[4], idx, t[5]), _mm512_permutex2var_epi64(t[6], idx, t[7]));
    return _mm512_mask_blend_epi64(_mm512_test_epi64_mask(idx, _mm512_set1_epi64(32)), lo, hi);
}

/// expHalfSquare on eight values: the same operations.
AVX512 static inline __m512d expHalfSquare8(__m512d x) {
    __m512d t = _mm512_mul_pd(_mm512_mul_pd(x, x), _mm512_set1_pd(-0.5));
    __m512d rounding = _mm512_set1_pd(ROUNDING);
    __m512d kd = _mm512_sub_pd(_mm512_fmadd_pd(t, _mm512_set1_pd(LOG2E), rounding), rounding);
    __m512d s = _mm512_fmadd_pd(kd, _mm512_set1_pd(-LN2_HI), t);
    s = _mm512_fmadd_pd(kd, _mm512_set1_pd(-LN2_LO), s);
#define C(j) _mm512_set1_pd(EXP_TAYLOR[j])
#define FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
    __m512d s2 = _mm512_mul_pd(s, s), s4 = _mm512_mul_pd(s2, s2), s8 = _mm512_mul_pd(s4, s4);
    __m512d q0 = FMA(FMA(C(3), s, C(2)), s2, FMA(C(1), s, C(0))), q1 = FMA(FMA(C(7), s, C(6)), s2, FMA(C(5), s, C(4)));
    __m512d q2 = FMA(FMA(C(11), s, C(10)), s2, FMA(C(9), s, C(8))), q3 = FMA(C(13), s, C(12));
    __m512d p = FMA(FMA(q3, s4, q2), s8, FMA(q1, s4, q0));
#undef C
#undef FMA
    __m512i e = _mm512_slli_epi64(_mm512_cvtpd_epi64(kd), 52);
    return _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(p), e));
}

/// The wedge stream's next n uniforms into u: what is pending, then whole
/// steps of the eight lanes in zmm registers; what is left over is pending.
/// `u` needs 8 entries of slack.
AVX512 static void wedgeUniforms(dyson_normal_lanes *g, double *u, long n) {
    long k = 0;
    while (k < n && g->wedgePendingCount > 0) u[k++] = g->wedgePending[8 - g->wedgePendingCount--];
    if (k == n) return;
    __m512i s0 = _mm512_loadu_si512(g->wedge), s1 = _mm512_loadu_si512(g->wedge + 8);
    __m512i s2 = _mm512_loadu_si512(g->wedge + 16), s3 = _mm512_loadu_si512(g->wedge + 24);
    for (; k < n; k += 8) {
        __m512i bits = xoshiroStep8(&s0, &s1, &s2, &s3);
        _mm512_storeu_pd(u + k, _mm512_mul_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(bits, 11)), _mm512_set1_pd(0x1.0p-53)));
    }
    _mm512_storeu_si512(g->wedge, s0); _mm512_storeu_si512(g->wedge + 8, s1);
    _mm512_storeu_si512(g->wedge + 16, s2); _mm512_storeu_si512(g->wedge + 24, s3);
    long left = k - n;  // the last step's unused uniforms
    for (long j = 0; j < left; j++) g->wedgePending[8 - left + j] = u[n + j];
    g->wedgePendingCount = left;
}

/// MISSED_LANES[mask]: the set bits' positions in increasing order (8 × 16 bits).
static __m128i MISSED_LANES[256];
static void buildMissedLanes(void) {
    for (int mask = 0; mask < 256; mask++) {
        uint16_t lanes[8] = {0};
        int n = 0;
        for (int j = 0; j < 8; j++) if (mask >> j & 1) lanes[n++] = (uint16_t)j;
        memcpy(&MISSED_LANES[mask], lanes, 16);
    }
}

/// `rounds` rounds into out[0 ..< 8·rounds], in blocks: pass 1 draws every
/// round into place and notes the misses (no call, no branch); pass 2 takes
/// the misses' uniforms in order and settles them eight at a time.
AVX512 static void roundsAVX512(dyson_normal_lanes *g, double *out, long rounds) {
    __m512i wt[8];
    for (int j = 0; j < 8; j++) wt[j] = _mm512_load_si512((const void *)(W + 8 * j));
    const __m512i signBit = _mm512_set1_epi64((long long)0x8000000000000000ULL);
    const __m512i k16Low = _mm512_load_si512(K16), k16High = _mm512_load_si512(K16 + 32);
    __m512i s0 = _mm512_loadu_si512(g->lanes), s1 = _mm512_loadu_si512(g->lanes + 8);
    __m512i s2 = _mm512_loadu_si512(g->lanes + 16), s3 = _mm512_loadu_si512(g->lanes + 24);
    const __m512i layerMask = _mm512_set1_epi64(LAYERS - 1), abscissaMask = _mm512_set1_epi64((long long)ABSCISSA_MASK);
    uint64_t bs[8 * BLOCK] __attribute__((aligned(64)));
    uint16_t misses[8 * BLOCK + 16] __attribute__((aligned(64)));
    double us[8 * BLOCK + 8] __attribute__((aligned(64)));
    int64_t fixes[8 * BLOCK + 8] __attribute__((aligned(64)));
    for (long done = 0; done < rounds;) {
        long n = rounds - done < BLOCK ? rounds - done : BLOCK;
        double *dst = out + 8 * done;
        long nm = 0, nf = 0;
        __m128i slot0 = _mm_setzero_si128();  // 8·r in every 16-bit lane
        for (long r = 0; r < n; r++) {
            __m512i bits = xoshiroStep8(&s0, &s1, &s2, &s3);
            __m512i a = _mm512_and_si512(_mm512_srli_epi64(bits, LAYER_BITS), abscissaMask);
            __m512i sign = _mm512_and_si512(bits, signBit);
            __m512d magnitude = _mm512_mul_pd(_mm512_cvtepu64_pd(a), _mm512_castsi512_pd(lookup(wt, bits)));
            _mm512_storeu_pd(dst + 8 * r, _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(magnitude), sign)));
            _mm512_store_si512(bs + 8 * r, bits);
            // Each lane's low 16-bit word: k16 of its layer (one word permute:
            // the word's low 6 bits are the layer) against a's top 16 bits.
            __m512i k16 = _mm512_permutex2var_epi16(k16Low, bits, k16High);
            __mmask32 missWords = _mm512_mask_cmpge_epu16_mask(0x11111111, _mm512_srli_epi64(bits, LAYER_BITS + 36), k16);
            __mmask8 miss = (__mmask8)_pext_u32(missWords, 0x11111111);
            // The misses' slots, in lane order, from the mask's entry in a table.
            _mm_storeu_si128((__m128i *)(misses + nm), _mm_add_epi16(_mm_load_si128(&MISSED_LANES[miss]), slot0));
            slot0 = _mm_add_epi16(slot0, _mm_set1_epi16(8));
            nm += __builtin_popcount(miss);
        }
        wedgeUniforms(g, us, nm);
        for (long m = 0; m < nm; m += 8) {
            __mmask8 live = nm - m >= 8 ? 0xFF : (__mmask8)((1u << (nm - m)) - 1);
            __m512i pos = _mm512_maskz_mov_epi64(live, _mm512_cvtepu16_epi64(_mm_loadu_si128((const __m128i *)(misses + m))));
            __m512i bits = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), live, pos, (const long long *)bs, 8);
            __m512d x = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), live, pos, dst, 8);
            __m512i layer = _mm512_and_si512(bits, layerMask);
            __mmask8 tail = _mm512_mask_cmpeq_epi64_mask(live, layer, _mm512_setzero_si512());
            __m512d f = _mm512_mask_i64gather_pd(_mm512_set1_pd(1), live, layer, F, 8);
            __m512d d = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), live, layer, D, 8);
            __m512d y = _mm512_fmadd_pd(d, _mm512_maskz_loadu_pd(live, us + m), f);
            __mmask8 accepted = _mm512_cmp_pd_mask(y, expHalfSquare8(x), _CMP_LT_OQ);
            __mmask8 settle = live & (tail | (__mmask8)~accepted);
            _mm512_storeu_si512(fixes + nf, _mm512_maskz_compress_epi64(settle, pos));
            nf += __builtin_popcount(settle);
        }
        // The slots left, in order: base-layer misses (the tail stream), and
        // the wedge's rejects, whose replacements are drawn in one loop.
        long nr = 0;
        for (long k = 0; k < nf; k++) {
            long p = fixes[k];
            if ((bs[p] & (LAYERS - 1)) == 0) dst[p] = baseMiss(g, bs[p], dst[p]);
            else fixes[nr++] = p;
        }
        uint64_t fb[4] = {g->fallback[0], g->fallback[1], g->fallback[2], g->fallback[3]};
        for (long k = 0; k < nr; k++) dst[fixes[k]] = fallbackNormal(fb);
        memcpy(g->fallback, fb, sizeof fb);
        done += n;
    }
    _mm512_storeu_si512(g->lanes, s0); _mm512_storeu_si512(g->lanes + 8, s1);
    _mm512_storeu_si512(g->lanes + 16, s2); _mm512_storeu_si512(g->lanes + 24, s3);
}

#endif

int dyson_normal_lanes_vectorised(void) {
    ensureTables();
#ifdef HAVE_AVX512_PATH
    return cpuHasAVX512;
#else
    return 0;
#endif
}

typedef void (*RoundsFunction)(dyson_normal_lanes *, double *, long);

/// Pending values first, then whole rounds straight into `out`, then one
/// round into `pending` for the rest.
static void fillWith(RoundsFunction rounds, dyson_normal_lanes *g, double *out, long count) {
    ensureTables();
    while (count > 0 && g->pendingCount > 0) {
        *out++ = g->pending[8 - g->pendingCount];
        g->pendingCount--;
        count--;
    }
    if (count <= 0) return;
    long whole = count / 8;
    if (whole > 0) rounds(g, out, whole);
    long rest = count - 8 * whole;
    if (rest > 0) {
        rounds(g, g->pending, 1);
        for (long j = 0; j < rest; j++) out[8 * whole + j] = g->pending[j];
        g->pendingCount = 8 - rest;
    }
}

void dyson_normal_lanes_fill(dyson_normal_lanes *g, double *out, long count) {
    ensureTables();
#ifdef HAVE_AVX512_PATH
    if (cpuHasAVX512) { fillWith(roundsAVX512, g, out, count); return; }
#endif
    dyson_normal_lanes_fill_portable(g, out, count);
}

void dyson_normal_lanes_fill_portable(dyson_normal_lanes *g, double *out, long count) {
    ensureTables();
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (cpuHasAVX2FMA) { fillWith(roundsPortableFMA, g, out, count); return; }
#endif
    fillWith(roundsPortable, g, out, count);
}

int dyson_normal_lanes_layers(void) { return LAYERS; }
double dyson_normal_lanes_r(void) { return R; }
double dyson_normal_lanes_v(void) { return V; }

void dyson_normal_lanes_layer(int i, uint64_t *k, double *w, double *f) {
    ensureTables();
    if (i < 0 || i >= LAYERS) { *k = 0; *w = 0; *f = 0; return; }
    *k = K[i]; *w = W[i]; *f = F[i];
}

double dyson_normal_lanes_exp_half_square(double x) { return expHalfSquare(x); }
