/*
 * Fused CPU training kernels of a DLA-L or MRLA-L unit's small per-sample work (dla-zoo, Apache-2.0).
 *
 * From the unit's summaries gu = GAP(u) and go = GAP(o) [B][C] (dla_train_gap), these compute what
 * the map kernels of dla_training.c take, and in the backward pass the gradients of everything
 * they were computed from:
 *
 *   Q = Wq * gu, K = Wk * gu                        1-D convolutions over the channels, k taps
 *   a[n][j] = σ(Σ over head j of Q ⊙ K / sqrt(32))  the heads' weights [B][C / 32]
 *   h', c' = DSU(gu, h, c)                          the forward path: the stage's new context
 *   d = DSU(go, sel(h'), sel(c')).h                 the backward path: the shortcut's gate
 *   factor = λ ⊙ d                                  (MRLA-L: λ, and no DSU)
 *   value = Wv, shortcut = λ ⊙ DW                   both tap-major [9][C]
 *
 * with the DSU in its published form: gates (i, f, g) = MLP_ih(y) + MLP_hh(h), MLP(v) = W2 ·
 * ReLU(W1 · v + b1) + b2, c' = σ(f)·c + σ(i)·tanh(g), h' = norm(c'); sel(x) is x per sample, or
 * sample 0's row for every sample (sample-zero context). The perceptrons' products run through
 * the BLAS that libtorch carries (sgemm_ of its MKL), as libtorch's own linear layers do; the rest
 * is a few passes over [B][3C]. Sums over the batch run in a fixed order, so a run is
 * reproducible for a given thread count.
 *
 * The parameters are read in their own shapes (Linear weights [out][in], Wq and Wk [1][1][k], λ
 * [C][1][1], kernels [C][1][3][3]), each checked dense before it is read (the Java side checks
 * every rank first: stride() throws for a dimension a tensor lacks); gradients of the unit's own parameters are written, those
 * of the stage's shared ones (the DSU, DW) added to.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_tensor.h"

typedef void (*sgemm_fn)(const char *ta, const char *tb, const int *m, const int *n, const int *k, const float *alpha,
        const float *a, const int *lda, const float *b, const int *ldb, const float *beta, float *c, const int *ldc);

/* libtorch's BLAS sgemm_ (column-major, 32-bit integers), or NULL before dla_terms_init succeeded. */
static sgemm_fn sgemm;

/* Resolves sgemm_ from the already loaded libtorch_cpu; 0 on success. */
EXPORT int dla_terms_init(const char *libtorch_cpu) {
    void *lib = dlopen(libtorch_cpu, RTLD_NOW | RTLD_NOLOAD);
    if (lib == NULL) {
        return 1;
    }
    sgemm = (sgemm_fn) dlsym(lib, "sgemm_");
    return sgemm == NULL ? 2 : 0;
}

/* C = op(A) · op(B) + beta · C for row-major matrices (op transposes where ta, tb is 1). */
static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
        int64_t ldb, float beta, float *c, int64_t ldc) {
    int im = (int) m, in = (int) n, ik = (int) k, ia = (int) lda, ib = (int) ldb, ic = (int) ldc;
    float one = 1.0f;
    sgemm(tb ? "T" : "N", ta ? "T" : "N", &in, &im, &ik, &one, b, &ib, a, &ia, &beta, c, &ic);
}

/* The address of a dense float tensor of the given sizes (standard strides, size-1 dimensions free), or NULL. */
static float *dense(int64_t t, int rank, const int64_t *sizes) {
    if (t == 0) {
        return NULL;
    }
    int64_t expected = 1;
    for (int d = rank - 1; d >= 0; d--) {
        if (sizes[d] > 1 && tensor_stride((const void *) t, d) != expected) {
            return NULL;
        }
        expected *= sizes[d];
    }
    return tensor_data((const void *) t);
}

/*
 * Scratch memory on a 64-byte boundary: MKL's sgemm may round differently for differently aligned
 * operands, and a resumed run must compute what an uninterrupted one did.
 */
static float *scratch(int64_t floats) {
    size_t bytes = ((size_t) floats * sizeof(float) + 63) & ~(size_t) 63;
    return aligned_alloc(64, bytes);
}


static float relu(float v) { return v > 0 || v != v ? v : 0.0f; }

/* d norm(c) / dc, from c and h = norm(c). */
static float norm_slope(int norm, float c, float h) {
    switch (norm) {
        case 1:
            return 1.0f;
        case 2:
            return 1.0f - h * h;
        case 3:
            return c > 0 ? 1.0f : 0.0f;
        default:
            return h * (1.0f - h);
    }
}

/* A perceptron C -> m -> 3C, in libtorch's Linear layout, and its gradients. */
typedef struct {
    const float *w[4]; /* W1 [m][C], b1 [m], W2 [3C][m], b2 [3C] */
    float *g[4];       /* their gradients, added to; NULL in the forward pass */
} mlp;

enum { W1, B1, W2, B2 };

/* One unit's inputs: sizes, the summaries, the context, the parameters. */
typedef struct {
    int64_t batch, channels, hidden, rows; /* rows: the backward path's hh rows, B or 1 */
    int k, norm, sample_zero, dla;
    const float *gu, *go;                  /* [B][C] */
    const float *h, *c;                    /* [B][C], NULL at a stage's first unit */
    const float *wq, *wk, *lambda, *wv, *dw; /* [k], [k], [C], [C][9], [C][9] */
    mlp ih, hh;
} unit_terms;

/*
 * What the forward pass keeps for the backward pass, per unit: the perceptrons' hidden
 * pre-activations and the gates' pre-activations of both paths, the backward path's cell state
 * and output, Q and K. Offsets in floats into one [saved_floats] array.
 */
typedef struct {
    float *zi;  /* [2B][m]: MLP_ih of gu (rows 0..B-1) and of go (rows B..2B-1) */
    float *zh;  /* [B][m]: MLP_hh of h */
    float *zhd; /* [rows][m]: MLP_hh of sel(h') */
    float *g;   /* [B][3C]: the forward path's gates, then their activations σ(i), σ(f), tanh(g) */
    float *gd;  /* [B][3C]: the backward path's gates, then their activations */
    float *cd;  /* [B][C]: the backward path's cell state */
    float *d;   /* [B][C]: the gate d = norm(cd) */
    float *q;   /* [B][C] */
    float *kk;  /* [B][C] */
} saved_terms;

static int64_t saved_size(int64_t b, int64_t c, int64_t m) { return 4 * b * m + 10 * b * c; }

static void saved_layout(float *base, int64_t b, int64_t c, int64_t m, saved_terms *s) {
    s->zi = base;
    s->zh = s->zi + 2 * b * m;
    s->zhd = s->zh + b * m;
    s->g = s->zhd + b * m;
    s->gd = s->g + 3 * b * c;
    s->cd = s->gd + 3 * b * c;
    s->d = s->cd + b * c;
    s->q = s->d + b * c;
    s->kk = s->q + b * c;
}

/* The floats a unit's saved array holds, for the Java side to allocate. */
EXPORT int64_t dla_terms_saved_floats(int64_t batch, int64_t channels, int64_t hidden) {
    return saved_size(batch, channels, hidden);
}

/* z = in · W1ᵀ + b1 [n][m], then out = ReLU(z) · W2ᵀ + b2 [n][3C] (out added to where add is 1). */
static void mlp_forward(const mlp *p, const float *in, int64_t n, int64_t c, int64_t m, float *z, float *r, float *out,
        int add) {
    for (int64_t s = 0; s < n; s++) {
        memcpy(z + s * m, p->w[B1], m * sizeof(float));
        if (!add) {
            memcpy(out + s * 3 * c, p->w[B2], 3 * c * sizeof(float));
        } else {
            for (int64_t q = 0; q < 3 * c; q++) {
                out[s * 3 * c + q] += p->w[B2][q];
            }
        }
    }
    gemm(0, 1, n, m, c, in, c, p->w[W1], c, 1.0f, z, m);
    for (int64_t i = 0; i < n * m; i++) {
        r[i] = relu(z[i]);
    }
    gemm(0, 1, n, 3 * c, m, r, m, p->w[W2], m, 1.0f, out, 3 * c);
}

/*
 * The backward pass of mlp_forward for n rows: gradients of W1, b1, W2, b2 added to, and
 * din = dout · W2 ⊙ [z > 0] · W1 [n][C] (written, or added to where add_in is 1; skipped where
 * din is NULL). r is scratch [n][m] and dz scratch [n][m].
 */
static void mlp_backward(const mlp *p, const float *in, const float *z, const float *dout, int64_t n, int64_t c,
        int64_t m, float *r, float *dz, float *din, int add_in) {
    for (int64_t i = 0; i < n * m; i++) {
        r[i] = relu(z[i]);
    }
    gemm(1, 0, 3 * c, m, n, dout, 3 * c, r, m, 1.0f, p->g[W2], m);
    for (int64_t s = 0; s < n; s++) {
        for (int64_t q = 0; q < 3 * c; q++) {
            p->g[B2][q] += dout[s * 3 * c + q];
        }
    }
    gemm(0, 0, n, m, 3 * c, dout, 3 * c, p->w[W2], m, 0.0f, dz, m);
    for (int64_t i = 0; i < n * m; i++) {
        dz[i] = z[i] > 0 ? dz[i] : 0.0f;
    }
    gemm(1, 0, m, c, n, dz, m, in, c, 1.0f, p->g[W1], c);
    for (int64_t s = 0; s < n; s++) {
        for (int64_t q = 0; q < m; q++) {
            p->g[B1][q] += dz[s * m + q];
        }
    }
    if (din != NULL) {
        gemm(0, 0, n, c, m, dz, m, p->w[W1], c, add_in ? 1.0f : 0.0f, din, c);
    }
}

/*
 * The backward pass of gate_update for dc' = dcn (the cell state's whole gradient), from the
 * gates' activations act = (σ(i), σ(f), tanh(g)) [3C]: the gates' gradients dgates [3C] and
 * dc = dcn · σ(f) (added to dc where it is not NULL); c NULL for zeros.
 */
HOT static void cell_row_backward(const float *restrict act, const float *restrict c, const float *restrict dcn,
        int64_t ch, float *restrict dgates, float *restrict dc) {
    for (int64_t q = 0; q < ch; q++) {
        float si = act[q], sf = act[ch + q], tg = act[2 * ch + q];
        float prev = c == NULL ? 0.0f : c[q];
        dgates[q] = dcn[q] * tg * si * (1.0f - si);
        dgates[ch + q] = dcn[q] * prev * sf * (1.0f - sf);
        dgates[2 * ch + q] = dcn[q] * si * (1.0f - tg * tg);
        if (dc != NULL) {
            dc[q] += dcn[q] * sf;
        }
    }
}

/* Q and K of one sample's summary (zero padding), and its heads' weights a [C / 32]. */
static void heads_row(const unit_terms *u, const float *gx, float *q, float *kk, float *a) {
    int64_t c = u->channels;
    int pad = (u->k - 1) / 2;
    float scale = (float) (1.0 / sqrt((double) HEAD_WIDTH));
    for (int64_t j = 0; j < c; j++) {
        float qv = 0, kv = 0;
        for (int t = 0; t < u->k; t++) {
            int64_t at = j + t - pad;
            if (at >= 0 && at < c) {
                qv += u->wq[t] * gx[at];
                kv += u->wk[t] * gx[at];
            }
        }
        q[j] = qv;
        kk[j] = kv;
    }
    for (int64_t head = 0; head < c / HEAD_WIDTH; head++) {
        float sum = 0;
        for (int64_t j = head * HEAD_WIDTH; j < (head + 1) * HEAD_WIDTH; j++) {
            sum += q[j] * kk[j];
        }
        a[head] = sigmoid1(sum * scale);
    }
}

/*
 * The four arrays of a perceptron C -> m -> 3C, or of its gradients, at t[0..3]: W1 [m][C], b1 [m],
 * W2 [3C][m], b2 [3C], each checked dense.
 */
static int read_perceptron(const int64_t *t, int64_t c, int64_t m, float *out[4]) {
    int64_t w1[2] = {m, c}, b1[1] = {m}, w2[2] = {3 * c, m}, b2[1] = {3 * c};
    out[0] = dense(t[0], 2, w1);
    out[1] = dense(t[1], 1, b1);
    out[2] = dense(t[2], 2, w2);
    out[3] = dense(t[3], 1, b2);
    return out[0] == NULL || out[1] == NULL || out[2] == NULL || out[3] == NULL ? DLA_BAD_LAYOUT : DLA_OK;
}

/* Reads and checks one unit's inputs; DLA_OK or an error code. hidden is 0 for MRLA-L (no DSU). */
static int read_terms(unit_terms *u, int64_t gu_t, int64_t go_t, int64_t h_t, int64_t c_t, int64_t wq_t, int64_t wk_t,
        int64_t lambda_t, int64_t wv_t, int64_t dw_t, const int64_t *dsu_t, int64_t batch, int64_t channels,
        int64_t hidden, int k, int norm, int sample_zero) {
    if (tensor_data == NULL || sgemm == NULL) {
        return DLA_NOT_INITIALISED;
    }
    if (batch < 1 || channels < HEAD_WIDTH || channels % HEAD_WIDTH != 0 || hidden < 0 || k < 1 || k % 2 == 0
            || norm < 0 || norm > 3) {
        return DLA_BAD_ARGUMENT;
    }
    memset(u, 0, sizeof(*u));
    int64_t c = channels, m = hidden;
    u->batch = batch;
    u->channels = c;
    u->hidden = m;
    u->rows = sample_zero ? 1 : batch;
    u->k = k;
    u->norm = norm;
    u->sample_zero = sample_zero;
    u->dla = hidden > 0;
    int64_t state[2] = {batch, c}, taps[3] = {1, 1, k}, per_channel[3] = {c, 1, 1}, kernel[4] = {c, 1, 3, 3};
    u->gu = dense(gu_t, 2, state);
    u->wq = dense(wq_t, 3, taps);
    u->wk = dense(wk_t, 3, taps);
    u->lambda = dense(lambda_t, 3, per_channel);
    u->wv = dense(wv_t, 4, kernel);
    if (u->gu == NULL || u->wq == NULL || u->wk == NULL || u->lambda == NULL || u->wv == NULL) {
        return DLA_BAD_LAYOUT;
    }
    if (!u->dla) {
        return DLA_OK;
    }
    u->go = dense(go_t, 2, state);
    u->h = h_t == 0 ? NULL : dense(h_t, 2, state);
    u->c = c_t == 0 ? NULL : dense(c_t, 2, state);
    u->dw = dense(dw_t, 4, kernel);
    mlp *p[2] = {&u->ih, &u->hh};
    for (int i = 0; i < 2; i++) {
        float *a[4];
        if (read_perceptron(dsu_t + 4 * i, c, m, a) != DLA_OK) {
            return DLA_BAD_LAYOUT;
        }
        memcpy(p[i]->w, a, sizeof(a));
    }
    if (u->go == NULL || u->dw == NULL || (h_t != 0 && u->h == NULL) || (c_t != 0 && u->c == NULL)
            || (h_t == 0) != (c_t == 0)) {
        return DLA_BAD_LAYOUT;
    }
    return DLA_OK;
}

/*
 * The forward pass of one unit's small work. dsu_t holds the eight DSU parameters (MLP_ih's W1,
 * b1, W2, b2, then MLP_hh's), all 0 with hidden 0 for MRLA-L, as are go_t, h_t, c_t, dw_t, h_next_t,
 * c_next_t. Writes a [B][C / 32], factor [B][C], value and shortcut [9][C] (shortcut only in
 * DLA-L), the new context h', c' [B][C] and saved [dla_terms_saved_floats].
 */
EXPORT int dla_terms_forward(int64_t gu_t, int64_t go_t, int64_t h_t, int64_t c_t, int64_t wq_t, int64_t wk_t,
        int64_t lambda_t, int64_t wv_t, int64_t dw_t, const int64_t *dsu_t, int64_t a_t, int64_t factor_t,
        int64_t value_t, int64_t shortcut_t, int64_t h_next_t, int64_t c_next_t, int64_t saved_t, int64_t batch,
        int64_t channels, int64_t hidden, int k, int norm, int sample_zero) {
    unit_terms u;
    int code = read_terms(&u, gu_t, go_t, h_t, c_t, wq_t, wk_t, lambda_t, wv_t, dw_t, dsu_t, batch, channels, hidden,
            k, norm, sample_zero);
    if (code != DLA_OK) {
        return code;
    }
    int64_t b = batch, c = channels, m = hidden, g3 = 3 * c;
    int64_t state[2] = {b, c}, heads[2] = {b, c / HEAD_WIDTH}, taps[1] = {TAPS * c}, all[1] = {saved_size(b, c, m)};
    float *a = dense(a_t, 2, heads), *factor = dense(factor_t, 2, state), *value = dense(value_t, 1, taps);
    float *saved = dense(saved_t, 1, all);
    float *shortcut = u.dla ? dense(shortcut_t, 1, taps) : NULL;
    float *h_next = u.dla ? dense(h_next_t, 2, state) : NULL, *c_next = u.dla ? dense(c_next_t, 2, state) : NULL;
    if (a == NULL || factor == NULL || value == NULL || saved == NULL
            || (u.dla && (shortcut == NULL || h_next == NULL || c_next == NULL))) {
        return DLA_BAD_LAYOUT;
    }
    saved_terms s;
    saved_layout(saved, b, c, m, &s);
    for (int64_t n = 0; n < b; n++) {
        heads_row(&u, u.gu + n * c, s.q + n * c, s.kk + n * c, a + n * (c / HEAD_WIDTH));
    }
    for (int t = 0; t < TAPS; t++) {
        for (int64_t q = 0; q < c; q++) {
            value[t * c + q] = u.wv[q * TAPS + t];
            if (shortcut != NULL) {
                shortcut[t * c + q] = u.lambda[q] * u.dw[q * TAPS + t];
            }
        }
    }
    if (!u.dla) {
        for (int64_t n = 0; n < b; n++) {
            memcpy(factor + n * c, u.lambda, c * sizeof(float));
        }
        return DLA_OK;
    }
    /* scratch: [gu; go] [2B][C], ReLU rows [2B][m], MLP_ih out [2B][3C], zero state [B][C] */
    float *x2 = scratch(2 * b * c + 2 * b * m + 2 * b * g3 + b * c);
    if (x2 == NULL) {
        return DLA_NO_MEMORY;
    }
    float *r = x2 + 2 * b * c, *gi = r + 2 * b * m, *zeros = gi + 2 * b * g3;
    memcpy(x2, u.gu, b * c * sizeof(float));
    memcpy(x2 + b * c, u.go, b * c * sizeof(float));
    memset(zeros, 0, b * c * sizeof(float));
    mlp_forward(&u.ih, x2, 2 * b, c, m, s.zi, r, gi, 0);
    memcpy(s.g, gi, b * g3 * sizeof(float));
    mlp_forward(&u.hh, u.h == NULL ? zeros : u.h, b, c, m, s.zh, r, s.g, 1);
    for (int64_t n = 0; n < b; n++) {
        gate_update(u.norm, s.g + n * g3, u.c == NULL ? NULL : u.c + n * c, c, s.g + n * g3, h_next + n * c,
                c_next + n * c);
    }
    float *ghd = gi; /* the forward path's rows of gi are spent: MLP_hh of sel(h') [rows][3C] */
    mlp_forward(&u.hh, h_next, u.rows, c, m, s.zhd, r, ghd, 0);
    for (int64_t n = 0; n < b; n++) {
        int64_t sel = u.sample_zero ? 0 : n;
        float *gd = s.gd + n * g3;
        for (int64_t q = 0; q < g3; q++) {
            gd[q] = gi[(b + n) * g3 + q] + ghd[sel * g3 + q];
        }
        gate_update(u.norm, gd, c_next + sel * c, c, gd, s.d + n * c, s.cd + n * c);
        for (int64_t q = 0; q < c; q++) {
            factor[n * c + q] = u.lambda[q] * s.d[n * c + q];
        }
    }
    free(x2);
    return DLA_OK;
}

/*
 * The backward pass of dla_terms_forward, from the gradients of its outputs: da [B][C / 32],
 * dfactor [B][C], dvalue and dshortcut [9][C] (dshortcut 0 in MRLA-L), and dh', dc' [B][C] (0 at
 * a stage's last unit). Writes dgu, dgo [B][C], dh, dc [B][C] (0 at the first unit) and the
 * unit's parameter gradients dwq, dwk [k], dλ [C], dWv [C][9]; adds to the stage's dDW [C][9] and
 * the DSU's eight gradients (dsu_grads_t, as dsu_t). The inputs are those of the forward pass,
 * with its outputs h', c' and saved.
 */
EXPORT int dla_terms_backward(int64_t gu_t, int64_t go_t, int64_t h_t, int64_t c_t, int64_t wq_t, int64_t wk_t,
        int64_t lambda_t, int64_t wv_t, int64_t dw_t, const int64_t *dsu_t, int64_t a_t, int64_t h_next_t,
        int64_t c_next_t, int64_t saved_t, int64_t da_t, int64_t dfactor_t, int64_t dvalue_t, int64_t dshortcut_t,
        int64_t dh_next_t, int64_t dc_next_t, int64_t dgu_t, int64_t dgo_t, int64_t dh_t, int64_t dc_t, int64_t dwq_t,
        int64_t dwk_t, int64_t dlambda_t, int64_t dwv_t, int64_t ddw_t, const int64_t *dsu_grads_t, int64_t batch,
        int64_t channels, int64_t hidden, int k, int norm, int sample_zero) {
    unit_terms u;
    int code = read_terms(&u, gu_t, go_t, h_t, c_t, wq_t, wk_t, lambda_t, wv_t, dw_t, dsu_t, batch, channels, hidden,
            k, norm, sample_zero);
    if (code != DLA_OK) {
        return code;
    }
    int64_t b = batch, c = channels, m = hidden, g3 = 3 * c, nh = c / HEAD_WIDTH;
    int64_t state[2] = {b, c}, heads[2] = {b, nh}, taps[1] = {TAPS * c}, kernel[4] = {c, 1, 3, 3};
    int64_t tapk[3] = {1, 1, k}, per_channel[3] = {c, 1, 1}, all[1] = {saved_size(b, c, m)};
    const float *a = dense(a_t, 2, heads), *saved = dense(saved_t, 1, all);
    const float *da = dense(da_t, 2, heads), *dfactor = dense(dfactor_t, 2, state), *dvalue = dense(dvalue_t, 1, taps);
    float *dgu = dense(dgu_t, 2, state), *dwq = dense(dwq_t, 3, tapk), *dwk = dense(dwk_t, 3, tapk);
    float *dlambda = dense(dlambda_t, 3, per_channel), *dwv = dense(dwv_t, 4, kernel);
    if (a == NULL || saved == NULL || da == NULL || dfactor == NULL || dvalue == NULL || dgu == NULL || dwq == NULL
            || dwk == NULL || dlambda == NULL || dwv == NULL) {
        return DLA_BAD_LAYOUT;
    }
    const float *dshortcut = NULL, *h_next = NULL, *c_next = NULL, *dh_next = NULL, *dc_next = NULL;
    float *dgo = NULL, *dh = NULL, *dc = NULL, *ddw = NULL;
    if (u.dla) {
        mlp *p[2] = {&u.ih, &u.hh};
        for (int i = 0; i < 2; i++) {
            if (read_perceptron(dsu_grads_t + 4 * i, c, m, p[i]->g) != DLA_OK) {
                return DLA_BAD_LAYOUT;
            }
        }
        dshortcut = dense(dshortcut_t, 1, taps);
        h_next = dense(h_next_t, 2, state);
        c_next = dense(c_next_t, 2, state);
        dh_next = dh_next_t == 0 ? NULL : dense(dh_next_t, 2, state);
        dc_next = dc_next_t == 0 ? NULL : dense(dc_next_t, 2, state);
        dgo = dense(dgo_t, 2, state);
        dh = dh_t == 0 ? NULL : dense(dh_t, 2, state);
        dc = dc_t == 0 ? NULL : dense(dc_t, 2, state);
        ddw = dense(ddw_t, 4, kernel);
        if (dshortcut == NULL || h_next == NULL || c_next == NULL || dgo == NULL || ddw == NULL
                || (dh_next_t != 0 && dh_next == NULL) || (dc_next_t != 0 && dc_next == NULL)
                || (dh_t != 0 && dh == NULL) || (dc_t != 0 && dc == NULL) || (dh_t == 0) != (u.h == NULL)
                || (dc_t == 0) != (u.c == NULL)) {
            return DLA_BAD_LAYOUT;
        }
    }
    saved_terms s;
    saved_layout((float *) saved, b, c, m, &s);
    /* the kernels and λ */
    for (int64_t q = 0; q < c; q++) {
        double sum = 0;
        for (int t = 0; t < TAPS; t++) {
            dwv[q * TAPS + t] = dvalue[t * c + q];
            if (u.dla) {
                ddw[q * TAPS + t] += dshortcut[t * c + q] * u.lambda[q];
                sum += (double) dshortcut[t * c + q] * u.dw[q * TAPS + t];
            }
        }
        for (int64_t n = 0; n < b; n++) {
            sum += u.dla ? (double) dfactor[n * c + q] * s.d[n * c + q] : dfactor[n * c + q];
        }
        dlambda[q] = (float) sum;
    }
    /* Q, K and the heads: dgu from them, dWq, dWk */
    int pad = (k - 1) / 2;
    float scale = (float) (1.0 / sqrt((double) HEAD_WIDTH));
    double *sq = calloc((size_t) 2 * k, sizeof(double));
    float *dq = malloc((size_t) 2 * c * sizeof(float));
    if (sq == NULL || dq == NULL) {
        free(sq);
        free(dq);
        return DLA_NO_MEMORY;
    }
    double *sk = sq + k;
    float *dk = dq + c;
    for (int64_t n = 0; n < b; n++) {
        const float *gx = u.gu + n * c, *qn = s.q + n * c, *kn = s.kk + n * c;
        for (int64_t head = 0; head < nh; head++) {
            float an = a[n * nh + head];
            float p = da[n * nh + head] * an * (1.0f - an) * scale;
            for (int64_t j = head * HEAD_WIDTH; j < (head + 1) * HEAD_WIDTH; j++) {
                dq[j] = p * kn[j];
                dk[j] = p * qn[j];
            }
        }
        float *dgn = dgu + n * c;
        memset(dgn, 0, c * sizeof(float));
        for (int64_t j = 0; j < c; j++) {
            for (int t = 0; t < k; t++) {
                int64_t at = j + t - pad;
                if (at >= 0 && at < c) {
                    sq[t] += (double) dq[j] * gx[at];
                    sk[t] += (double) dk[j] * gx[at];
                    dgn[at] += u.wq[t] * dq[j] + u.wk[t] * dk[j];
                }
            }
        }
    }
    for (int t = 0; t < k; t++) {
        dwq[t] = (float) sq[t];
        dwk[t] = (float) sk[t];
    }
    free(sq);
    free(dq);
    if (!u.dla) {
        return DLA_OK;
    }
    /* scratch: dgates of both paths [2B][3C], dh' and dc' [B][C] each, ReLU and dz rows [2B][m] each, [gu; go] */
    float *dg2 = scratch(2 * b * g3 + 2 * b * c + 4 * b * m + 2 * b * c + b * c);
    if (dg2 == NULL) {
        return DLA_NO_MEMORY;
    }
    float *dhn = dg2 + 2 * b * g3, *dcn = dhn + b * c, *r = dcn + b * c, *dz = r + 2 * b * m, *x2 = dz + 2 * b * m;
    float *zeros = x2 + 2 * b * c;
    float *dgd = dg2 + b * g3; /* the backward path's gates: rows B..2B-1, beside the forward path's */
    for (int64_t i = 0; i < b * c; i++) {
        dhn[i] = dh_next == NULL ? 0.0f : dh_next[i];
        dcn[i] = dc_next == NULL ? 0.0f : dc_next[i];
    }
    /* the backward path: d = norm(cd), cd = cell(gates gd, sel(c')) */
    float *dcd = zeros; /* [C] per sample, reused */
    for (int64_t n = 0; n < b; n++) {
        int64_t sel = u.sample_zero ? 0 : n;
        for (int64_t q = 0; q < c; q++) {
            float dd = dfactor[n * c + q] * u.lambda[q];
            dcd[q] = dd * norm_slope(u.norm, s.cd[n * c + q], s.d[n * c + q]);
        }
        cell_row_backward(s.gd + n * g3, c_next + sel * c, dcd, c, dgd + n * g3, dcn + sel * c);
    }
    /* MLP_hh of sel(h'): its rows' gates' gradients summed where shared */
    float *dghd = dgd;
    if (u.sample_zero) {
        dghd = x2; /* [1][3C] */
        memset(dghd, 0, g3 * sizeof(float));
        for (int64_t n = 0; n < b; n++) {
            for (int64_t q = 0; q < g3; q++) {
                dghd[q] += dgd[n * g3 + q];
            }
        }
    }
    mlp_backward(&u.hh, h_next, s.zhd, dghd, u.rows, c, m, r, dz, dhn, 1);
    /* the forward path: h' = norm(c'), c' = cell(gates g, c) */
    memset(zeros, 0, b * c * sizeof(float));
    for (int64_t n = 0; n < b; n++) {
        for (int64_t q = 0; q < c; q++) {
            int64_t i = n * c + q;
            dcn[i] += dhn[i] * norm_slope(u.norm, c_next[i], h_next[i]);
        }
        if (dc != NULL) {
            memset(dc + n * c, 0, c * sizeof(float));
        }
        cell_row_backward(s.g + n * g3, u.c == NULL ? NULL : u.c + n * c, dcn + n * c, c, dg2 + n * g3,
                dc == NULL ? NULL : dc + n * c);
    }
    mlp_backward(&u.hh, u.h == NULL ? zeros : u.h, s.zh, dg2, b, c, m, r, dz, dh, 0);
    /* MLP_ih of [gu; go], both paths at once */
    memcpy(x2, u.gu, b * c * sizeof(float));
    memcpy(x2 + b * c, u.go, b * c * sizeof(float));
    float *dx2 = dhn; /* dh' is spent: [2B][C] over dh' and dc' */
    mlp_backward(&u.ih, x2, s.zi, dg2, 2 * b, c, m, r, dz, dx2, 0);
    for (int64_t i = 0; i < b * c; i++) {
        dgu[i] += dx2[i];
        dgo[i] = dx2[b * c + i];
    }
    free(dg2);
    return DLA_OK;
}
