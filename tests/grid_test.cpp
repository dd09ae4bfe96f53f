// Tests for Grid: trial ids are row-major over (epochs, alpha, learning_rate, batch_size) with
// batch_size fastest, at() and trial_id() are inverse, and ids outside [0, size) throw.

#include "hypergrid/grid.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
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

// ---------------------------------------------------------------------------------------------
// Random mode: `samples` points, trial t drawn from (search seed, t) alone.

namespace {

using hypergrid::AxisRange;

/// Random mode over: epochs a list, alpha a log range [1e-5, 1e-1], learning_rate a linear range
/// [0.01, 0.5], batch_size an integer range [8, 64] (none with num: sampled continuously).
GridConfig random_axes(std::int64_t samples, std::uint64_t seed) {
    GridConfig axes;
    axes.epochs = {3, 10, 30};
    axes.ranges[1] = AxisRange{1e-5, 1e-1, true};
    axes.ranges[2] = AxisRange{0.01, 0.5, false};
    axes.ranges[3] = AxisRange{8, 64, false};
    axes.random = true;
    axes.samples = samples;
    axes.search_seed = seed;
    return axes;
}

bool same(const Hyperparameters& a, const Hyperparameters& b) {
    return a.epochs == b.epochs && a.alpha == b.alpha && a.learning_rate == b.learning_rate &&
           a.batch_size == b.batch_size;
}

/// The fraction of `samples` alpha draws below `threshold` for alpha in [1e-5, 1e-1] at `log` scale.
double fraction_below(bool log, double threshold, std::int64_t samples) {
    GridConfig axes = random_axes(samples, 2024);
    axes.ranges[1] = AxisRange{1e-5, 1e-1, log};
    const Grid grid(axes);
    std::int64_t below = 0;
    for (std::int64_t t = 0; t < grid.size(); ++t) below += grid.at(t).alpha < threshold;
    return static_cast<double>(below) / static_cast<double>(samples);
}

}  // namespace

TEST_CASE("random mode: size is samples, ids outside [0, samples) throw", "[grid]") {
    const Grid grid(random_axes(25, 1));
    CHECK(grid.random());
    CHECK(grid.size() == 25);
    CHECK_NOTHROW(grid.at(0));
    CHECK_NOTHROW(grid.at(24));
    CHECK_THROWS_AS(grid.at(25), std::out_of_range);
    CHECK_THROWS_AS(grid.at(-1), std::out_of_range);
    CHECK(Grid(random_axes(1, 1)).size() == 1);
    // The size does not depend on the axes' lengths.
    GridConfig lists = random_axes(7, 1);
    lists.alpha = {0.0, 0.1};
    lists.ranges[1].reset();
    CHECK(Grid(lists).size() == 7);
}

TEST_CASE("random mode: the same seed draws the same points, another seed others", "[grid]") {
    const Grid a(random_axes(200, 42));
    const Grid b(random_axes(200, 42));
    const Grid other(random_axes(200, 43));
    const Grid zero(random_axes(200, 0));
    int differ = 0, differ_zero = 0;
    for (std::int64_t t = 0; t < a.size(); ++t) {
        INFO("trial " << t << ": " << a.at(t));
        CHECK(same(a.at(t), b.at(t)));
        CHECK(same(a.at(t), a.at(t)));  // at() is a pure function of t
        differ += a.at(t).alpha != other.at(t).alpha && a.at(t).learning_rate != other.at(t).learning_rate;
        differ_zero += a.at(t).alpha != zero.at(t).alpha;
    }
    // Continuous axes: another seed changes (essentially) every point.
    CHECK(differ == 200);
    CHECK(differ_zero == 200);
    // Distinct trials of one seed are distinct points.
    std::vector<double> alphas;
    for (std::int64_t t = 0; t < a.size(); ++t) alphas.push_back(a.at(t).alpha);
    std::sort(alphas.begin(), alphas.end());
    CHECK(std::adjacent_find(alphas.begin(), alphas.end()) == alphas.end());
    // Trial t of one seed is not trial t+1 (or t-1) of a neighbouring seed.
    for (std::int64_t t = 1; t + 1 < a.size(); ++t) {
        CHECK(a.at(t).alpha != other.at(t + 1).alpha);
        CHECK(a.at(t).alpha != other.at(t - 1).alpha);
    }
}

TEST_CASE("random mode: trial t does not depend on the sample count", "[grid]") {
    const Grid small(random_axes(10, 5));
    const Grid large(random_axes(1000, 5));
    const Grid one(random_axes(6, 5));
    for (std::int64_t t = 0; t < small.size(); ++t) {
        INFO("trial " << t);
        CHECK(same(small.at(t), large.at(t)));
    }
    CHECK(same(small.at(5), large.at(5)));
    CHECK(same(one.at(5), large.at(5)));
}

TEST_CASE("random mode: draws lie within their ranges, integers are integers", "[grid]") {
    const GridConfig axes = random_axes(5000, 77);
    const Grid grid(axes);
    int lowest_batch = 1000, highest_batch = 0;
    for (std::int64_t t = 0; t < grid.size(); ++t) {
        const Hyperparameters h = grid.at(t);
        INFO("trial " << t << ": " << h);
        CHECK(h.alpha >= 1e-5);
        CHECK(h.alpha <= 1e-1);
        CHECK(h.learning_rate >= 0.01);
        CHECK(h.learning_rate <= 0.5);
        CHECK(h.batch_size >= 8);
        CHECK(h.batch_size <= 64);
        CHECK((h.epochs == 3 || h.epochs == 10 || h.epochs == 30));
        lowest_batch = std::min(lowest_batch, h.batch_size);
        highest_batch = std::max(highest_batch, h.batch_size);
    }
    // Every integer of [8, 64] is reachable, the endpoints included.
    CHECK(lowest_batch == 8);
    CHECK(highest_batch == 64);

    SECTION("integer log range: integers within [start, stop], every one reachable") {
        GridConfig log_axes = random_axes(5000, 3);
        log_axes.epochs.clear();
        log_axes.ranges[0] = AxisRange{1, 20, true};
        const Grid log_grid(log_axes);
        std::vector<int> counts(21, 0);
        for (std::int64_t t = 0; t < log_grid.size(); ++t) {
            const int epochs = log_grid.at(t).epochs;
            REQUIRE(epochs >= 1);
            REQUIRE(epochs <= 20);
            ++counts[static_cast<std::size_t>(epochs)];
        }
        for (int e = 1; e <= 20; ++e) {
            INFO("epochs " << e);
            CHECK(counts[static_cast<std::size_t>(e)] > 0);
        }
        CHECK(counts[2] > counts[19]);  // log-uniform favours the small end
    }
    SECTION("a one-point range always gives its value") {
        GridConfig point = random_axes(100, 3);
        point.ranges[2] = AxisRange{0.25, 0.25, false};
        point.ranges[1] = AxisRange{0.001, 0.001, true};
        const Grid point_grid(point);
        for (std::int64_t t = 0; t < point_grid.size(); ++t) {
            CHECK(point_grid.at(t).learning_rate == 0.25);
            CHECK(point_grid.at(t).alpha == Approx(0.001).epsilon(1e-12));
        }
    }
}

TEST_CASE("random mode: a log range is log-uniform, a linear range uniform", "[grid]") {
    // alpha in [1e-5, 1e-1]: 1e-3 is the middle in log scale, 1% of the way in linear scale.
    const double log_fraction = fraction_below(true, 1e-3, 20000);
    const double linear_fraction = fraction_below(false, 1e-3, 20000);
    CHECK(log_fraction == Approx(0.5).margin(0.02));
    CHECK(linear_fraction == Approx((1e-3 - 1e-5) / (1e-1 - 1e-5)).margin(0.003));
    // Each decade gets a quarter of the log draws.
    CHECK(fraction_below(true, 1e-4, 20000) == Approx(0.25).margin(0.02));
    CHECK(fraction_below(true, 1e-2, 20000) == Approx(0.75).margin(0.02));
    // Linear: the fraction below the midpoint is a half.
    CHECK(fraction_below(false, (1e-5 + 1e-1) / 2, 20000) == Approx(0.5).margin(0.02));
}

TEST_CASE("random mode: list axes give only their values, each about equally often", "[grid]") {
    GridConfig axes = random_axes(6000, 11);
    axes.alpha = {0.0, 1e-4, 1e-2};
    axes.ranges[1].reset();
    axes.batch_size = {16, 32, 64, 128};
    axes.ranges[3].reset();
    const Grid grid(axes);
    std::vector<int> epoch_counts(3, 0), alpha_counts(3, 0), batch_counts(4, 0);
    for (std::int64_t t = 0; t < grid.size(); ++t) {
        const Hyperparameters h = grid.at(t);
        INFO("trial " << t << ": " << h);
        const auto e = std::find(axes.epochs.begin(), axes.epochs.end(), h.epochs);
        const auto a = std::find(axes.alpha.begin(), axes.alpha.end(), h.alpha);
        const auto b = std::find(axes.batch_size.begin(), axes.batch_size.end(), h.batch_size);
        REQUIRE(e != axes.epochs.end());
        REQUIRE(a != axes.alpha.end());
        REQUIRE(b != axes.batch_size.end());
        ++epoch_counts[static_cast<std::size_t>(e - axes.epochs.begin())];
        ++alpha_counts[static_cast<std::size_t>(a - axes.alpha.begin())];
        ++batch_counts[static_cast<std::size_t>(b - axes.batch_size.begin())];
    }
    for (const int count : epoch_counts) CHECK(count == Approx(2000).margin(200));
    for (const int count : alpha_counts) CHECK(count == Approx(2000).margin(200));
    for (const int count : batch_counts) CHECK(count == Approx(1500).margin(150));

    SECTION("a single-value list always gives its value") {
        GridConfig single = axes;
        single.epochs = {4};
        const Grid single_grid(single);
        for (std::int64_t t = 0; t < 100; ++t) CHECK(single_grid.at(t).epochs == 4);
    }
    SECTION("a small sample still sees every value of a short list") {
        GridConfig few = axes;
        few.samples = 60;
        const Grid few_grid(few);
        std::vector<int> seen(4, 0);
        for (std::int64_t t = 0; t < few_grid.size(); ++t) {
            const int batch = few_grid.at(t).batch_size;
            ++seen[static_cast<std::size_t>(std::find(axes.batch_size.begin(), axes.batch_size.end(), batch) -
                                            axes.batch_size.begin())];
        }
        for (const int count : seen) CHECK(count > 0);
    }
}

TEST_CASE("random mode: a range with num draws among its points", "[grid]") {
    GridConfig axes = random_axes(3000, 8);
    axes.alpha = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1};  // as load_config expands { num = 5, scale = "log" }
    axes.epochs = {1, 5, 9};
    axes.ranges[0] = AxisRange{1, 9, false};
    const Grid grid(axes);
    std::vector<int> alpha_seen(5, 0), epochs_seen(3, 0);
    for (std::int64_t t = 0; t < grid.size(); ++t) {
        const Hyperparameters h = grid.at(t);
        const auto a = std::find(axes.alpha.begin(), axes.alpha.end(), h.alpha);
        const auto e = std::find(axes.epochs.begin(), axes.epochs.end(), h.epochs);
        INFO("trial " << t << ": " << h);
        REQUIRE(a != axes.alpha.end());
        REQUIRE(e != axes.epochs.end());
        ++alpha_seen[static_cast<std::size_t>(a - axes.alpha.begin())];
        ++epochs_seen[static_cast<std::size_t>(e - axes.epochs.begin())];
    }
    for (const int count : alpha_seen) CHECK(count == Approx(600).margin(100));
    for (const int count : epochs_seen) CHECK(count == Approx(1000).margin(120));
}

TEST_CASE("random mode: the axes are drawn independently", "[grid]") {
    // Two uniform ranges: the draws of one axis do not predict the other's (correlation near 0),
    // and each half of one axis sees both halves of the other.
    GridConfig axes = random_axes(20000, 99);
    axes.ranges[1] = AxisRange{0.0, 1.0, false};
    axes.ranges[2] = AxisRange{0.0, 1.0, false};
    const Grid grid(axes);
    double sa = 0, sl = 0, saa = 0, sll = 0, sal = 0;
    const double n = static_cast<double>(grid.size());
    for (std::int64_t t = 0; t < grid.size(); ++t) {
        const Hyperparameters h = grid.at(t);
        sa += h.alpha;
        sl += h.learning_rate;
        saa += h.alpha * h.alpha;
        sll += h.learning_rate * h.learning_rate;
        sal += h.alpha * h.learning_rate;
    }
    const double cov = sal / n - (sa / n) * (sl / n);
    const double corr = cov / std::sqrt((saa / n - sa * sa / n / n) * (sll / n - sl * sl / n / n));
    CHECK(std::abs(corr) < 0.03);
    CHECK(sa / n == Approx(0.5).margin(0.01));
    CHECK(sl / n == Approx(0.5).margin(0.01));
}
