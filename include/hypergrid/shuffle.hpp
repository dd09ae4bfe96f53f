#pragma once
/// @file shuffle.hpp
/// The order in which an epoch visits the training set: a function of (seed, epoch) alone, shared by
/// every trial (common random numbers), so results never depend on the rank that trains them.
///
/// Specification (reimplemented by the reference scripts, keep them in sync):
///   mix(z)   = z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^ (z >> 31)
///   state    = mix(seed ^ mix(epoch + 1))                        (all arithmetic modulo 2^64)
///   next()   = state += 0x9E3779B97F4A7C15; return mix(state)   (SplitMix64)
///   perm     = [0, 1, ..., n-1]; for i = n-1 down to 1: j = (next() * (i + 1)) >> 64; swap(perm[i], perm[j])
/// Epochs are numbered from 0.

#include <cstdint>
#include <vector>

namespace hypergrid {

/// SplitMix64's finaliser.
inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// The permutation of [0, n) that epoch `epoch` visits, per the specification above.
std::vector<std::uint32_t> epoch_permutation(std::uint64_t seed, std::int64_t epoch, std::int64_t n);

}  // namespace hypergrid
