// The kernels for x86-64-v3: AVX2 + FMA (CMakeLists.txt compiles this file with -march=x86-64-v3).
#define HYPERGRID_KERNEL_LEVEL v3
#include "kernels/vector_kernels.inl"
