#pragma once
// The kernel tables this binary holds, one per CPU level, each defined in its own file
// (src/kernels/level_<name>.cpp) and compiled with that level's -march.

#include "hypergrid/kernels.hpp"

namespace hypergrid::kernels {
#if defined(HYPERGRID_KERNELS_X86_LEVELS)
namespace v4 { extern const Table table; }
namespace v4_bf16 { extern const Table table; }   // v4, the SGD step in bfloat16 (AVX512_BF16)
namespace amx_bf16 { extern const Table table; }  // v4, the SGD step in bfloat16 on AMX tiles
namespace v3 { extern const Table table; }
#endif
namespace baseline { extern const Table table; }
namespace reference { extern const Table table; }
}  // namespace hypergrid::kernels
