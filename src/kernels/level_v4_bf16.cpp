// The kernels for x86-64-v4 with AVX512_BF16: the SGD step's products in bfloat16 ([run] precision =
// "bf16", bf16_products.inl); evaluations as v4's. CMakeLists.txt compiles this file with
// -march=x86-64-v4 -mavx512bf16.
#define HYPERGRID_KERNEL_LEVEL v4_bf16
#define HYPERGRID_KERNEL_BF16 1
#include "kernels/vector_kernels.inl"
