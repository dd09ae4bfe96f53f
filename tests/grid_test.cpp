// Tests for Grid: trial ids are row-major over (epochs, alpha, learning_rate, batch_size) with
// batch_size fastest, at() and trial_id() are inverse, and ids outside [0, size) throw.

#include "hypergrid/grid.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <vector>

using hypergrid::Grid;
using hypergrid::GridConfig;
using hypergrid::Hyperparameters;

namespace {

// 3 x 2 x 4 x 5 = 120 trials; every axis value is distinct so a value identifies its index.
GridConfig axes_3x2x4x5() { return {{20, 5, 10}, {0.0, 0.01}, {0.5, 0.1, 0.05, 0.01}, {1, 8, 32, 16, 64}}; }

template <class T>
std::size_t index_of(const std::vector<T>& axis, T value) {
    const auto it = std::find(axis.begin(), axis.end(), value);
    REQUIRE(it != axis.end());
    return static_cast<std::size_t>(std::distance(axis.begin(), it));
}

}  // namespace

TEST_CASE("grid size is the product of the axis lengths", "[grid]") {
    CHECK(Grid(axes_3x2x4x5()).size() == 120);
    CHECK(Grid({{1}, {0.0}, {0.1}, {10}}).size() == 1);
    CHECK(Grid({{1, 2}, {0.0}, {0.1}, {}}).size() == 0);
}

TEST_CASE("trial ids are row-major with batch_size varying fastest", "[grid]") {
    const GridConfig axes = axes_3x2x4x5();
    const Grid grid(axes);
    std::int64_t id = 0;  // counts in nested-loop order: epochs outermost, batch_size innermost
    for (std::size_t e = 0; e < axes.epochs.size(); ++e)
        for (std::size_t a = 0; a < axes.alpha.size(); ++a)
            for (std::size_t l = 0; l < axes.learning_rate.size(); ++l)
                for (std::size_t b = 0; b < axes.batch_size.size(); ++b, ++id) {
                    INFO("trial " << id);
                    CHECK(grid.trial_id(e, a, l, b) == id);
                    const Hyperparameters h = grid.at(id);
                    CHECK(h.epochs == axes.epochs[e]);
                    CHECK(h.alpha == axes.alpha[a]);
                    CHECK(h.learning_rate == axes.learning_rate[l]);
                    CHECK(h.batch_size == axes.batch_size[b]);
                }
    CHECK(id == grid.size());

    SECTION("hand-checked ids") {
        // id = ((e * 2 + a) * 4 + l) * 5 + b
        const Hyperparameters first = grid.at(0);
        CHECK(first.epochs == 20);
        CHECK(first.alpha == 0.0);
        CHECK(first.learning_rate == 0.5);
        CHECK(first.batch_size == 1);
        CHECK(grid.at(1).batch_size == 8);      // next batch size, same everything else
        CHECK(grid.at(1).learning_rate == 0.5);
        CHECK(grid.at(5).batch_size == 1);      // batch axis wrapped: next learning rate
        CHECK(grid.at(5).learning_rate == 0.1);
        CHECK(grid.at(20).alpha == 0.01);       // 4 x 5 trials per alpha
        CHECK(grid.at(20).learning_rate == 0.5);
        CHECK(grid.at(40).epochs == 5);         // 2 x 4 x 5 trials per epoch count
        CHECK(grid.at(40).alpha == 0.0);
        const Hyperparameters last = grid.at(119);
        CHECK(last.epochs == 10);
        CHECK(last.alpha == 0.01);
        CHECK(last.learning_rate == 0.01);
        CHECK(last.batch_size == 64);
        CHECK(grid.trial_id(1, 1, 2, 3) == 73);  // ((1*2+1)*4+2)*5+3
    }
}

TEST_CASE("at() and trial_id() round-trip for every id", "[grid]") {
    const GridConfig axes = axes_3x2x4x5();
    const Grid grid(axes);
    for (std::int64_t id = 0; id < grid.size(); ++id) {
        INFO("trial " << id);
        const Hyperparameters h = grid.at(id);
        CHECK(grid.trial_id(index_of(axes.epochs, h.epochs), index_of(axes.alpha, h.alpha),
                            index_of(axes.learning_rate, h.learning_rate), index_of(axes.batch_size, h.batch_size)) ==
              id);
    }
}

TEST_CASE("trial ids outside [0, size) throw", "[grid]") {
    const Grid grid(axes_3x2x4x5());
    CHECK_THROWS_AS(grid.at(-1), std::out_of_range);
    CHECK_THROWS_AS(grid.at(120), std::out_of_range);
    CHECK_THROWS_AS(grid.at(1000000), std::out_of_range);
    CHECK_NOTHROW(grid.at(119));

    const Grid empty({{1, 2}, {0.0}, {0.1}, {}});
    CHECK_THROWS_AS(empty.at(0), std::out_of_range);
}
