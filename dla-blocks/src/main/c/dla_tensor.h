/*
 * What the fused kernels share (dla-zoo, Apache-2.0): the libtorch functions resolved by dla_init
 * in dla_kernels.c, the layout checks every kernel runs before it touches a tensor's memory, and
 * the vector types and code clones of the streaming and register-blocked loops.
 */
#ifndef DLA_TENSOR_H
#define DLA_TENSOR_H

#include <math.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/*
 * The register-blocked loops, in AVX-512 (32 vector registers) and AVX2 + FMA versions chosen at
 * load time where the CPU has them, and a baseline x86-64 version.
 */
#define HOT_AVX2 __attribute__((target_clones("arch=x86-64-v3", "default")))
#define TARGET_AVX512 __attribute__((target("arch=x86-64-v4")))

/* Eight floats; in the default clone GCC splits them into two SSE registers. */
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

typedef int v8i __attribute__((vector_size(32)));
/* Sixteen floats: one AVX-512 register, two AVX2 registers (two independent chains), four SSE. */
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

#define load16(p) (*(const v16u *) (p))
#define store16(p, v) (*(v16u *) (p) = (v))

#define load8(p) (*(const v8u *) (p))
#define store8(p, v) (*(v8u *) (p) = (v))

/* Whether the CPU runs the AVX-512 versions (16 lanes) of the register-blocked loops; set by dla_init. */
extern int wide;

/* Whether the CPU has AVX2 and FMA; set by dla_init. */
extern int avx2;

#define INLINE static inline __attribute__((always_inline))

/*
 * e^x, eight at a time: x = n·ln 2 + r with |r| <= ln 2 / 2, Cephes' degree-6 polynomial for e^r
 * (relative error about 1e-7) and 2^n from the exponent bits. NaN stays NaN; the range is clamped
 * to what float holds.
 */
/* a where the mask is set, b elsewhere. */
INLINE v8 select8(v8i mask, v8 a, v8 b) { return (v8) ((mask & (v8i) a) | (~mask & (v8i) b)); }

INLINE v8 exp8(v8 x) {
    v8 zero = {0};
    x = select8(x > 88.3762626647949f, zero + 88.3762626647949f, x);
    x = select8(x < -87.3365447504f, zero - 87.3365447504f, x);
    v8 t = x * 1.44269504088896341f + 12582912.0f; /* 1.5 · 2^23: rounds x·log2 e to an integer */
    v8 n = t - 12582912.0f;
    v8 r = x - n * 0.693359375f + n * 2.12194440e-4f;
    v8 p = (v8) {0} + 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
    return p * (v8) bits;
}

INLINE v8 sigmoid8(v8 x) { return 1.0f / (1.0f + exp8(-x)); }

/* σ(v) of one float, with libm's expf. */
INLINE float sigmoid1(float v) { return 1.0f / (1.0f + expf(-v)); }

INLINE v8 tanh8(v8 x) { return 2.0f / (1.0f + exp8(-2.0f * x)) - 1.0f; }

/*
 * c' = σ(f)·c + σ(i)·tanh(g) and h' = norm(c') (0 sigmoid, 1 identity, 2 tanh, 3 ReLU) for one
 * sample's gates (i, f, g) [3C], C a multiple of 8; c NULL for zeros; σ(i), σ(f), tanh(g) written
 * to act [3C] where it is not NULL (it may be the gates), c' to c_out where it is not NULL.
 */
void gate_update(int norm, const float *gates, const float *c, int64_t ch, float *act, float *h_out, float *c_out);

#define HEAD_WIDTH 32
#define TAPS 9

/* Error codes returned to Java. */
#define DLA_OK 0
#define DLA_NOT_INITIALISED -1
#define DLA_BAD_LAYOUT -2
#define DLA_NO_MEMORY -3
#define DLA_BAD_ARGUMENT -4

typedef float *(*data_ptr_fn)(const void *tensor);
typedef int64_t (*stride_fn)(const void *tensor, int64_t dim);
/* Returns a reference to the tensor's std::shared_ptr<Node>, whose first word is the Node. */
typedef const void *const *(*grad_fn_fn)(const void *tensor);

/*
 * TensorBase::data_ptr<float>(), the operator stride.int and TensorBase::grad_fn(), or NULL
 * before dla_init succeeded.
 */
extern data_ptr_fn tensor_data;
extern stride_fn tensor_stride;
extern grad_fn_fn tensor_grad_fn;

/* The address of a channels-last [n, c, h, w] float map, or NULL if its strides differ. */
float *channels_last(const void *t, int64_t n, int64_t c, int64_t h, int64_t w);

/* The address of a row-major [n, c] float matrix, or NULL if its strides differ. */
float *row_major(const void *t, int64_t n, int64_t c);

/* The address of a dense float vector, or NULL if its stride is not 1. */
float *vector(const void *t);

#endif
