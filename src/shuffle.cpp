#include "hypergrid/shuffle.hpp"

#include <numeric>
#include <utility>

namespace hypergrid {

std::vector<std::uint32_t> epoch_permutation(std::uint64_t seed, std::int64_t epoch, std::int64_t n) {
    std::uint64_t state = mix64(seed ^ mix64(static_cast<std::uint64_t>(epoch) + 1));
    std::vector<std::uint32_t> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0U);
    for (std::int64_t i = n - 1; i >= 1; --i) {
        state += 0x9E3779B97F4A7C15ULL;
        // Lemire's multiply-high maps a 64-bit draw onto [0, i]; the bias is below n / 2^64.
        const auto j = static_cast<std::int64_t>(
            (static_cast<unsigned __int128>(mix64(state)) * static_cast<unsigned __int128>(i + 1)) >> 64);
        std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
    }
    return perm;
}

}  // namespace hypergrid
