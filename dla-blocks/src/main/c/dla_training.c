/*
 * Fused CPU training kernels of the light layer attention's map work (dla-zoo, Apache-2.0).
 *
 * For one DLA-L or MRLA-L unit, from the bottleneck's last BatchNorm output b and its shortcut o
 * (channels-last float32 maps [B, C, H, W], element (n, c, y, x) at ((n * H + y) * W + x) * C + c):
 *
 *   u = ReLU(b + o)                                     the unit's output (the join)
 *   s = a ⊙ (Wv * u) + Λ * o + dl ⊙ o                    the branch before its BatchNorm
 *   y = u + m ⊙ (γ ⊙ (s - mean) / sqrt(var + eps) + β)   mean, var over (B, H, W), m DropPath's per-sample mask
 *
 * with a [B, C / 32] the heads' weights, dl [B, C] the per-sample factor of o (λ ⊙ d in DLA-L, λ in
 * MRLA-L), Wv and Λ = λ ⊙ DW depthwise 3×3 kernels (padding 1; Λ absent in MRLA-L). The small
 * per-sample work (GAP's consumers: the context cell, Q and K, the heads' weights) stays with DJL's
 * autograd; these kernels do what touches the maps, forward and backward, in as few passes as the
 * batch statistics allow:
 *
 *   dla_train_gap       GAP(u), GAP(o), the ReLU's mask [b + o > 0] as bits   reads b, o
 *   dla_train_forward   s (kept for the backward pass) and y       reads b, o twice, s once
 *   dla_train_reduce    the BatchNorm's and the small inputs' gradients, s overwritten with dL/ds
 *   dla_train_maps      dL/db and dL/do                            reads dy, ds, the mask's bits
 *
 * The maps are far larger than the caches (a first stage's is 33.5 MB at batch 128) and the passes
 * are bound by memory traffic, so the backward pass reads the join's mask as bits (1/32 of a map)
 * rather than b and o again.
 *
 * The rows of the batch are cut into CHUNKS chunks, whatever the thread count, which the threads
 * take in turn as they come free (so that one thread held up, by the JVM's compiler or by the
 * system, does not keep the other waiting at the end of the pass); each chunk's sums are kept
 * apart and added in chunk order, each sample's in row order, so a training run is reproducible,
 * and the same on any number of threads.
 * Nothing here calls into C++ but the three libtorch functions of dla_tensor.h; every tensor's layout
 * is checked before its memory is read. The Java side checks every tensor's rank and shape first:
 * stride() throws (and a C++ exception through JNA ends the JVM) for a dimension the tensor lacks.
 * Maps are [B, C, H, W], a and dl [B][C / 32] and [B][C], kernels flat [9 · C], the rest [C] or
 * [2][C].
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "dla_tensor.h"

/* Maps smaller than this many floats run on the calling thread alone (see dla_kernels.c). */
#define PARALLEL_FLOATS (1 << 18)

/* One unit's maps and small inputs, their addresses checked. */
typedef struct {
    int64_t batch, channels, height, width;
    const float *b, *o;
    const float *a;   /* [B][C / 32] */
    const float *dl;  /* [B][C] */
    const float *wv;  /* [9][C] tap-major */
    const float *lw;  /* [9][C] tap-major, or NULL (MRLA-L) */
    const float *mask; /* [B], or NULL (no DropPath) */
    int threads;
} maps;

/* The chunks of rows of a pass (fewer where the batch has fewer rows). */
#define CHUNKS 16

static int64_t rows_of(const maps *m) { return m->batch * m->height; }

static int thread_count(const maps *m, int threads) {
    return m->batch * m->channels * m->height * m->width < PARALLEL_FLOATS ? 1 : threads;
}

static int64_t chunk_count(const maps *m) { return rows_of(m) < CHUNKS ? rows_of(m) : CHUNKS; }

/* The range of rows of chunk k of n. */
static void chunk_range(const maps *m, int64_t k, int64_t n, int64_t *r0, int64_t *r1) {
    *r0 = rows_of(m) * k / n;
    *r1 = rows_of(m) * (k + 1) / n;
}

/*
 * The ReLU's mask of a joined row u, n a multiple of 32: bit k of word i set where u[32 i + k] > 0,
 * which is where b + o > 0 (false for NaN, where PyTorch's ReLU gradient is 0 too).
 */
TARGET_AVX512 static void mask_row16(const float *u, int64_t n, uint32_t *bits) {
    __m512 zero = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 32) {
        uint32_t low = _mm512_cmp_ps_mask(_mm512_loadu_ps(u + i), zero, _CMP_GT_OQ);
        uint32_t high = _mm512_cmp_ps_mask(_mm512_loadu_ps(u + i + 16), zero, _CMP_GT_OQ);
        bits[i / 32] = low | high << 16;
    }
}

static void mask_row(const float *u, int64_t n, uint32_t *bits) {
    if (wide) {
        mask_row16(u, n, bits);
        return;
    }
    for (int64_t i = 0; i < n; i += 32) {
        uint32_t word = 0;
        for (int k = 0; k < 32; k++) {
            word |= (uint32_t) (u[i + k] > 0) << k;
        }
        bits[i / 32] = word;
    }
}

/* u = ReLU(b + o) of one row; NaN stays NaN, as in PyTorch. */
HOT static void join_row(const float *restrict b, const float *restrict o, int64_t n, float *restrict u) {
    for (int64_t i = 0; i < n; i++) {
        float v = b[i] + o[i];
        u[i] = v > 0 || v != v ? v : 0.0f;
    }
}

/*
 * out[x] += Σ over the nine taps t = 3·r + tx of k[t] ⊙ in[r][x + tx - 1], rows of the window that
 * are NULL and columns outside the row skipped (zero padding), plus the same of a second window
 * and kernel where k2 is not NULL. flip reads each kernel rotated by 180° (t → 8 - t), which makes
 * the stencil its transpose: the gradient with respect to its input, for the window of the
 * gradient's rows. Each block of channels keeps its kernels in registers and sweeps the row once:
 * the input at column x adds to the outputs x - 1, x and x + 1, held in registers, and output
 * x - 1 is then complete and stored.
 */
#define STENCIL_ROW(NAME, VT, LANES_, LOAD, STORE, TARGET)                                              \
    TARGET static void NAME(const float *const in[3], const float *k, const float *const in2[3],       \
            const float *k2, int flip, int64_t w, int64_t c, float *out) {                             \
        VT zero = {0};                                                                                \
        for (int64_t q = 0; q < c; q += LANES_) {                                                     \
            VT ka[9], kb[9];                                                                          \
            for (int t = 0; t < 9; t++) {                                                             \
                int64_t at = (flip ? 8 - t : t) * c + q;                                              \
                ka[t] = LOAD(k + at);                                                                 \
                kb[t] = k2 == NULL ? zero : LOAD(k2 + at);                                            \
            }                                                                                         \
            VT left = zero, mid = LOAD(out + q);                                                      \
            for (int64_t x = 0; x <= w; x++) {                                                        \
                VT right = x + 1 < w ? LOAD(out + (x + 1) * c + q) : zero;                            \
                for (int r = 0; r < 3 && x < w; r++) {                                                \
                    if (in[r] != NULL) {                                                              \
                        VT v = LOAD(in[r] + x * c + q);                                               \
                        left = ka[3 * r + 2] * v + left;                                              \
                        mid = ka[3 * r + 1] * v + mid;                                                \
                        right = ka[3 * r] * v + right;                                                \
                    }                                                                                 \
                    if (k2 != NULL && in2[r] != NULL) {                                               \
                        VT v = LOAD(in2[r] + x * c + q);                                              \
                        left = kb[3 * r + 2] * v + left;                                              \
                        mid = kb[3 * r + 1] * v + mid;                                                \
                        right = kb[3 * r] * v + right;                                                \
                    }                                                                                 \
                }                                                                                     \
                if (x >= 1) {                                                                         \
                    STORE(out + (x - 1) * c + q, left);                                               \
                }                                                                                     \
                left = mid;                                                                           \
                mid = right;                                                                          \
            }                                                                                         \
        }                                                                                             \
    }

STENCIL_ROW(stencil_row16, v16, 16, load16, store16, TARGET_AVX512)
STENCIL_ROW(stencil_row8, v8, 8, load8, store8, HOT_AVX2)

static void stencil_row(const float *const in[3], const float *k, const float *const in2[3], const float *k2,
        int flip, int64_t w, int64_t c, float *out) {
    if (wide) {
        stencil_row16(in, k, in2, k2, flip, w, c, out);
    } else {
        stencil_row8(in, k, in2, k2, flip, w, c, out);
    }
}

/*
 * The kernels' gradients of one output row: acc[t] = Σ over x of g[x] ⊙ in[r][x + tx - 1] for the
 * nine taps t = 3·r + tx (zero for a NULL row), and acc2 the same of a second window where it is
 * not NULL. Each block of channels keeps its 18 sums in registers over the row.
 */
#define KERNEL_GRADIENT_ROW(NAME, VT, LANES_, LOAD, STORE, TARGET)                                      \
    TARGET static void NAME(const float *g, const float *const in[3], const float *const in2[3], int64_t w, \
            int64_t c, float *acc, float *acc2) {                                                      \
        VT zero = {0};                                                                                \
        for (int64_t q = 0; q < c; q += LANES_) {                                                     \
            VT a[9], b[9];                                                                            \
            for (int t = 0; t < 9; t++) {                                                             \
                a[t] = zero;                                                                          \
                b[t] = zero;                                                                          \
            }                                                                                         \
            for (int64_t x = 0; x < w; x++) {                                                         \
                VT gv = LOAD(g + x * c + q);                                                          \
                for (int r = 0; r < 3; r++) {                                                         \
                    if (in[r] != NULL) {                                                              \
                        const float *p = in[r] + x * c + q;                                           \
                        a[3 * r] = x > 0 ? gv * LOAD(p - c) + a[3 * r] : a[3 * r];                     \
                        a[3 * r + 1] = gv * LOAD(p) + a[3 * r + 1];                                   \
                        a[3 * r + 2] = x + 1 < w ? gv * LOAD(p + c) + a[3 * r + 2] : a[3 * r + 2];     \
                    }                                                                                 \
                    if (acc2 != NULL && in2[r] != NULL) {                                             \
                        const float *p = in2[r] + x * c + q;                                          \
                        b[3 * r] = x > 0 ? gv * LOAD(p - c) + b[3 * r] : b[3 * r];                     \
                        b[3 * r + 1] = gv * LOAD(p) + b[3 * r + 1];                                   \
                        b[3 * r + 2] = x + 1 < w ? gv * LOAD(p + c) + b[3 * r + 2] : b[3 * r + 2];     \
                    }                                                                                 \
                }                                                                                     \
            }                                                                                         \
            for (int t = 0; t < 9; t++) {                                                             \
                STORE(acc + t * c + q, a[t]);                                                         \
                if (acc2 != NULL) {                                                                   \
                    STORE(acc2 + t * c + q, b[t]);                                                    \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }

KERNEL_GRADIENT_ROW(kernel_gradient_row16, v16, 16, load16, store16, TARGET_AVX512)
KERNEL_GRADIENT_ROW(kernel_gradient_row8, v8, 8, load8, store8, HOT_AVX2)

static void kernel_gradient_row(const float *g, const float *const in[3], const float *const in2[3], int64_t w,
        int64_t c, float *acc, float *acc2) {
    if (wide) {
        kernel_gradient_row16(g, in, in2, w, c, acc, acc2);
    } else {
        kernel_gradient_row8(g, in, in2, w, c, acc, acc2);
    }
}

/* sa[q] += Σ over x of a[x][q], sb[q] += Σ over x of b[x][q], for a row of W pixels of C channels. */
HOT static void sum_rows(const float *restrict a, const float *restrict b, int64_t w, int64_t c, float *restrict sa,
        float *restrict sb) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            sa[q] += a[x * c + q];
            sb[q] += b[x * c + q];
        }
    }
}

/* The mean [C] and the sum of squared deviations from it [C] of a row of W pixels, in two passes. */
HOT static void row_moments(const float *restrict s, int64_t w, int64_t c, float *restrict mean, float *restrict m2) {
    for (int64_t q = 0; q < c; q++) {
        mean[q] = 0;
        m2[q] = 0;
    }
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            mean[q] += s[x * c + q];
        }
    }
    float inv = 1.0f / (float) w;
    for (int64_t q = 0; q < c; q++) {
        mean[q] *= inv;
    }
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            float d = s[x * c + q] - mean[q];
            m2[q] += d * d;
        }
    }
}

/*
 * Merges (n_b, mean_b, m2_b) into (n_a, mean_a, m2_a) per channel (Chan et al.): the batch variance
 * without the cancellation of E[s²] - E[s]², which a channel whose mean is large against its spread
 * turns into a wrong variance.
 */
static void merge_moments(double n_a, double *mean_a, double *m2_a, double n_b, const float *mean_b,
        const float *m2_b, int64_t c) {
    double n = n_a + n_b;
    for (int64_t q = 0; q < c; q++) {
        double delta = mean_b[q] - mean_a[q];
        mean_a[q] += delta * n_b / n;
        m2_a[q] += m2_b[q] + delta * delta * n_a * n_b / n;
    }
}

/* s[x][q] = f[q] · o[x][q]. */
HOT static void gate_row(const float *restrict f, const float *restrict o, int64_t w, int64_t c, float *restrict s) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            s[x * c + q] = f[q] * o[x * c + q];
        }
    }
}

/* y = ReLU(b + o) + keep · ((s - mean) · scale + beta): centred first, as the BatchNorm does. */
HOT static void output_row(const float *restrict b, const float *restrict o, const float *restrict s,
        const float *restrict mean, const float *restrict scale, const float *restrict beta, float keep, int64_t w,
        int64_t c, float *restrict y) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            float u = b[x * c + q] + o[x * c + q];
            u = u > 0 || u != u ? u : 0.0f;
            y[x * c + q] = u + keep * ((s[x * c + q] - mean[q]) * scale[q] + beta[q]);
        }
    }
}

/* With dz = keep · dy: sum[q] += Σ dz, sumx[q] += Σ dz · (s - mean). */
HOT static void dz_sums(const float *restrict dy, const float *restrict s, const float *restrict mean, float keep,
        int64_t w, int64_t c, float *restrict sum, float *restrict sumx) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            float dz = keep * dy[x * c + q];
            sum[q] += dz;
            sumx[q] += dz * (s[x * c + q] - mean[q]);
        }
    }
}

/* ds = keep · dy · k1 - k2 - (s - mean) · k3, written over s (centred first, as the BatchNorm does). */
HOT static void ds_row(const float *restrict dy, float *s, const float *restrict mean, const float *restrict k1,
        const float *restrict k2, const float *restrict k3, float keep, int64_t w, int64_t c) {
    for (int64_t x = 0; x < w; x++) {
#pragma GCC ivdep
        for (int64_t q = 0; q < c; q++) {
            s[x * c + q] = keep * dy[x * c + q] * k1[q] - k2[q] - (s[x * c + q] - mean[q]) * k3[q];
        }
    }
}

/* so[q] += Σ over x of g[x][q] · o[x][q]. */
HOT static void dot_row(const float *restrict g, const float *restrict o, int64_t w, int64_t c, float *restrict so) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            so[q] += g[x * c + q] * o[x * c + q];
        }
    }
}

/*
 * sv[q] = Σ over the nine taps of k[t][q] · acc[t][q]: with acc a row's kernel gradients
 * Σ_x g[x] ⊙ u[x + t], this is Σ_x g[x] ⊙ (k * u)[x], the row's dot product of g with the stencil's
 * output, without computing that output.
 */
HOT static void tap_dots(const float *restrict k, const float *restrict acc, int64_t c, float *restrict sv) {
    for (int64_t q = 0; q < c; q++) {
        sv[q] = 0;
    }
    for (int64_t t = 0; t < TAPS; t++) {
        for (int64_t q = 0; q < c; q++) {
            sv[q] += k[t * c + q] * acc[t * c + q];
        }
    }
}

/* dk[t][q] += scale[q] · acc[t][q] (acc[t][q] where scale is NULL) over the nine taps, in double. */
HOT static void add_taps(const float *restrict scale, const float *restrict acc, int64_t c, double *restrict dk) {
    for (int64_t t = 0; t < TAPS; t++) {
        for (int64_t q = 0; q < c; q++) {
            dk[t * c + q] += scale == NULL ? acc[t * c + q] : scale[q] * acc[t * c + q];
        }
    }
}

/* du = dy + gu, dout = f · ds + go (gu, go per channel). */
HOT static void maps_start_row(const float *restrict dy, const float *restrict ds, const float *restrict gu,
        const float *restrict go, const float *restrict f, int64_t w, int64_t c, float *restrict du,
        float *restrict dout) {
    for (int64_t x = 0; x < w; x++) {
        for (int64_t q = 0; q < c; q++) {
            du[x * c + q] = dy[x * c + q] + gu[q];
            dout[x * c + q] = f[q] * ds[x * c + q] + go[q];
        }
    }
}

/* db = du where the mask's bit is set (else 0), dout += db, over n floats (a multiple of 32). */
TARGET_AVX512 static void maps_end_row16(const uint32_t *bits, const float *du, int64_t n, float *db, float *dout) {
    for (int64_t i = 0; i < n; i += 16) {
        __m512 d = _mm512_maskz_loadu_ps((__mmask16) (bits[i / 32] >> (i % 32)), du + i);
        _mm512_storeu_ps(db + i, d);
        _mm512_storeu_ps(dout + i, _mm512_add_ps(_mm512_loadu_ps(dout + i), d));
    }
}

HOT static void maps_end_plain(const uint32_t *restrict bits, const float *restrict du, int64_t n, float *restrict db,
        float *restrict dout) {
    for (int64_t i = 0; i < n; i++) {
        float d = bits[i / 32] >> (i % 32) & 1 ? du[i] : 0.0f;
        db[i] = d;
        dout[i] += d;
    }
}

static void maps_end_row(const uint32_t *bits, const float *du, int64_t n, float *db, float *dout) {
    if (wide) {
        maps_end_row16(bits, du, n, db, dout);
    } else {
        maps_end_plain(bits, du, n, db, dout);
    }
}

/* The rows of the 3×3 window of row y of sample n: NULL where the window leaves the map. */
static void window(const float *map, const maps *m, int64_t n, int64_t y, const float *rows[3]) {
    int64_t row = m->width * m->channels;
    for (int r = 0; r < 3; r++) {
        int64_t yy = y + r - 1;
        rows[r] = yy < 0 || yy >= m->height ? NULL : map + (n * m->height + yy) * row;
    }
}

/* Three rows of u = ReLU(b + o), each row of a thread's range joined once however many windows read it. */
typedef struct {
    float *buffers;  /* [3][W · C], row yy of a sample in buffer yy mod 3 */
    int64_t held[3]; /* the row (n · H + yy) each buffer holds, -1 for none */
} joined_rows;

static void joined_init(joined_rows *j, float *buffers) {
    j->buffers = buffers;
    j->held[0] = j->held[1] = j->held[2] = -1;
}

/* The joined rows u of the window of row y of sample n (NULL where outside the map). */
static void joined_window(const maps *m, int64_t n, int64_t y, joined_rows *j, const float *rows[3]) {
    int64_t row = m->width * m->channels;
    for (int r = 0; r < 3; r++) {
        int64_t yy = y + r - 1;
        if (yy < 0 || yy >= m->height) {
            rows[r] = NULL;
            continue;
        }
        int slot = (int) (yy % 3);
        int64_t key = n * m->height + yy;
        float *buffer = j->buffers + slot * row;
        if (j->held[slot] != key) {
            join_row(m->b + key * row, m->o + key * row, row, buffer);
            j->held[slot] = key;
        }
        rows[r] = buffer;
    }
}

/* The per-sample value kernel a ⊙ Wv [9][C] of sample n. */
static void value_kernel(const maps *m, int64_t n, float *k) {
    int64_t c = m->channels;
    const float *an = m->a + n * (c / HEAD_WIDTH);
    for (int t = 0; t < TAPS; t++) {
        for (int64_t q = 0; q < c; q++) {
            k[t * c + q] = an[q / HEAD_WIDTH] * m->wv[t * c + q];
        }
    }
}

/* Row y of sample n of s = a ⊙ (Wv * u) + Λ * o + dl ⊙ o, with kv = a ⊙ Wv of the sample. */
static void branch_row(const maps *m, int64_t n, int64_t y, const float *kv, joined_rows *joined, float *s) {
    int64_t c = m->channels, w = m->width;
    const float *u[3], *o[3];
    joined_window(m, n, y, joined, u);
    window(m->o, m, n, y, o);
    gate_row(m->dl + n * c, o[1], w, c, s);
    stencil_row(u, kv, o, m->lw, 0, w, c, s);
}

/* Checks and reads the maps and small inputs; returns DLA_OK or an error code. */
static int read_maps(maps *m, int64_t b_t, int64_t o_t, int64_t a_t, int64_t dl_t, int64_t wv_t, int64_t lw_t,
        int64_t mask_t, int64_t batch, int64_t channels, int64_t height, int64_t width, int threads) {
    if (tensor_data == NULL) {
        return DLA_NOT_INITIALISED;
    }
    if (batch < 1 || channels < HEAD_WIDTH || channels % HEAD_WIDTH != 0 || height < 1 || width < 1 || threads < 1) {
        return DLA_BAD_ARGUMENT;
    }
    memset(m, 0, sizeof(*m));
    m->batch = batch;
    m->channels = channels;
    m->height = height;
    m->width = width;
    m->threads = threads;
    m->b = b_t == 0 ? NULL : channels_last((const void *) b_t, batch, channels, height, width);
    m->o = o_t == 0 ? NULL : channels_last((const void *) o_t, batch, channels, height, width);
    m->a = a_t == 0 ? NULL : row_major((const void *) a_t, batch, channels / HEAD_WIDTH);
    m->dl = dl_t == 0 ? NULL : row_major((const void *) dl_t, batch, channels);
    m->wv = wv_t == 0 ? NULL : vector((const void *) wv_t);
    m->lw = lw_t == 0 ? NULL : vector((const void *) lw_t);
    m->mask = mask_t == 0 ? NULL : vector((const void *) mask_t);
    if ((b_t != 0 && m->b == NULL) || (o_t != 0 && m->o == NULL) || (a_t != 0 && m->a == NULL)
            || (dl_t != 0 && m->dl == NULL) || (wv_t != 0 && m->wv == NULL) || (lw_t != 0 && m->lw == NULL)
            || (mask_t != 0 && m->mask == NULL)) {
        return DLA_BAD_LAYOUT;
    }
    return DLA_OK;
}

/*
 * GAP(u) and GAP(o) [B, C] of one unit, u = ReLU(b + o), and the ReLU's mask as bits (mask_row) in
 * relu_t, a dense float32 vector of B·H·W·C / 32 elements used as 32-bit words. Each sample is
 * summed by one thread in row order, in double.
 */
EXPORT int dla_train_gap(int64_t b_t, int64_t o_t, int64_t gu_t, int64_t go_t, int64_t relu_t, int64_t batch,
        int64_t channels, int64_t height, int64_t width, int threads) {
    if (b_t == 0 || o_t == 0 || relu_t == 0) {
        return DLA_BAD_ARGUMENT;
    }
    maps m;
    int code = read_maps(&m, b_t, o_t, 0, 0, 0, 0, 0, batch, channels, height, width, threads);
    if (code != DLA_OK) {
        return code;
    }
    float *gu = row_major((const void *) gu_t, batch, channels);
    float *go = row_major((const void *) go_t, batch, channels);
    uint32_t *relu = (uint32_t *) vector((const void *) relu_t);
    if (gu == NULL || go == NULL || relu == NULL) {
        return DLA_BAD_LAYOUT;
    }
    int64_t c = channels, row = width * c;
    int n = thread_count(&m, threads);
    double *sums = malloc((size_t) n * 2 * c * sizeof(double));
    /* per thread: one joined row u, then the row's sums [2][C] (more than a row on 1-pixel-wide maps) */
    float *rows = malloc((size_t) n * (row + 2 * c) * sizeof(float));
    if (sums == NULL || rows == NULL) {
        free(sums);
        free(rows);
        return DLA_NO_MEMORY;
    }
    double inv = 1.0 / (double) (height * width);
#pragma omp parallel for num_threads(n) schedule(dynamic, 1)
    for (int64_t s = 0; s < batch; s++) {
        int t = omp_get_thread_num();
        double *su = sums + (int64_t) t * 2 * c, *so = su + c;
        float *u = rows + (int64_t) t * (row + 2 * c), *ru = u + row;
        memset(su, 0, 2 * c * sizeof(double));
        for (int64_t y = 0; y < height; y++) {
            const float *bs = m.b + (s * height + y) * row, *os = m.o + (s * height + y) * row;
            join_row(bs, os, row, u);
            mask_row(u, row, relu + (s * height + y) * (row / 32));
            memset(ru, 0, 2 * c * sizeof(float));
            sum_rows(u, os, width, c, ru, ru + c);
            for (int64_t q = 0; q < c; q++) {
                su[q] += ru[q];
                so[q] += ru[c + q];
            }
        }
        for (int64_t q = 0; q < c; q++) {
            gu[s * c + q] = (float) (su[q] * inv);
            go[s * c + q] = (float) (so[q] * inv);
        }
    }
    free(sums);
    free(rows);
    return DLA_OK;
}

/*
 * A call's reduction buffers: each chunk's partial sums [chunks][len] and their total [len] in
 * double, [rows][per_row] doubles for each row's share of per-sample sums, and each thread's
 * scratch [n][scratch] floats.
 */
typedef struct {
    double *partials, *sums, *row_sums;
    float *buffers;
} reduction;

/* Allocates the buffers; DLA_NO_MEMORY, with nothing held, if any allocation fails. */
static int reduction_alloc(reduction *w, int64_t chunks, int64_t len, int64_t rows, int64_t per_row, int n,
        int64_t scratch) {
    w->partials = malloc((size_t) chunks * len * sizeof(double));
    w->sums = malloc(len * sizeof(double));
    w->row_sums = per_row == 0 ? NULL : malloc((size_t) rows * per_row * sizeof(double));
    w->buffers = malloc((size_t) n * scratch * sizeof(float));
    if (w->partials == NULL || w->sums == NULL || (per_row != 0 && w->row_sums == NULL) || w->buffers == NULL) {
        free(w->partials);
        free(w->sums);
        free(w->row_sums);
        free(w->buffers);
        return DLA_NO_MEMORY;
    }
    return DLA_OK;
}

static void reduction_free(reduction *w) {
    free(w->partials);
    free(w->sums);
    free(w->row_sums);
    free(w->buffers);
}

/* Adds the first len of each chunk's partial sums (stride apart) in chunk order into out. */
static void add_partials(const double *partials, int64_t chunks, int64_t stride, int64_t len, double *out) {
    memset(out, 0, len * sizeof(double));
    for (int64_t k = 0; k < chunks; k++) {
        for (int64_t i = 0; i < len; i++) {
            out[i] += partials[k * stride + i];
        }
    }
}

/*
 * The forward pass: s (written to s_t, kept for the backward pass), the batch statistics, the
 * BatchNorm's running statistics updated as PyTorch does (running = (1 - momentum) · running +
 * momentum · batch, the variance unbiased), and y = u + m ⊙ (γ ⊙ (s - mean) · invstd + β).
 * stats_t [2][C] receives mean and invstd = 1 / sqrt(var + eps), var biased.
 */
EXPORT int dla_train_forward(int64_t b_t, int64_t o_t, int64_t a_t, int64_t dl_t, int64_t wv_t, int64_t lw_t,
        int64_t mask_t, int64_t gamma_t, int64_t beta_t, int64_t running_mean_t, int64_t running_var_t,
        float momentum, float eps, int64_t s_t, int64_t y_t, int64_t stats_t, int64_t batch, int64_t channels,
        int64_t height, int64_t width, int threads) {
    if (b_t == 0 || o_t == 0) {
        return DLA_BAD_ARGUMENT;
    }
    maps m;
    int code = read_maps(&m, b_t, o_t, a_t, dl_t, wv_t, lw_t, mask_t, batch, channels, height, width, threads);
    if (code != DLA_OK) {
        return code;
    }
    int64_t c = channels, row = width * c;
    float *gamma = vector((const void *) gamma_t), *beta = vector((const void *) beta_t);
    float *running_mean = vector((const void *) running_mean_t), *running_var = vector((const void *) running_var_t);
    float *s = channels_last((const void *) s_t, batch, channels, height, width);
    float *y = channels_last((const void *) y_t, batch, channels, height, width);
    float *stats = row_major((const void *) stats_t, 2, channels);
    if (m.a == NULL || m.dl == NULL || m.wv == NULL || gamma == NULL || beta == NULL || running_mean == NULL
            || running_var == NULL || s == NULL || y == NULL || stats == NULL) {
        return m.a == NULL || m.dl == NULL || m.wv == NULL ? DLA_BAD_ARGUMENT : DLA_BAD_LAYOUT;
    }
    int n = thread_count(&m, threads);
    int64_t chunks = chunk_count(&m);
    /* per thread: kv [9][C], three joined rows, the row moments [2][C] (more than a row on 1-pixel-wide maps) */
    int64_t scratch = TAPS * c + 3 * row + 2 * c;
    reduction work;
    if (reduction_alloc(&work, chunks, 2 * c, 0, 0, n, scratch) != DLA_OK) {
        return DLA_NO_MEMORY;
    }
    double *partials = work.partials, *sums = work.sums;
    float *buffers = work.buffers;
    double count = (double) (batch * height * width);
#pragma omp parallel num_threads(n)
    {
        int t = omp_get_thread_num();
        float *kv = buffers + (int64_t) t * scratch, *sum_row = kv + TAPS * c + 3 * row;
        joined_rows joined;
        joined_init(&joined, kv + TAPS * c);
        int64_t sample = -1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunks; k++) {
            int64_t r0, r1;
            chunk_range(&m, k, chunks, &r0, &r1);
            double *ps = partials + k * 2 * c; /* this chunk's mean and squared deviations */
            memset(ps, 0, 2 * c * sizeof(double));
            double rows_done = 0;
            for (int64_t r = r0; r < r1; r++) {
                int64_t ns = r / height, yy = r % height;
                if (ns != sample) {
                    value_kernel(&m, ns, kv);
                    sample = ns;
                }
                float *sr = s + r * row;
                branch_row(&m, ns, yy, kv, &joined, sr);
                row_moments(sr, width, c, sum_row, sum_row + c);
                merge_moments(rows_done * width, ps, ps + c, (double) width, sum_row, sum_row + c, c);
                rows_done++;
            }
        }
#pragma omp single
        {
            double merged = 0;
            memset(sums, 0, 2 * c * sizeof(double));
            for (int64_t u = 0; u < chunks; u++) {
                int64_t u0, u1;
                chunk_range(&m, u, chunks, &u0, &u1);
                double rows_u = (double) ((u1 - u0) * width);
                if (rows_u == 0) {
                    continue;
                }
                const double *pu = partials + u * 2 * c;
                double total = merged + rows_u;
                for (int64_t q = 0; q < c; q++) {
                    double delta = pu[q] - sums[q];
                    sums[q] += delta * rows_u / total;
                    sums[c + q] += pu[c + q] + delta * delta * merged * rows_u / total;
                }
                merged = total;
            }
            for (int64_t q = 0; q < c; q++) {
                double mean = sums[q];
                double var = sums[c + q] / count;
                stats[q] = (float) mean;
                stats[c + q] = (float) (1.0 / sqrt(var + eps));
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                running_mean[q] = (float) (momentum * mean + (1.0 - momentum) * running_mean[q]);
                running_var[q] = (float) (momentum * unbiased + (1.0 - momentum) * running_var[q]);
            }
        }
        float *scale = sum_row; /* γ · invstd */
        for (int64_t q = 0; q < c; q++) {
            scale[q] = gamma[q] * stats[c + q];
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunks; k++) {
            int64_t r0, r1;
            chunk_range(&m, k, chunks, &r0, &r1);
            for (int64_t r = r0; r < r1; r++) {
                float keep = m.mask == NULL ? 1.0f : m.mask[r / height];
                output_row(m.b + r * row, m.o + r * row, s + r * row, stats, scale, beta, keep, width, c, y + r * row);
            }
        }
    }
    reduction_free(&work);
    return DLA_OK;
}

/*
 * The first half of the backward pass, from dy = dL/dy: the BatchNorm's gradients dγ, dβ
 * (grads_t [2][C]); dL/ds, written over s; and the gradients of the small inputs: da [B][C / 32],
 * ddl [B][C], dWv and dΛ [9][C] (dlw_t 0 in MRLA-L).
 */
EXPORT int dla_train_reduce(int64_t dy_t, int64_t s_t, int64_t b_t, int64_t o_t, int64_t a_t, int64_t wv_t,
        int64_t mask_t, int64_t gamma_t, int64_t stats_t, int64_t grads_t, int64_t da_t, int64_t ddl_t,
        int64_t dwv_t, int64_t dlw_t, int64_t batch, int64_t channels, int64_t height, int64_t width, int threads) {
    if (b_t == 0 || o_t == 0) {
        return DLA_BAD_ARGUMENT;
    }
    maps m;
    int code = read_maps(&m, b_t, o_t, a_t, 0, wv_t, 0, mask_t, batch, channels, height, width, threads);
    if (code != DLA_OK) {
        return code;
    }
    int64_t c = channels, heads = c / HEAD_WIDTH, row = width * c;
    const float *dy = channels_last((const void *) dy_t, batch, channels, height, width);
    float *s = channels_last((const void *) s_t, batch, channels, height, width);
    const float *gamma = vector((const void *) gamma_t);
    const float *stats = row_major((const void *) stats_t, 2, channels);
    float *grads = row_major((const void *) grads_t, 2, channels);
    float *da = row_major((const void *) da_t, batch, heads);
    float *ddl = row_major((const void *) ddl_t, batch, channels);
    float *dwv = vector((const void *) dwv_t);
    float *dlw = dlw_t == 0 ? NULL : vector((const void *) dlw_t);
    if (m.a == NULL || m.wv == NULL) {
        return DLA_BAD_ARGUMENT;
    }
    if (dy == NULL || s == NULL || gamma == NULL || stats == NULL || grads == NULL || da == NULL || ddl == NULL
            || dwv == NULL || (dlw_t != 0 && dlw == NULL)) {
        return DLA_BAD_LAYOUT;
    }
    int n = thread_count(&m, threads);
    int64_t chunks = chunk_count(&m), rows = rows_of(&m);
    /* per chunk: Σdz, Σdz·x̂ [2C]; dWv, dΛ [2][9][C]; per row: its share of da [heads] and ddl [C] */
    int64_t len = 2 * c + 2 * TAPS * c, per_row = heads + c;
    int64_t scratch = 2 * TAPS * c + 6 * c + 3 * row;
    reduction work;
    if (reduction_alloc(&work, chunks, len, rows, per_row, n, scratch) != DLA_OK) {
        return DLA_NO_MEMORY;
    }
    double *partials = work.partials, *sums = work.sums, *row_dots = work.row_sums;
    float *buffers = work.buffers;
    double count = (double) (batch * height * width);
#pragma omp parallel num_threads(n)
    {
        int t = omp_get_thread_num();
        float *buf = buffers + (int64_t) t * scratch;
        float *acc = buf;                 /* dWv, dΛ of one row [2][9][C] */
        float *row_sums = acc + 2 * TAPS * c; /* [2][C], then k1 and k3, then [2][C] of dots */
        float *k2 = row_sums + 4 * c;     /* [C] */
        float *heads_of = k2 + c + 3 * row; /* [C]: each channel's head weight a of the sample, after three rows of u */
        int64_t sample = -1;
        joined_rows joined;
        joined_init(&joined, k2 + c);
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunks; k++) {
            int64_t r0, r1;
            chunk_range(&m, k, chunks, &r0, &r1);
            double *ps = partials + k * len;
            memset(ps, 0, len * sizeof(double));
            for (int64_t r = r0; r < r1; r++) {
                float keep = m.mask == NULL ? 1.0f : m.mask[r / height];
                const float *dyr = dy + r * row, *sr = s + r * row;
                memset(row_sums, 0, 2 * c * sizeof(float));
                dz_sums(dyr, sr, stats, keep, width, c, row_sums, row_sums + c);
                for (int64_t q = 0; q < 2 * c; q++) {
                    ps[q] += row_sums[q];
                }
            }
        }
#pragma omp single
        {
            add_partials(partials, chunks, len, 2 * c, sums);
            for (int64_t q = 0; q < c; q++) {
                grads[c + q] = (float) sums[q];                   /* dβ = Σ dz */
                grads[q] = (float) (sums[c + q] * stats[c + q]); /* dγ = Σ dz · x̂ */
            }
        }
        /* dL/ds = γ·invstd·(dz - Σdz/N - x̂·Σ(dz·x̂)/N), kept as dz·k1 - k2 - (s - mean)·k3 per channel */
        float *k1 = row_sums, *k3 = row_sums + c;
        for (int64_t q = 0; q < c; q++) {
            double is = stats[c + q], g = gamma[q];
            k1[q] = (float) (g * is);
            k2[q] = (float) (g * is * sums[q] / count);
            k3[q] = (float) (g * is * is * is * sums[c + q] / count);
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunks; k++) {
            int64_t r0, r1;
            chunk_range(&m, k, chunks, &r0, &r1);
            double *p_dk = partials + k * len + 2 * c;
            for (int64_t r = r0; r < r1; r++) {
                int64_t ns = r / height, yy = r % height;
                float keep = m.mask == NULL ? 1.0f : m.mask[ns];
                const float *dyr = dy + r * row, *orow = m.o + r * row;
                float *sr = s + r * row;
                ds_row(dyr, sr, stats, k1, k2, k3, keep, width, c);
                const float *u[3], *o[3];
                joined_window(&m, ns, yy, &joined, u);
                window(m.o, &m, ns, yy, o);
                kernel_gradient_row(sr, u, o, width, c, acc, dlw == NULL ? NULL : acc + TAPS * c);
                float *dots = row_sums + 2 * c; /* [2][C] past k1 and k3: ds · (Wv * u), ds · o */
                tap_dots(m.wv, acc, c, dots);
                memset(dots + c, 0, c * sizeof(float));
                dot_row(sr, orow, width, c, dots + c);
                double *dar = row_dots + r * per_row, *ddlr = dar + heads;
                memset(dar, 0, heads * sizeof(double));
                for (int64_t q = 0; q < c; q++) {
                    dar[q / HEAD_WIDTH] += dots[q];
                    ddlr[q] = dots[c + q];
                }
                if (ns != sample) {
                    const float *an = m.a + ns * heads;
                    for (int64_t q = 0; q < c; q++) {
                        heads_of[q] = an[q / HEAD_WIDTH];
                    }
                    sample = ns;
                }
                add_taps(heads_of, acc, c, p_dk);
                if (dlw != NULL) {
                    add_taps(NULL, acc + TAPS * c, c, p_dk + TAPS * c);
                }
            }
        }
#pragma omp single nowait
        {
            add_partials(partials + 2 * c, chunks, len, 2 * TAPS * c, sums);
            for (int64_t i = 0; i < TAPS * c; i++) {
                dwv[i] = (float) sums[i];
                if (dlw != NULL) {
                    dlw[i] = (float) sums[TAPS * c + i];
                }
            }
        }
        /* each sample's da and ddl: its rows' shares added in row order */
#pragma omp for schedule(dynamic, 1)
        for (int64_t ns = 0; ns < batch; ns++) {
            double *total = row_dots + ns * height * per_row;
            for (int64_t yy = 1; yy < height; yy++) {
                const double *share = total + yy * per_row;
                for (int64_t i = 0; i < per_row; i++) {
                    total[i] += share[i];
                }
            }
            for (int64_t i = 0; i < heads; i++) {
                da[ns * heads + i] = (float) total[i];
            }
            for (int64_t q = 0; q < c; q++) {
                ddl[ns * c + q] = (float) total[heads + q];
            }
        }
    }
    reduction_free(&work);
    return DLA_OK;
}

/*
 * The second half of the backward pass: with ds = dL/ds (from dla_train_reduce) and the gradients
 * dgu, dgo [B][C] of GAP(u) and GAP(o) that the small work's backward pass gave,
 *
 *   du = dy + (a ⊙ Wv)ᵀ * ds + dgu / HW
 *   db = du ⊙ [b + o > 0]                  the mask's bits from dla_train_gap (relu_t)
 *   do = db + Λᵀ * ds + dl ⊙ ds + dgo / HW
 *
 * written to db_t and do_t.
 */
EXPORT int dla_train_maps(int64_t dy_t, int64_t ds_t, int64_t relu_t, int64_t a_t, int64_t dl_t, int64_t wv_t,
        int64_t lw_t, int64_t dgu_t, int64_t dgo_t, int64_t db_t, int64_t do_t, int64_t batch, int64_t channels,
        int64_t height, int64_t width, int threads) {
    if (relu_t == 0) {
        return DLA_BAD_ARGUMENT;
    }
    maps m;
    int code = read_maps(&m, 0, 0, a_t, dl_t, wv_t, lw_t, 0, batch, channels, height, width, threads);
    if (code != DLA_OK) {
        return code;
    }
    int64_t c = channels, row = width * c;
    const float *dy = channels_last((const void *) dy_t, batch, channels, height, width);
    const float *ds = channels_last((const void *) ds_t, batch, channels, height, width);
    const float *dgu = row_major((const void *) dgu_t, batch, channels);
    const float *dgo = row_major((const void *) dgo_t, batch, channels);
    float *db = channels_last((const void *) db_t, batch, channels, height, width);
    float *dout = channels_last((const void *) do_t, batch, channels, height, width);
    const uint32_t *relu = (const uint32_t *) vector((const void *) relu_t);
    if (m.a == NULL || m.dl == NULL || m.wv == NULL) {
        return DLA_BAD_ARGUMENT;
    }
    if (dy == NULL || ds == NULL || relu == NULL || dgu == NULL || dgo == NULL || db == NULL || dout == NULL) {
        return DLA_BAD_LAYOUT;
    }
    int n = thread_count(&m, threads);
    int64_t scratch = TAPS * c + row + 2 * c;
    float *buffers = malloc((size_t) n * scratch * sizeof(float));
    if (buffers == NULL) {
        return DLA_NO_MEMORY;
    }
    float inv = 1.0f / (float) (height * width);
    int64_t chunks = chunk_count(&m);
#pragma omp parallel num_threads(n)
    {
        int t = omp_get_thread_num();
        float *kv = buffers + (int64_t) t * scratch, *du = kv + TAPS * c, *constants = du + row;
        int64_t sample = -1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunks; k++) {
            int64_t r0, r1;
            chunk_range(&m, k, chunks, &r0, &r1);
            for (int64_t r = r0; r < r1; r++) {
                int64_t ns = r / height, yy = r % height;
                if (ns != sample) {
                    value_kernel(&m, ns, kv);
                    for (int64_t q = 0; q < c; q++) {
                        constants[q] = dgu[ns * c + q] * inv;
                        constants[c + q] = dgo[ns * c + q] * inv;
                    }
                    sample = ns;
                }
                const float *g[3];
                window(ds, &m, ns, yy, g);
                float *dor = dout + r * row;
                maps_start_row(dy + r * row, ds + r * row, constants, constants + c, m.dl + ns * c, width, c, du, dor);
                stencil_row(g, kv, NULL, NULL, 1, width, c, du);
                if (m.lw != NULL) {
                    stencil_row(g, m.lw, NULL, NULL, 1, width, c, dor);
                }
                maps_end_row(relu + r * (row / 32), du, row, db + r * row, dor);
            }
        }
    }
    free(buffers);
    return DLA_OK;
}

/* 1 if t is a channels-last [n, c, h, w] float map, else 0. */
EXPORT int dla_is_channels_last(int64_t t, int64_t n, int64_t c, int64_t h, int64_t w) {
    return tensor_stride != NULL && channels_last((const void *) t, n, c, h, w) != NULL;
}

/*
 * 1 if autograd recorded the operation that made t (it has a grad_fn), else 0: DJL 0.25 answers
 * requires_grad for leaves only, and reading a missing grad_fn's name through DJL crashes.
 */
EXPORT int dla_has_grad_fn(int64_t t) {
    if (tensor_grad_fn == NULL) {
        return 0;
    }
    const void *const *node = tensor_grad_fn((const void *) t);
    return node != NULL && *node != NULL;
}
