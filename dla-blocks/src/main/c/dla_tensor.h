/*
 * What the fused kernels share (dla-zoo, Apache-2.0): the libtorch functions resolved by dla_init
 * in dla_kernels.c, the layout checks every kernel runs before it touches a tensor's memory, and
 * the vector types and code clones of the streaming and register-blocked loops.
 */
#ifndef DLA_TENSOR_H
#define DLA_TENSOR_H

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
