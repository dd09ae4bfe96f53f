// The kernels for the x86-64 baseline, SSE2 without FMA (or whatever the target's baseline is off x86-64).
#define HYPERGRID_KERNEL_LEVEL baseline
#include "kernels/vector_kernels.inl"
