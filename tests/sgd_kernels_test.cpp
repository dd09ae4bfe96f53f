// Tests for the update's skipping of examples whose features are 0 over a block of weight rows
// (src/sgd_kernels.hpp): which examples each block lists, and that leaving them out changes no bits.

#include "sgd_kernels.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

using namespace hypergrid;
using namespace hypergrid::testing;

namespace {

/// n examples of d features, zero the way images are: each group of 8 features is all 0 with
/// probability 0.4, and otherwise each feature with probability 0.5 (a tenth of the zeros written -0).
std::vector<float> sparse_features(std::int64_t n, std::int64_t d, std::uint64_t seed) {
    TestRandom random(seed);
    std::vector<float> x(static_cast<std::size_t>(n * d));
    for (std::int64_t e = 0; e < n; ++e)
        for (std::int64_t k = 0; k < d; k += 8) {
            const bool blank = random.uniform() < 0.4;
            for (std::int64_t j = k; j < std::min(d, k + 8); ++j) {
                const double draw = random.uniform();
                float& value = x[static_cast<std::size_t>(e * d + j)];
                value = blank || draw < 0.5 ? (draw < 0.05 ? -0.0F : 0.0F) : static_cast<float>(random.normal());
            }
        }
    return x;
}

/// m distinct example ids out of n, in a scrambled order.
std::vector<std::uint32_t> pick_batch(std::int64_t n, std::int64_t m, std::uint64_t seed) {
    TestRandom random(seed);
    std::vector<std::uint32_t> ids(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = ids.size() - 1; i > 0; --i) std::swap(ids[i], ids[random.next() % (i + 1)]);
    ids.resize(static_cast<std::size_t>(m));
    return ids;
}

/// Whether example `e` has a nonzero feature in the groups of 8 that features [first, last) touch.
bool nonzero_in_groups(const std::vector<float>& x, std::int64_t d, std::uint32_t e, std::int64_t first,
                       std::int64_t last) {
    for (std::int64_t k = first / 8 * 8; k < std::min(d, (last - 1) / 8 * 8 + 8); ++k)
        if (x[static_cast<std::size_t>(e * d + k)] != 0) return true;
    return false;
}

template <int R>
void check_lists(const std::vector<float>& x, std::int64_t n, std::int64_t d, std::int64_t m) {
    INFO("blocks of " << R << " rows, " << d << " features, batch of " << m);
    std::vector<std::uint64_t> flags, masks;
    std::vector<std::uint32_t> lists;
    kernels::mark_nonzero_groups(x.data(), n, d, flags);
    const std::vector<std::uint32_t> batch = pick_batch(n, m, static_cast<std::uint64_t>(d * 1000 + m));
    kernels::list_nonzero_examples<R>(flags.data(), d, batch.data(), m, masks, lists);
    std::int64_t listed = 0;
    for (std::int64_t k = 0; k < d; k += R) {
        INFO("block from row " << k);
        std::vector<std::uint32_t> expected;
        for (std::int64_t i = 0; i < m; ++i)
            if (nonzero_in_groups(x, d, batch[static_cast<std::size_t>(i)], k, std::min(k + R, d)))
                expected.push_back(static_cast<std::uint32_t>(i));
        const std::uint32_t* list = lists.data() + k / R * (m + 1);
        CHECK(std::vector<std::uint32_t>(list + 1, list + 1 + list[0]) == expected);
        listed += list[0];
    }
    if (m * ((d + R - 1) / R) >= 50) {       // enough blocks that
        CHECK(listed > 0);                    // some examples are listed
        CHECK(listed < m * ((d + R - 1) / R));  // and some left out
    }
}

/// Every group of 8 features marked nonzero: the update then visits every example.
std::vector<std::uint64_t> all_marked(std::int64_t n, std::int64_t d) {
    return std::vector<std::uint64_t>(static_cast<std::size_t>(n * kernels::group_words(d)), ~std::uint64_t{0});
}

}  // namespace

TEST_CASE("each block of weight rows lists the batch's examples not all 0 there, in order", "[kernels]") {
    const std::int64_t n = 300;
    for (const std::int64_t d : {5, 21, 64, 530}) {  // partial groups; more than 64 groups takes two flag words
        const std::vector<float> x = sparse_features(n, d, static_cast<std::uint64_t>(d));
        for (const std::int64_t m : {1, 7, 16, 64, 70, 130}) {  // several mask words past 64
            check_lists<8>(x, n, d, m);
            check_lists<6>(x, n, d, m);
            check_lists<3>(x, n, d, m);
        }
    }
}

TEST_CASE("leaving out the examples that are 0 over a block changes no bit of the update", "[kernels]") {
    const std::int64_t n = 200, d = 37;
    const std::vector<float> x = sparse_features(n, d, 3);
    std::vector<std::uint64_t> flags, masks;
    std::vector<std::uint32_t> lists;
    kernels::mark_nonzero_groups(x.data(), n, d, flags);
    const std::vector<std::uint64_t> every = all_marked(n, d);
    TestRandom random(9);
    for (const std::int64_t vectors : {1, 2, 3, 4, 5, 7}) {  // every panel width and their mixes
        const std::int64_t P = vectors * kernels::kLanes;
        for (const std::int64_t m : {5, 32, 67}) {
            INFO(P << " columns, batch of " << m);
            const std::vector<std::uint32_t> batch = pick_batch(n, m, static_cast<std::uint64_t>(P + m));
            std::vector<float> W(static_cast<std::size_t>(d * P)), decay(static_cast<std::size_t>(P)),
                G(static_cast<std::size_t>(m * P));
            for (float& w : W) w = static_cast<float>(random.normal());
            for (float& s : decay) s = static_cast<float>(1 - 0.01 * random.uniform());
            for (float& g : G) g = static_cast<float>(0.1 * random.normal());
            std::vector<float> skipping = W, visiting_all = W;
            const kernels::IndexedRows rows{x.data(), d, batch.data()};
            kernels::update_weights(skipping.data(), decay.data(), rows, G.data(), d, P, m, flags.data(), masks, lists);
            kernels::update_weights(visiting_all.data(), decay.data(), rows, G.data(), d, P, m, every.data(), masks,
                                    lists);
            CHECK(skipping == visiting_all);
            CHECK(skipping != W);
        }
    }
}
