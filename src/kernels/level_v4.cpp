// The kernels for x86-64-v4: AVX-512 (CMakeLists.txt compiles this file with -march=x86-64-v4).
#define HYPERGRID_KERNEL_LEVEL v4
#include "kernels/vector_kernels.inl"
