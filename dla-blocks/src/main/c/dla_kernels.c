/*
 * Fused CPU inference kernel of one DLA-L unit (dla-zoo, Apache-2.0).
 *
 * After a bottleneck unit has produced its output x and its shortcut o (channels-last float32
 * maps [B, C, H, W], element (b, c, y, x) at ((b * H + y) * W + x) * C + c), one call computes
 * what docs/benchmarks.md and LightShortcutKernel's Javadoc describe:
 *
 *   gx = GAP(x), go = GAP(o)
 *   (h', c') = DSU(gx, h, c)                      forward path (h = c = 0 at the first unit)
 *   d        = DSU(go, h', c').h                  backward path (sample 0's h', c' in sample-zero mode)
 *   a        = sigmoid(per-head sum of Q ⊙ K / sqrt(32)), Q and K 1-D convolutions of gx
 *   x'       = x + s ⊙ (a ⊙ Wv * x + λ ⊙ (o ⊙ d + DW * o)) + t      (written over x)
 *
 * with s and t the attention BatchNorm's inference scale and shift, already folded by the caller
 * into the packed weights (Wv·s, DW·s·λ, s·λ, t). The maps are read twice per sample (once for the
 * averages, once for the stencil, while they are still in cache) and x' is written once, over x, so
 * that no new map is allocated and touched.
 *
 * Nothing here throws or calls into C++ other than three exported functions of libtorch (2.0.1 and 2.7.1)
 * resolved at dla_init: TensorBase::data_ptr<float>() and the operator stride.int, both called
 * only on tensors that the Java side checked to be dense float32 CPU tensors of rank 4, 2 or 1,
 * and TensorBase::grad_fn() (dla_training.c). The layout of every tensor is checked here, from its strides, before
 * any of its memory is touched.
 *
 * Threads: OpenMP. Loaded after libtorch, whose bundled libgomp carries the soname libgomp.so.1,
 * this library binds to that same runtime and its thread pool.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dla_tensor.h"

#define GROUP 8
/*
 * Maps smaller than this many floats run on the calling thread alone: waking the pool's other
 * threads for a start and two barriers costs more than their share of the work (a CIFAR image at
 * batch 1 ran 0.45 ms slower per unit on two threads than on one).
 */
#define PARALLEL_FLOATS (1 << 18)
#define LANES 8

data_ptr_fn tensor_data;
int wide;
int avx2;
stride_fn tensor_stride;
grad_fn_fn tensor_grad_fn;

/* Resolves the three libtorch functions from the already loaded library; 0 on success. */
EXPORT int dla_init(const char *libtorch_cpu) {
    void *lib = dlopen(libtorch_cpu, RTLD_NOW | RTLD_NOLOAD);
    if (lib == NULL) {
        return 1;
    }
    __builtin_cpu_init();
    wide = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    tensor_data = (data_ptr_fn) dlsym(lib, "_ZNK2at10TensorBase8data_ptrIfEEPT_v");
    tensor_stride = (stride_fn) dlsym(lib, "_ZN2at4_ops10stride_int4callERKNS_6TensorEl");
    tensor_grad_fn = (grad_fn_fn) dlsym(lib, "_ZNK2at10TensorBase7grad_fnEv");
    if (tensor_data == NULL || tensor_stride == NULL || tensor_grad_fn == NULL) {
        tensor_data = NULL;
        tensor_stride = NULL;
        tensor_grad_fn = NULL;
        return 2;
    }
    return 0;
}

float *channels_last(const void *t, int64_t n, int64_t c, int64_t h, int64_t w) {
    if (tensor_stride(t, 1) != 1 && c > 1) {
        return NULL;
    }
    if ((w > 1 && tensor_stride(t, 3) != c) || (h > 1 && tensor_stride(t, 2) != w * c)
            || (n > 1 && tensor_stride(t, 0) != h * w * c)) {
        return NULL;
    }
    return tensor_data(t);
}

float *row_major(const void *t, int64_t n, int64_t c) {
    if ((c > 1 && tensor_stride(t, 1) != 1) || (n > 1 && tensor_stride(t, 0) != c)) {
        return NULL;
    }
    return tensor_data(t);
}

float *vector(const void *t) {
    return tensor_stride(t, 0) == 1 ? tensor_data(t) : NULL;
}

/* The DSU's weights, shared by a stage's units: two perceptrons C -> m -> 3C, transposed. */
typedef struct {
    const float *w1[2]; /* [C][m], ih then hh */
    const float *b1[2]; /* [m] */
    const float *w2[2]; /* [m][3C] */
    const float *b2[2]; /* [3C] */
} dsu_weights;

/* One unit's attention weights, with the BatchNorm and λ folded in. */
typedef struct {
    const float *wq;    /* [k] */
    const float *wk;    /* [k] */
    const float *value; /* [9][C]: s ⊙ Wv, tap-major */
    const float *dw;    /* [9][C]: s ⊙ λ ⊙ DW, tap-major */
    const float *gate;  /* [C]: s ⊙ λ, the factor of o ⊙ d */
    const float *shift; /* [C]: t */
} unit_weights;

typedef struct {
    float *x; /* the unit's output, overwritten row by row with the result */
    const float *o;
    const float *h_prev, *c_prev; /* NULL at a stage's first unit */
    float *h_next, *c_next;
    dsu_weights dsu;
    unit_weights unit;
    int64_t batch, channels, height, width;
    int hidden, k, norm, sample_zero, threads;
    float *s0_h, *s0_c; /* sample 0's new context, sample-zero mode */
} unit_job;



/* Adds the channel sums of rows [y0, y1) of sample b of both maps into gx and go (doubles). */
HOT static void gap_rows(const unit_job *j, int64_t b, int64_t y0, int64_t y1, double *gx, double *go, float *row) {
    int64_t c = j->channels, w = j->width;
    float *rx = row, *ro = row + c;
    for (int64_t y = y0; y < y1; y++) {
        const float *px = j->x + (b * j->height + y) * w * c;
        const float *po = j->o + (b * j->height + y) * w * c;
        memset(row, 0, 2 * c * sizeof(float));
        for (int64_t p = 0; p < w; p++) {
            for (int64_t q = 0; q < c; q++) {
                rx[q] += px[p * c + q];
                ro[q] += po[p * c + q];
            }
        }
        for (int64_t q = 0; q < c; q++) {
            gx[q] += rx[q];
            go[q] += ro[q];
        }
    }
}

/*
 * acc[s][0..width) += Σ over i < depth of in[s * in_stride + i] · w[i][0..width), for n samples:
 * four samples and two vectors of outputs at a time in registers (eight independent chains), so
 * each weight is loaded once per four samples. Written once, instantiated for 16 lanes (AVX-512)
 * and 8 lanes; the outputs past the last full block are summed one by one.
 */
#define ACCUMULATE(NAME, VT, LANES_, LOAD, STORE, TARGET)                                               \
    TARGET static void NAME(const float *in, int64_t in_stride, int n, const float *w, int64_t depth,   \
            int64_t width, float *acc, int64_t acc_stride) {                                          \
        int64_t block = 2 * LANES_, vec = width - width % block;                                      \
        int s = 0;                                                                                    \
        for (; s + 4 <= n; s += 4) {                                                                  \
            const float *i0 = in + s * in_stride, *i1 = i0 + in_stride, *i2 = i1 + in_stride;         \
            const float *i3 = i2 + in_stride;                                                         \
            float *a0 = acc + s * acc_stride, *a1 = a0 + acc_stride, *a2 = a1 + acc_stride;           \
            float *a3 = a2 + acc_stride;                                                              \
            for (int64_t r = 0; r < vec; r += block) {                                                \
                VT s0 = LOAD(a0 + r), s1 = LOAD(a1 + r), s2 = LOAD(a2 + r), s3 = LOAD(a3 + r);        \
                VT t0 = LOAD(a0 + r + LANES_), t1 = LOAD(a1 + r + LANES_);                            \
                VT t2 = LOAD(a2 + r + LANES_), t3 = LOAD(a3 + r + LANES_);                            \
                for (int64_t i = 0; i < depth; i++) {                                                 \
                    VT wa = LOAD(w + i * width + r), wb = LOAD(w + i * width + r + LANES_);           \
                    float v0 = i0[i], v1 = i1[i], v2 = i2[i], v3 = i3[i];                             \
                    s0 = v0 * wa + s0;                                                                \
                    t0 = v0 * wb + t0;                                                                \
                    s1 = v1 * wa + s1;                                                                \
                    t1 = v1 * wb + t1;                                                                \
                    s2 = v2 * wa + s2;                                                                \
                    t2 = v2 * wb + t2;                                                                \
                    s3 = v3 * wa + s3;                                                                \
                    t3 = v3 * wb + t3;                                                                \
                }                                                                                     \
                STORE(a0 + r, s0);                                                                    \
                STORE(a1 + r, s1);                                                                    \
                STORE(a2 + r, s2);                                                                    \
                STORE(a3 + r, s3);                                                                    \
                STORE(a0 + r + LANES_, t0);                                                           \
                STORE(a1 + r + LANES_, t1);                                                           \
                STORE(a2 + r + LANES_, t2);                                                           \
                STORE(a3 + r + LANES_, t3);                                                           \
            }                                                                                         \
        }                                                                                             \
        for (; s < n; s++) {                                                                          \
            const float *is = in + s * in_stride;                                                     \
            float *as = acc + s * acc_stride;                                                         \
            for (int64_t r = 0; r < vec; r += block) {                                                \
                VT sa = LOAD(as + r), sb = LOAD(as + r + LANES_);                                     \
                for (int64_t i = 0; i < depth; i++) {                                                 \
                    sa = is[i] * LOAD(w + i * width + r) + sa;                                        \
                    sb = is[i] * LOAD(w + i * width + r + LANES_) + sb;                               \
                }                                                                                     \
                STORE(as + r, sa);                                                                    \
                STORE(as + r + LANES_, sb);                                                           \
            }                                                                                         \
        }                                                                                             \
        for (s = 0; s < n; s++) {                                                                     \
            for (int64_t r = vec; r < width; r++) {                                                   \
                float sum = acc[s * acc_stride + r];                                                  \
                for (int64_t i = 0; i < depth; i++) {                                                 \
                    sum += in[s * in_stride + i] * w[i * width + r];                                  \
                }                                                                                     \
                acc[s * acc_stride + r] = sum;                                                        \
            }                                                                                         \
        }                                                                                             \
    }

ACCUMULATE(accumulate16, v16, 16, load16, store16, TARGET_AVX512)
ACCUMULATE(accumulate8, v8, 8, load8, store8, HOT_AVX2)

static void accumulate(const float *in, int64_t in_stride, int n, const float *w, int64_t depth, int64_t width,
        float *acc, int64_t acc_stride) {
    if (wide) {
        accumulate16(in, in_stride, n, w, depth, width, acc, acc_stride);
    } else {
        accumulate8(in, in_stride, n, w, depth, width, acc, acc_stride);
    }
}

/*
 * Adds MLP(v) = W2 · ReLU(W1 · v + b1) + b2 of n samples (rows of in, [n][C]) to acc [n][3C].
 */
static void mlp_block(const unit_job *j, int which, const float *in, int n, float *hid, float *acc) {
    int64_t c = j->channels, m = j->hidden, g3 = 3 * c;
    const float *b1 = j->dsu.b1[which], *b2 = j->dsu.b2[which];
    for (int s = 0; s < n; s++) {
        memcpy(hid + s * m, b1, m * sizeof(float));
    }
    accumulate(in, c, n, j->dsu.w1[which], c, m, hid, m);
    for (int s = 0; s < n; s++) {
        for (int64_t q = 0; q < m; q++) {
            float v = hid[s * m + q];
            hid[s * m + q] = v > 0 ? v : (v == v ? 0 : v); /* ReLU; NaN stays NaN, as in PyTorch */
        }
        float *as = acc + s * g3;
        for (int64_t q = 0; q < g3; q++) {
            as[q] += b2[q];
        }
    }
    accumulate(hid, m, n, j->dsu.w2[which], m, g3, acc, g3);
}

/* MLP_hh of one state row h, or of h = 0 (NULL): W2 · ReLU(b1) + b2. */
static void hh_row(const unit_job *j, const float *h, float *hid, float *row) {
    int64_t ch = j->channels, m = j->hidden;
    if (h != NULL) {
        memset(row, 0, 3 * ch * sizeof(float));
        mlp_block(j, 1, h, 1, hid, row);
        return;
    }
    memcpy(row, j->dsu.b2[1], 3 * ch * sizeof(float));
    for (int64_t q = 0; q < m; q++) {
        float v = j->dsu.b1[1][q];
        if (v <= 0) {
            continue;
        }
        const float *wr = j->dsu.w2[1] + q * 3 * ch;
        for (int64_t r = 0; r < 3 * ch; r++) {
            row[r] += v * wr[r];
        }
    }
}

/*
 * c' = σ(f)·c + σ(i)·tanh(g) and h' = norm(c') for one sample's gates (i, f, g), C a multiple of 8,
 * with σ(i), σ(f), tanh(g) written to act [3C] where it is not NULL (it may be the gates
 * themselves). Instantiated for AVX2 and for the baseline (GCC's target_clones on this function
 * trips an internal compiler error of GCC 12 under -march=native, so the choice is made at run time).
 */
#define GATE_UPDATE(NAME, TARGET)                                                                        \
    TARGET static void NAME(int norm, const float *gates, const float *c, int64_t ch, float *act,        \
            float *h_out, float *c_out) {                                                             \
        for (int64_t q = 0; q < ch; q += LANES) {                                                     \
            v8 prev = c == NULL ? (v8) {0} : load8(c + q);                                            \
            v8 si = sigmoid8(load8(gates + q)), sf = sigmoid8(load8(gates + ch + q));                 \
            v8 tg = tanh8(load8(gates + 2 * ch + q));                                                 \
            v8 cn = sf * prev + si * tg;                                                              \
            if (act != NULL) {                                                                        \
                store8(act + q, si);                                                                  \
                store8(act + ch + q, sf);                                                             \
                store8(act + 2 * ch + q, tg);                                                         \
            }                                                                                         \
            if (c_out != NULL) {                                                                      \
                store8(c_out + q, cn);                                                                \
            }                                                                                         \
            v8 h;                                                                                     \
            switch (norm) {                                                                           \
                case 1:                                                                               \
                    h = cn;                                                                           \
                    break;                                                                            \
                case 2:                                                                               \
                    h = tanh8(cn);                                                                    \
                    break;                                                                            \
                case 3:                                                                               \
                    h = select8((cn > 0) | (cn != cn), cn, (v8) {0}); /* ReLU; NaN stays NaN */      \
                    break;                                                                            \
                default:                                                                              \
                    h = sigmoid8(cn);                                                                 \
            }                                                                                         \
            store8(h_out + q, h);                                                                     \
        }                                                                                             \
    }

GATE_UPDATE(gate_update_avx2, __attribute__((target("arch=x86-64-v3"))))
GATE_UPDATE(gate_update_baseline, )

void gate_update(int norm, const float *gates, const float *c, int64_t ch, float *act, float *h_out, float *c_out) {
    if (avx2) {
        gate_update_avx2(norm, gates, c, ch, act, h_out, c_out);
    } else {
        gate_update_baseline(norm, gates, c, ch, act, h_out, c_out);
    }
}

/*
 * One DSU step for n samples: gates = MLP_ih(y) + MLP_hh(h); c' = σ(f)·c + σ(i)·tanh(g); h' =
 * norm(c'). y, h and c are [n][C] (h and c NULL for zeros, or one row broadcast when shared).
 */
static void dsu_block(const unit_job *j, const float *y, const float *h, const float *c, int shared, int n,
        float *hid, float *gates, float *h_out, float *c_out) {
    int64_t ch = j->channels;
    memset(gates, 0, n * 3 * ch * sizeof(float));
    mlp_block(j, 0, y, n, hid, gates);
    if (h != NULL && !shared) {
        mlp_block(j, 1, h, n, hid, gates);
    } else {
        float *one = gates + (int64_t) n * 3 * ch; /* the spare row past the n gate rows */
        hh_row(j, h, hid, one);
        for (int s = 0; s < n; s++) {
            for (int64_t q = 0; q < 3 * ch; q++) {
                gates[s * 3 * ch + q] += one[q];
            }
        }
    }
    for (int s = 0; s < n; s++) {
        const float *cs = c == NULL ? NULL : c + (shared ? 0 : s * ch);
        gate_update(j->norm, gates + s * 3 * ch, cs, ch, NULL, h_out + s * ch, c_out == NULL ? NULL : c_out + s * ch);
    }
}

/* The head weights a [C / 32] of one sample from its summary gx [C]. */
static void head_weights(const unit_job *j, const float *gx, float *a) {
    int64_t c = j->channels;
    int k = j->k, pad = (k - 1) / 2;
    const float scale = (float) (1.0 / sqrt((double) HEAD_WIDTH));
    for (int64_t head = 0; head < c / HEAD_WIDTH; head++) {
        float sum = 0;
        for (int64_t q = head * HEAD_WIDTH; q < (head + 1) * HEAD_WIDTH; q++) {
            float qv = 0, kv = 0;
            for (int t = 0; t < k; t++) {
                int64_t at = q + t - pad;
                if (at >= 0 && at < c) {
                    qv += j->unit.wq[t] * gx[at];
                    kv += j->unit.wk[t] * gx[at];
                }
            }
            sum += qv * kv;
        }
        a[head] = sigmoid1(sum * scale);
    }
}

/*
 * The per-sample kernels of the stencil: kx = a ⊙ s ⊙ Wv with 1 added at the centre tap (the
 * residual x), ko = s ⊙ λ ⊙ DW with s ⊙ λ ⊙ d added at the centre tap (the gate).
 */
static void sample_kernels(const unit_job *j, const float *a, const float *d, float *kx, float *ko) {
    int64_t c = j->channels;
    for (int t = 0; t < TAPS; t++) {
        for (int64_t q = 0; q < c; q++) {
            kx[t * c + q] = a[q / HEAD_WIDTH] * j->unit.value[t * c + q];
            ko[t * c + q] = j->unit.dw[t * c + q];
        }
    }
    for (int64_t q = 0; q < c; q++) {
        kx[4 * c + q] += 1.0f;
        ko[4 * c + q] += j->unit.gate[q] * d[q];
    }
}

/*
 * One row y of a sample, LANES_ channels [q, q + LANES_) at a time, swept column by column: each
 * column of x and o (three rows each, the missing ones skipped) is loaded once and added to the
 * three outputs whose windows hold it; the leftmost of them is then complete and stored. Written
 * once, instantiated for 16 lanes (AVX-512, whose 32 registers hold the 18 taps) and 8 lanes.
 */
#define STENCIL_ROW(NAME, VT, LANES_, LOAD, STORE, TARGET)                                             \
    TARGET static void NAME(const unit_job *j, const float *rx[3], const float *ro[3], const float *kx, \
            const float *ko, float *out) {                                                            \
        int64_t c = j->channels, w = j->width;                                                        \
        for (int64_t q = 0; q < c; q += LANES_) {                                                     \
            VT k[9], m[9];                                                                            \
            for (int t = 0; t < 9; t++) {                                                             \
                k[t] = LOAD(kx + t * c + q);                                                          \
                m[t] = LOAD(ko + t * c + q);                                                          \
            }                                                                                         \
            VT shift = LOAD(j->unit.shift + q);                                                       \
            VT zero = {0};                                                                            \
            VT left = shift, mid = shift; /* the outputs at col - 1 and col */                        \
            for (int64_t col = 0; col <= w; col++) {                                                  \
                VT right = shift;                                                                     \
                if (col < w) {                                                                        \
                    VT ml = zero, mm = zero, mr = zero;                                               \
                    for (int r = 0; r < 3; r++) {                                                     \
                        if (rx[r] == NULL) {                                                          \
                            continue;                                                                 \
                        }                                                                             \
                        VT xv = LOAD(rx[r] + col * c + q);                                            \
                        VT ov = LOAD(ro[r] + col * c + q);                                            \
                        left = k[r * 3 + 2] * xv + left;                                              \
                        ml = m[r * 3 + 2] * ov + ml;                                                  \
                        mid = k[r * 3 + 1] * xv + mid;                                                \
                        mm = m[r * 3 + 1] * ov + mm;                                                  \
                        right = k[r * 3] * xv + right;                                                \
                        mr = m[r * 3] * ov + mr;                                                      \
                    }                                                                                 \
                    left += ml;                                                                       \
                    mid += mm;                                                                        \
                    right += mr;                                                                      \
                }                                                                                     \
                if (col >= 1) {                                                                       \
                    STORE(out + (col - 1) * c + q, left);                                             \
                }                                                                                     \
                left = mid;                                                                           \
                mid = right;                                                                          \
            }                                                                                         \
        }                                                                                             \
    }

STENCIL_ROW(stencil_row16, v16, 16, load16, store16, TARGET_AVX512)
STENCIL_ROW(stencil_row8, v8, 8, load8, store8, HOT_AVX2)

/*
 * Overwrites rows [y0, y1) of sample b of x with shift + Σ over the 3×3 taps of kx·x + ko·o. The
 * original rows that later rows still read are kept in two row buffers (rows, 2·W·C floats); above
 * and below are copies of the rows just outside the range, taken before any thread wrote (NULL
 * where the range starts at the top or ends at the bottom of the map).
 */
static void stencil_rows(const unit_job *j, int64_t b, int64_t y0, int64_t y1, const float *kx, const float *ko,
        const float *above, const float *below, float *rows) {
    int64_t c = j->channels, h = j->height, w = j->width, row_floats = w * c;
    float *x = j->x + b * h * w * c;
    const float *o = j->o + b * h * w * c;
    const float *prev = y0 > 0 ? above : NULL;
    float *buf[2] = {rows, rows + row_floats};
    for (int64_t y = y0; y < y1; y++) {
        float *cur = buf[(y - y0) % 2];
        memcpy(cur, x + y * row_floats, row_floats * sizeof(float));
        const float *rx[3] = {prev, cur, y + 1 < y1 ? x + (y + 1) * row_floats : (y + 1 < h ? below : NULL)};
        const float *ro[3] = {
            y > 0 ? o + (y - 1) * row_floats : NULL, o + y * row_floats, y + 1 < h ? o + (y + 1) * row_floats : NULL};
        float *row = x + y * row_floats;
        if (wide) {
            stencil_row16(j, rx, ro, kx, ko, row);
        } else {
            stencil_row8(j, rx, ro, kx, ko, row);
        }
        prev = cur;
    }
}

/* Sizes of one thread's scratch, in floats. */
static int64_t scratch_floats(const unit_job *j) {
    int64_t c = j->channels, m = j->hidden;
    return 2 * c                  /* one row of sums of each map */
           + 2 * GROUP * c        /* gx, go of a group */
           + GROUP * c            /* d of a group */
           + (GROUP + 2) * 3 * c  /* gates, plus two spare rows */
           + GROUP * m            /* hidden activations */
           + c / HEAD_WIDTH + 1   /* a */
           + 2 * TAPS * c         /* kx, ko */
           + 4 * j->width * c;    /* two row buffers and two halo rows of the stencil */
}

/* Sample 0's new context, for sample-zero mode. */
static void sample_zero_context(unit_job *j, float *scratch, double *sums) {
    int64_t c = j->channels;
    memset(sums, 0, 2 * c * sizeof(double));
    gap_rows(j, 0, 0, j->height, sums, sums + c, scratch);
    float *gx = scratch + 2 * c;
    float inv = 1.0f / (float) (j->height * j->width);
    for (int64_t q = 0; q < c; q++) {
        gx[q] = (float) sums[q] * inv;
    }
    float *hid = gx + c;
    float *gates = hid + j->hidden;
    dsu_block(j, gx, j->h_prev, j->c_prev, 0, 1, hid, gates, j->s0_h, j->s0_c);
}

/* The whole unit for samples [b0, b1), in groups of up to GROUP samples. */
static void samples(unit_job *j, int64_t b0, int64_t b1, float *scratch, double *sums) {
    int64_t c = j->channels;
    float *row = scratch;
    float *gx = row + 2 * c;
    float *go = gx + GROUP * c;
    float *d = go + GROUP * c;
    float *gates = d + GROUP * c;
    float *hid = gates + (GROUP + 2) * 3 * c;
    float *a = hid + GROUP * j->hidden;
    float *kx = a + c / HEAD_WIDTH + 1;
    float *ko = kx + TAPS * c;
    float *rows = ko + TAPS * c;
    float inv = 1.0f / (float) (j->height * j->width);
    /*
     * As many samples as keep their maps (x, o and the output) within about 1 MiB of cache; or,
     * where the DSU's weights are large (512 KiB and more) and a sample's maps are not (under
     * 4 MiB), GROUP samples, so that one pass over the weights serves all of them and the maps are
     * read back from the last-level cache.
     */
    int64_t bytes = 3 * j->height * j->width * c * (int64_t) sizeof(float);
    int64_t weights = 2 * (4 * c * (int64_t) j->hidden) * (int64_t) sizeof(float);
    int64_t group = bytes >= (1 << 20) ? 1 : (1 << 20) / bytes;
    if (weights >= (512 << 10) && bytes < (4 << 20)) {
        group = GROUP;
    }
    group = group > GROUP ? GROUP : group;
    for (int64_t g0 = b0; g0 < b1; g0 += group) {
        int n = (int) (b1 - g0 < group ? b1 - g0 : group);
        for (int s = 0; s < n; s++) {
            memset(sums, 0, 2 * c * sizeof(double));
            gap_rows(j, g0 + s, 0, j->height, sums, sums + c, row);
            for (int64_t q = 0; q < c; q++) {
                gx[s * c + q] = (float) sums[q] * inv;
                go[s * c + q] = (float) sums[c + q] * inv;
            }
        }
        const float *hp = j->h_prev == NULL ? NULL : j->h_prev + g0 * c;
        const float *cp = j->c_prev == NULL ? NULL : j->c_prev + g0 * c;
        float *hout = j->h_next + g0 * c;
        float *cout = j->c_next + g0 * c;
        dsu_block(j, gx, hp, cp, 0, n, hid, gates, hout, cout);
        if (j->sample_zero) {
            dsu_block(j, go, j->s0_h, j->s0_c, 1, n, hid, gates, d, NULL);
        } else {
            dsu_block(j, go, hout, cout, 0, n, hid, gates, d, NULL);
        }
        for (int s = 0; s < n; s++) {
            head_weights(j, gx + s * c, a);
            sample_kernels(j, a, d + s * c, kx, ko);
            stencil_rows(j, g0 + s, 0, j->height, kx, ko, NULL, NULL, rows);
        }
    }
}

/*
 * For batches too small to share out by sample: the rows of every sample are shared among the
 * threads for the averages and the stencil, and thread 0 does the small per-sample work between.
 */
static void rows(unit_job *j, int tid, int nthreads, float *scratch, double *partial, float *shared) {
    int64_t c = j->channels, rows_total = j->batch * j->height;
    int64_t r0 = rows_total * tid / nthreads, r1 = rows_total * (tid + 1) / nthreads;
    int64_t row_floats = j->width * c;
    double *mine = partial + (int64_t) tid * j->batch * 2 * c;
    memset(mine, 0, j->batch * 2 * c * sizeof(double));
    for (int64_t r = r0; r < r1;) {
        int64_t b = r / j->height, y = r % j->height;
        int64_t end = r1 - r < j->height - y ? y + (r1 - r) : j->height;
        gap_rows(j, b, y, end, mine + b * 2 * c, mine + b * 2 * c + c, scratch);
        r += end - y;
    }
    /* the rows just outside this thread's range, as they are before any thread overwrites them */
    float *buffers = scratch + scratch_floats(j) - 4 * row_floats;
    float *above = buffers + 2 * row_floats, *below = buffers + 3 * row_floats;
    if (r0 < r1 && r0 % j->height != 0) {
        memcpy(above, j->x + (r0 - 1) * row_floats, row_floats * sizeof(float));
    }
    if (r0 < r1 && r1 % j->height != 0) {
        memcpy(below, j->x + r1 * row_floats, row_floats * sizeof(float));
    }
#pragma omp barrier
    float *kernels = shared; /* [B][2][9][C], written by thread 0 */
    if (tid == 0) {
        float *gx = scratch + 2 * c;
        float *go = gx + c;
        float *d = go + c;
        float *hid = d + c;
        float *gates = hid + GROUP * j->hidden;
        float *a = gates + (GROUP + 2) * 3 * c;
        float inv = 1.0f / (float) (j->height * j->width);
        for (int64_t b = 0; b < j->batch; b++) {
            for (int64_t q = 0; q < c; q++) {
                double sx = 0, so = 0;
                for (int t = 0; t < nthreads; t++) {
                    sx += partial[((int64_t) t * j->batch + b) * 2 * c + q];
                    so += partial[((int64_t) t * j->batch + b) * 2 * c + c + q];
                }
                gx[q] = (float) sx * inv;
                go[q] = (float) so * inv;
            }
            const float *hp = j->h_prev == NULL ? NULL : j->h_prev + b * c;
            const float *cp = j->c_prev == NULL ? NULL : j->c_prev + b * c;
            dsu_block(j, gx, hp, cp, 0, 1, hid, gates, j->h_next + b * c, j->c_next + b * c);
            if (j->sample_zero) {
                dsu_block(j, go, j->h_next, j->c_next, 1, 1, hid, gates, d, NULL);
            } else {
                dsu_block(j, go, j->h_next + b * c, j->c_next + b * c, 0, 1, hid, gates, d, NULL);
            }
            head_weights(j, gx, a);
            sample_kernels(j, a, d, kernels + b * 2 * TAPS * c, kernels + (b * 2 + 1) * TAPS * c);
        }
    }
#pragma omp barrier
    for (int64_t r = r0; r < r1;) {
        int64_t b = r / j->height, y = r % j->height;
        int64_t end = r1 - r < j->height - y ? y + (r1 - r) : j->height;
        stencil_rows(j, b, y, end, kernels + b * 2 * TAPS * c, kernels + (b * 2 + 1) * TAPS * c,
                r == r0 ? above : NULL, r + (end - y) == r1 ? below : NULL, buffers);
        r += end - y;
    }
}

/*
 * Runs one DLA-L unit in inference and writes the result over x. Every argument named _t is a
 * libtorch tensor handle (torch::Tensor *) of a dense float32 CPU tensor of the shape the Java side
 * checked. Returns DLA_OK, or a negative code with nothing written
 * to out if a layout or argument check fails (the caller then runs the separate operations).
 *
 * dsu: ih.w1 [C][m], ih.b1 [m], ih.w2 [m][3C], ih.b2 [3C], then the same for hh, packed.
 * unit: wq [k], wk [k], value [9][C], dw [9][C], gate [C], shift [C], packed.
 */
EXPORT int dla_light_unit(int64_t x_t, int64_t o_t, int64_t h_prev_t, int64_t c_prev_t,
        int64_t h_next_t, int64_t c_next_t, int64_t dsu_t, int64_t unit_t, int64_t batch,
        int64_t channels, int64_t height, int64_t width, int hidden, int k, int norm, int sample_zero,
        int threads) {
    if (tensor_data == NULL) {
        return DLA_NOT_INITIALISED;
    }
    if (batch < 1 || channels < HEAD_WIDTH || channels % HEAD_WIDTH != 0 || height < 1 || width < 1
            || hidden < 1 || k < 1 || k % 2 == 0 || threads < 1 || dsu_t == 0 || unit_t == 0) {
        return DLA_BAD_ARGUMENT;
    }
    unit_job j;
    memset(&j, 0, sizeof(j));
    j.batch = batch;
    j.channels = channels;
    j.height = height;
    j.width = width;
    j.hidden = hidden;
    j.k = k;
    j.norm = norm;
    j.sample_zero = sample_zero;
    j.x = channels_last((const void *) x_t, batch, channels, height, width);
    j.o = channels_last((const void *) o_t, batch, channels, height, width);
    j.h_next = row_major((const void *) h_next_t, batch, channels);
    j.c_next = row_major((const void *) c_next_t, batch, channels);
    if (h_prev_t != 0) {
        j.h_prev = row_major((const void *) h_prev_t, batch, channels);
        j.c_prev = row_major((const void *) c_prev_t, batch, channels);
        if (j.h_prev == NULL || j.c_prev == NULL) {
            return DLA_BAD_LAYOUT;
        }
    }
    if (j.x == NULL || j.o == NULL || j.h_next == NULL || j.c_next == NULL) {
        return DLA_BAD_LAYOUT;
    }
    int64_t map = batch * channels * height * width;
    if (j.x < j.o + map && j.o < j.x + map) {
        return DLA_BAD_ARGUMENT; /* x is overwritten while o is read: they must not share memory */
    }
    const float *p = vector((const void *) dsu_t);
    const float *u = vector((const void *) unit_t);
    if (p == NULL || u == NULL) {
        return DLA_BAD_LAYOUT;
    }
    for (int which = 0; which < 2; which++) {
        j.dsu.w1[which] = p;
        p += channels * hidden;
        j.dsu.b1[which] = p;
        p += hidden;
        j.dsu.w2[which] = p;
        p += (int64_t) hidden * 3 * channels;
        j.dsu.b2[which] = p;
        p += 3 * channels;
    }
    j.unit.wq = u;
    j.unit.wk = u + k;
    j.unit.value = u + 2 * k;
    j.unit.dw = j.unit.value + TAPS * channels;
    j.unit.gate = j.unit.dw + TAPS * channels;
    j.unit.shift = j.unit.gate + channels;

    if (batch * channels * height * width < PARALLEL_FLOATS) {
        threads = 1;
    }
    int by_sample = batch >= 4 * threads || batch % threads == 0;
    int64_t per_thread = scratch_floats(&j);
    float *scratch = (float *) malloc((size_t) threads * per_thread * sizeof(float));
    double *sums = (double *) malloc((size_t) threads * (by_sample ? 2 * channels : batch * 2 * channels)
                                     * sizeof(double));
    float *shared = by_sample ? NULL : (float *) malloc((size_t) batch * 2 * TAPS * channels * sizeof(float));
    float *s0 = (float *) malloc(2 * channels * sizeof(float));
    if (scratch == NULL || sums == NULL || s0 == NULL || (!by_sample && shared == NULL)) {
        free(scratch);
        free(sums);
        free(shared);
        free(s0);
        return DLA_NO_MEMORY;
    }
    j.s0_h = s0;
    j.s0_c = s0 + channels;
#pragma omp parallel num_threads(threads)
    {
        int tid = omp_get_thread_num();
        int n = omp_get_num_threads();
        float *mine = scratch + (int64_t) tid * per_thread;
        double *my_sums = sums + (int64_t) tid * 2 * channels;
        if (by_sample) {
            if (sample_zero) {
                if (tid == 0) {
                    sample_zero_context(&j, mine, my_sums);
                }
#pragma omp barrier
            }
            samples(&j, batch * tid / n, batch * (tid + 1) / n, mine, my_sums);
        } else {
            rows(&j, tid, n, mine, sums, shared);
        }
    }
    free(scratch);
    free(sums);
    free(shared);
    free(s0);
    return DLA_OK;
}
