// Tests for the pure planning decisions: packing the grid into units of work, cutting them into
// relay legs across ranks (and longest-first assignment, which shards use), and picking the best result.

#include "hypergrid/plan.hpp"
#include "hypergrid/plan_report.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using namespace hypergrid;
using hypergrid::testing::make_result;
using hypergrid::testing::TestRandom;

namespace {

// 3 epoch counts (unsorted), 3 x 3 = 9 (alpha, learning_rate) pairs, 2 batch sizes: 54 trials.
GridConfig plan_axes() { return {{20, 5, 10}, {0.0, 0.001, 0.01}, {0.3, 0.1, 0.03}, {64, 16}}; }

constexpr std::int64_t kExamples = 1000;
constexpr int kClasses = 10;

/// Every unit of the plan, in full.
std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t examples,
                                 std::int64_t min_units = 1, const WorkFilter& filter = {}) {
    const WorkPlan plan(grid, kClasses, models_per_unit, examples, Packing{min_units, 0}, filter);
    REQUIRE(plan.costs().size() == plan.size());
    std::vector<WorkUnit> units;
    for (std::size_t u = 0; u < plan.size(); ++u) {
        units.push_back(plan.unit(u));
        CHECK(units.back().cost == plan.costs()[u]);
    }
    return units;
}

/// Every unit of the plan for `ranks` ranks (packing_for), in full.
std::vector<WorkUnit> units_for_ranks(const Grid& grid, int models_per_unit, int ranks) {
    const WorkPlan plan(grid, kClasses, models_per_unit, kExamples, packing_for(ranks));
    std::vector<WorkUnit> units;
    for (std::size_t u = 0; u < plan.size(); ++u) units.push_back(plan.unit(u));
    return units;
}

/// Checks that two packings hold the same units: the same models, trials and checkpoints, in order.
void check_same_units(const std::vector<WorkUnit>& a, const std::vector<WorkUnit>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t u = 0; u < a.size(); ++u) {
        INFO("unit " << u);
        CHECK(a[u].trials == b[u].trials);
        CHECK(a[u].alphas == b[u].alphas);
        CHECK(a[u].learning_rates == b[u].learning_rates);
        CHECK(a[u].batch_size == b[u].batch_size);
        CHECK(a[u].checkpoints == b[u].checkpoints);
    }
}

/// A unit's width in models, padded to whole kPlanLanes vectors of columns.
double padded_models(std::size_t models, int classes = kClasses) {
    const auto lanes = static_cast<std::size_t>(kPlanLanes);
    return static_cast<double>((models * static_cast<std::size_t>(classes) + lanes - 1) / lanes * lanes) / classes;
}

/// Checks that the units answer every trial of the grid exactly once, with the right hyperparameters.
void check_covers_grid(const Grid& grid, const std::vector<WorkUnit>& units) {
    std::vector<int> seen(static_cast<std::size_t>(grid.size()), 0);
    for (std::size_t u = 0; u < units.size(); ++u) {
        const WorkUnit& unit = units[u];
        REQUIRE(unit.learning_rates.size() == unit.model_count());
        REQUIRE(unit.trials.size() == unit.model_count());
        for (std::size_t m = 0; m < unit.model_count(); ++m) {
            REQUIRE(unit.trials[m].size() == unit.checkpoints.size());
            for (std::size_t k = 0; k < unit.checkpoints.size(); ++k) {
                const std::int64_t id = unit.trials[m][k];
                INFO("unit " << u << " model " << m << " checkpoint " << k << " trial " << id);
                REQUIRE(id >= 0);
                REQUIRE(id < grid.size());
                ++seen[static_cast<std::size_t>(id)];
                const Hyperparameters h = grid.at(id);
                CHECK(h.epochs == unit.checkpoints[k]);
                CHECK(h.alpha == unit.alphas[m]);
                CHECK(h.learning_rate == unit.learning_rates[m]);
                CHECK(h.batch_size == unit.batch_size);
            }
        }
    }
    for (std::size_t id = 0; id < seen.size(); ++id) {
        INFO("trial " << id);
        CHECK(seen[id] == 1);
    }
}

/// A unit's cost as plan.hpp defines it: the model-epoch cost of its padded width, plus the per-unit
/// overhead, over every example.
double expected_cost(const WorkUnit& unit) {
    return (model_epoch_cost(unit.epochs(), unit.batch_size) * padded_models(unit.model_count()) +
            unit.epochs() * kUnitOverhead) * static_cast<double>(kExamples);
}

/// Brute force over every split of `models` into `chunks` chunks of 1..limit models with at most two
/// distinct sizes: the fewest padded vectors, and the smallest spread (largest - smallest chunk)
/// among the splits that need that few.
std::pair<std::size_t, std::size_t> best_split(std::size_t models, std::size_t chunks, std::size_t limit, int classes) {
    std::pair<std::size_t, std::size_t> best{SIZE_MAX, SIZE_MAX};
    std::vector<std::size_t> sizes;
    auto vectors = [&](std::size_t m) { return (m * static_cast<std::size_t>(classes) + kPlanLanes - 1) / kPlanLanes; };
    std::function<void(std::size_t, std::size_t)> search = [&](std::size_t left, std::size_t most) {
        if (sizes.size() == chunks) {
            if (left != 0 || std::set<std::size_t>(sizes.begin(), sizes.end()).size() > 2) return;
            std::size_t total = 0;
            for (const std::size_t m : sizes) total += vectors(m);
            best = std::min(best, {total, sizes.front() - sizes.back()});
            return;
        }
        for (std::size_t m = std::min(most, left); m >= 1; --m) {  // non-increasing sizes
            sizes.push_back(m);
            search(left - m, m);
            sizes.pop_back();
        }
    };
    search(models, limit);
    return best;
}

double max_of(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

/// Cost vectors the assignment tests run over.
std::vector<std::vector<double>> cost_vectors() {
    std::vector<std::vector<double>> vectors;
    vectors.push_back(std::vector<double>(20, 1.0));  // equal
    TestRandom random(42);
    std::vector<double> uneven(37);
    for (double& cost : uneven) cost = random.uniform(1.0, 100.0);
    vectors.push_back(uneven);
    std::vector<double> huge(30, 1.0);
    huge[17] = 1000.0;  // one unit dwarfs the rest
    vectors.push_back(huge);
    vectors.push_back({5.0});  // a single unit
    return vectors;
}

}  // namespace

TEST_CASE("make_units covers every trial exactly once", "[plan]") {
    const Grid grid(plan_axes());
    for (const int per_unit : {1, 2, 4, 9, 100}) {
        INFO("models_per_unit " << per_unit);
        check_covers_grid(grid, make_units(grid, per_unit, kExamples));
        for (int ranks = 1; ranks <= 64; ++ranks) {  // however many units the rank count asks for
            INFO(ranks << " ranks");
            check_covers_grid(grid, make_units(grid, per_unit, kExamples, 3 * ranks));
            check_covers_grid(grid, units_for_ranks(grid, per_unit, ranks));
        }
    }
    const Grid single({{3}, {0.0}, {0.1}, {8}});
    check_covers_grid(single, make_units(single, 9, kExamples));
}

TEST_CASE("make_units orders checkpoints ascending whatever the epochs axis order", "[plan]") {
    const Grid grid(plan_axes());  // epochs written as 20, 5, 10
    const std::vector<WorkUnit> units = make_units(grid, 4, kExamples);
    REQUIRE(!units.empty());
    for (const WorkUnit& unit : units) {
        CHECK(unit.checkpoints == std::vector<int>{5, 10, 20});
        CHECK(unit.epochs() == 20);
    }
}

TEST_CASE("unit_cost counts the padded width and the per-unit overhead", "[plan]") {
    CHECK(unit_cost(20, 64, 3, 10) == Approx(model_epoch_cost(20, 64) * 3.2 + 20 * kUnitOverhead));  // 30 -> 32 columns
    CHECK(unit_cost(20, 64, 8, 10) == Approx(model_epoch_cost(20, 64) * 8 + 20 * kUnitOverhead));    // 80 columns: no padding
    CHECK(unit_cost(5, 32, 1, 3) == Approx(model_epoch_cost(5, 32) * 16.0 / 3 + 5 * kUnitOverhead));
}

TEST_CASE("chunk_sizes wastes the fewest padded columns, then splits most evenly", "[plan]") {
    CHECK(chunk_sizes(9, 2, 9, 10) == std::vector<std::size_t>{6, 3});  // 64 + 32 columns, not 64 + 48
    CHECK(chunk_sizes(9, 1, 9, 10) == std::vector<std::size_t>{9});
    CHECK(chunk_sizes(9, 3, 9, 10) == std::vector<std::size_t>{3, 3, 3});
    CHECK(chunk_sizes(9, 2, 9, 3) == std::vector<std::size_t>{5, 4});  // 3 classes: 16 + 16 columns
    CHECK(chunk_sizes(5, 5, 9, 10) == std::vector<std::size_t>(5, 1));
    CHECK_THROWS_AS(chunk_sizes(10, 1, 9, 10), std::invalid_argument);  // 10 models fit no chunk of at most 9
    // Huge groups and limits: sizes near the mean only, so the search stays small.
    const std::vector<std::size_t> huge = chunk_sizes(1000003, 3, 1000000, 10);
    CHECK(std::accumulate(huge.begin(), huge.end(), std::size_t{0}) == 1000003);
    CHECK(huge.front() - huge.back() <= static_cast<std::size_t>(2 * kPlanLanes));
    for (const int classes : {1, 2, 3, 5, 7, 10, 16, 33})
        for (std::size_t models = 1; models <= 20; ++models)
            for (std::size_t limit = 1; limit <= 12; ++limit)
                for (std::size_t chunks = (models + limit - 1) / limit; chunks <= models; ++chunks) {
                    INFO(models << " models in " << chunks << " chunks of at most " << limit << ", " << classes << " classes");
                    const std::vector<std::size_t> sizes = chunk_sizes(models, chunks, limit, classes);
                    REQUIRE(sizes.size() == chunks);
                    CHECK(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}) == models);
                    CHECK(std::is_sorted(sizes.rbegin(), sizes.rend()));  // largest first
                    CHECK(sizes.back() >= 1);
                    CHECK(sizes.front() <= limit);
                    std::size_t vectors = 0;
                    for (const std::size_t m : sizes) vectors += (m * static_cast<std::size_t>(classes) + kPlanLanes - 1) / kPlanLanes;
                    // The best split into at most two sizes, so never worse than near-equal sizes.
                    CHECK(std::set<std::size_t>(sizes.begin(), sizes.end()).size() <= 2);
                    CHECK(std::pair<std::size_t, std::size_t>{vectors, sizes.front() - sizes.back()} ==
                          best_split(models, chunks, limit, classes));
                }
}

TEST_CASE("make_units packs each batch size's pairs in consecutive chunks sized by chunk_sizes", "[plan]") {
    const GridConfig axes = plan_axes();
    const Grid grid(axes);

    SECTION("9 pairs, at most 4 a unit: three units of 3 per batch size") {
        const std::vector<WorkUnit> units = make_units(grid, 4, kExamples);
        REQUIRE(units.size() == 6);
        const std::vector<int> batches{64, 64, 64, 16, 16, 16};  // batch-size axis order
        for (std::size_t u = 0; u < units.size(); ++u) {
            INFO("unit " << u);
            CHECK(units[u].model_count() == 3);
            CHECK(units[u].batch_size == batches[u]);
            // 3 models x 10 classes fill 32 columns: 3.2 models' worth of work.
            CHECK(units[u].cost == Approx((model_epoch_cost(20, batches[u]) * 3.2 + 20 * kUnitOverhead) * kExamples).epsilon(1e-12));
        }
    }
    for (const int per_unit : {1, 2, 3, 4, 5, 8, 9, 10, 1000}) {
        INFO("models_per_unit " << per_unit);
        const std::vector<WorkUnit> units = make_units(grid, per_unit, kExamples);
        const std::size_t chunks = (9 + static_cast<std::size_t>(per_unit) - 1) / static_cast<std::size_t>(per_unit);
        REQUIRE(units.size() == 2 * std::min<std::size_t>(chunks, 9));  // the fewest chunks of at most per_unit
        for (std::size_t group = 0; group < 2; ++group) {
            std::vector<std::pair<double, double>> pairs;  // the group's (alpha, learning_rate) in unit order
            std::vector<std::size_t> sizes;
            for (std::size_t u = group * units.size() / 2; u < (group + 1) * units.size() / 2; ++u) {
                CHECK(units[u].batch_size == axes.batch_size[group]);
                sizes.push_back(units[u].model_count());
                CHECK(units[u].cost == Approx(expected_cost(units[u])).epsilon(1e-12));
                for (std::size_t m = 0; m < units[u].model_count(); ++m)
                    pairs.emplace_back(units[u].alphas[m], units[u].learning_rates[m]);
            }
            CHECK(sizes == chunk_sizes(9, sizes.size(), static_cast<std::size_t>(per_unit), kClasses));
            std::vector<std::pair<double, double>> expected;  // grid order: alpha outer, learning_rate inner
            for (const double alpha : axes.alpha)
                for (const double rate : axes.learning_rate) expected.emplace_back(alpha, rate);
            CHECK(pairs == expected);
        }
    }
}

TEST_CASE("make_units splits the largest chunks until there are min_units units", "[plan]") {
    const Grid grid(plan_axes());  // 2 batch sizes x 9 pairs: at most 18 units
    auto sizes = [&](std::int64_t min_units) {
        std::vector<std::size_t> counts;
        for (const WorkUnit& unit : make_units(grid, 9, kExamples, min_units)) counts.push_back(unit.model_count());
        std::sort(counts.begin(), counts.end());
        return counts;
    };
    CHECK(sizes(1) == std::vector<std::size_t>{9, 9});
    CHECK(sizes(2) == std::vector<std::size_t>{9, 9});
    CHECK(sizes(3) == std::vector<std::size_t>{3, 6, 9});  // 10 classes: 6 + 3 pads least (chunk_sizes)
    CHECK(sizes(4) == std::vector<std::size_t>{3, 3, 6, 6});
    CHECK(sizes(5) == std::vector<std::size_t>{3, 3, 3, 3, 6});
    CHECK(sizes(18) == std::vector<std::size_t>(18, 1));
    CHECK(sizes(1000) == std::vector<std::size_t>(18, 1));  // the grid allows no more

    for (std::int64_t min_units = 1; min_units <= 25; ++min_units) {
        INFO("min_units " << min_units);
        const std::vector<WorkUnit> units = make_units(grid, 4, kExamples, min_units);
        // Splitting adds one unit at a time, from the 6 units of at most 4, up to one unit per pair.
        CHECK(static_cast<std::int64_t>(units.size()) == std::max<std::int64_t>(6, std::min<std::int64_t>(min_units, 18)));
        check_covers_grid(grid, units);
        for (const WorkUnit& unit : units) CHECK(unit.model_count() <= 4);
    }
}

TEST_CASE("model_epoch_cost is one per epoch plus a step overhead that shrinks with the batch", "[plan]") {
    for (const int batch : {1, 8, 32, 512}) {
        INFO("batch " << batch);
        CHECK(model_epoch_cost(1, batch) > 1.0);
        CHECK(model_epoch_cost(10, batch) == Approx(10 * model_epoch_cost(1, batch)).epsilon(1e-12));
        CHECK(model_epoch_cost(3, batch) > model_epoch_cost(3, 2 * batch));  // fewer steps an epoch
    }
    CHECK(model_epoch_cost(7, 1 << 30) == Approx(7.0).epsilon(1e-6));  // huge batches: the epochs alone
}

TEST_CASE("packing_for keeps, of the cuts up to three units per rank, the one expected to end soonest", "[plan]") {
    CHECK(packing_for(1).min_units == 1);
    for (int ranks = 2; ranks <= 64; ++ranks) {
        CHECK(packing_for(ranks).min_units == 3 * ranks);
        CHECK(packing_for(ranks).ranks == ranks);
    }
    // The 3 x 3 x 3 x 3 grid of the benchmark: 3 batch sizes x 9 (alpha, rate) pairs.
    const Grid grid({{10, 20, 35}, {1e-4, 1e-3, 1e-2}, {0.01, 0.05, 0.1}, {32, 64, 128}});
    for (const int ranks : {1, 2, 3, 4, 5, 8, 16}) {
        INFO(ranks << " ranks");
        const WorkPlan chosen(grid, kClasses, 9, kExamples, packing_for(ranks));
        const double time = relay_end(chosen.costs(), ranks);
        // Every cut on the way (one more unit at a time) is expected to take at least as long; and
        // where it has fewer units than the chosen one, strictly longer.
        for (std::int64_t units = 1; units <= packing_for(ranks).min_units; ++units) {
            const WorkPlan cut(grid, kClasses, 9, kExamples, Packing{units, 0});
            INFO("cut of " << cut.size() << " units");
            CHECK(time <= relay_end(cut.costs(), ranks));
            if (cut.size() < chosen.size()) CHECK(time < relay_end(cut.costs(), ranks));
        }
    }
    // 2 ranks: relay legs balance three whole units, which narrower units would only make dearer;
    // 4 ranks: the longest unit (a quarter of the work is less) is worth splitting.
    for (const auto& [ranks, expected] : std::vector<std::pair<int, std::vector<std::pair<int, std::size_t>>>>{
             {2, {{32, 9}, {64, 9}, {128, 9}}}, {4, {{32, 6}, {32, 3}, {64, 6}, {64, 3}, {128, 6}, {128, 3}}}}) {
        const WorkPlan plan(grid, kClasses, 9, kExamples, packing_for(ranks));
        std::vector<std::pair<int, std::size_t>> units;  // batch size, models
        for (std::size_t u = 0; u < plan.size(); ++u) units.emplace_back(plan.unit(u).batch_size, plan.unit(u).model_count());
        CHECK(units == expected);
    }
}

TEST_CASE("with the final model counted, packing_for keeps the cut whose units and final end soonest", "[plan]") {
    // The final model runs after the units, on the first rank to free up: a cut that leaves one rank
    // room for it can beat one that balances the units alone.
    const double scale = 1.25;
    bool changed_some_plan = false;
    for (const GridConfig& axes : {GridConfig{{10, 20, 35}, {1e-4, 1e-3, 1e-2}, {0.01, 0.05, 0.1}, {32, 64, 128}},
                                   GridConfig{{40}, {0.0, 0.1}, {0.1, 0.2, 0.3}, {16, 256}}, plan_axes()}) {
        const Grid grid(axes);
        double mean = 0;  // a trial trained alone, on the final's examples
        for (std::int64_t t = 0; t < grid.size(); ++t) {
            const Hyperparameters h = grid.at(t);
            mean += unit_cost(h.epochs, h.batch_size, 1, kClasses) * scale * kExamples / static_cast<double>(grid.size());
        }
        for (int ranks = 1; ranks <= 8; ++ranks) {
            INFO(grid.size() << " trials, " << ranks << " ranks");
            const WorkPlan chosen(grid, kClasses, 9, kExamples, packing_for(ranks, scale));
            if (ranks == 1) {
                CHECK(chosen.final_cost() == 0);  // one rank is never idle before the end
                continue;
            }
            CHECK(chosen.final_cost() == Approx(mean).epsilon(1e-9));
            const auto end = [&](const std::vector<double>& costs) { return relay_end(costs, ranks, mean); };
            for (std::int64_t units = 1; units <= packing_for(ranks).min_units; ++units) {
                const WorkPlan cut(grid, kClasses, 9, kExamples, Packing{units, 0});
                INFO("cut of " << cut.size() << " units");
                CHECK(end(chosen.costs()) <= end(cut.costs()) * (1 + 1e-12));
                if (cut.size() < chosen.size()) CHECK(end(chosen.costs()) < end(cut.costs()));
            }
            const WorkPlan units_only(grid, kClasses, 9, kExamples, packing_for(ranks));
            changed_some_plan = changed_some_plan || units_only.size() != chosen.size();
        }
    }
    CHECK(changed_some_plan);  // the final model does steer the packing
}

TEST_CASE("units depend only on the grid and min_units", "[plan]") {
    // The packing (trial ids, hyperparameters) does not even depend on the training-set size, which
    // only scales the cost.
    const Grid grid(plan_axes());
    for (const std::int64_t min_units : {std::int64_t{1}, std::int64_t{12}}) {
        const std::vector<WorkUnit> a = make_units(grid, 4, kExamples, min_units);
        const std::vector<WorkUnit> b = make_units(grid, 4, 7 * kExamples, min_units);
        check_same_units(a, b);
        for (std::size_t u = 0; u < a.size(); ++u) CHECK(b[u].cost == Approx(7 * a[u].cost).epsilon(1e-12));
    }
}

TEST_CASE("assign_longest_first assigns each unit once within the greedy bound", "[plan]") {
    for (const std::vector<double>& costs : cost_vectors()) {
        const double total = std::accumulate(costs.begin(), costs.end(), 0.0);
        const double largest = max_of(costs);
        for (int ranks = 1; ranks <= 64; ++ranks) {
            INFO(costs.size() << " units, " << ranks << " ranks");
            const std::vector<int> owner = assign_longest_first(costs, ranks);
            REQUIRE(owner.size() == costs.size());
            std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
            for (const int rank : owner) {
                REQUIRE(rank >= 0);
                REQUIRE(rank < ranks);
            }
            for (std::size_t u = 0; u < costs.size(); ++u) load[static_cast<std::size_t>(owner[u])] += costs[u];
            // A unit goes to the least-loaded rank, whose load is at most the mean: so no rank exceeds
            // the mean plus one unit.
            CHECK(max_of(load) <= total / ranks + largest + 1e-9 * total);
            if (ranks >= static_cast<int>(costs.size())) CHECK(max_of(load) == largest);  // one unit each
        }
    }
}

TEST_CASE("assign_longest_first breaks ties towards the lower rank and the lower unit", "[plan]") {
    SECTION("equal costs deal round-robin") {
        CHECK(assign_longest_first({1, 1, 1, 1, 1, 1}, 3) == std::vector<int>{0, 1, 2, 0, 1, 2});
    }
    SECTION("longest first, then the least-loaded rank") {
        // order 0 (4), 1 (2), 2 (2), 3 (1): 0 -> r0; 1 -> r1; 2 -> r1 (2 < 4); loads 4, 4 tie: 3 -> r0
        CHECK(assign_longest_first({4, 2, 2, 1}, 2) == std::vector<int>{0, 1, 1, 0});
        // order 2 (9), 0 (3), 1 (3), 3 (1): 2 -> r0; 0 -> r1; 1 -> r2; 3 -> r1 (3 = 3, lower rank)
        CHECK(assign_longest_first({3, 3, 9, 1}, 3) == std::vector<int>{1, 2, 0, 1});
    }
    SECTION("more ranks than units leaves the higher ranks idle") {
        CHECK(assign_longest_first({1, 2, 3}, 5) == std::vector<int>{2, 1, 0});
    }
    SECTION("no units") {
        CHECK(assign_longest_first({}, 4).empty());
    }
}

TEST_CASE("relay_schedule cuts the overflowing unit in two legs that wrap around to the next rank", "[plan]") {
    // T = 15: rank 0 takes unit 0 and the last 5 epochs of unit 1; rank 1 opens with unit 1's first
    // 5 epochs, which it hands over, then unit 2.
    const std::vector<Leg> legs = relay_schedule({10, 10, 10}, {10, 10, 10}, 2);
    REQUIRE(legs.size() == 4);
    const auto fields = [](const Leg& l) { return std::tuple{l.unit, l.first_epoch, l.last_epoch, l.rank, l.start, l.cost, l.after}; };
    CHECK(fields(legs[0]) == std::tuple{std::size_t{0}, 0, 10, 0, 0.0, 10.0, std::int64_t{-1}});
    CHECK(fields(legs[1]) == std::tuple{std::size_t{1}, 0, 5, 1, 0.0, 5.0, std::int64_t{-1}});
    CHECK(fields(legs[2]) == std::tuple{std::size_t{2}, 0, 10, 1, 5.0, 10.0, std::int64_t{-1}});
    CHECK(fields(legs[3]) == std::tuple{std::size_t{1}, 5, 10, 0, 10.0, 5.0, std::int64_t{1}});
    CHECK(rank_loads(legs, 2) == std::vector<double>{15, 15});
    // The final model's room goes to the last rank: T = (30 + 4) / 2 = 17.
    CHECK(rank_loads(relay_schedule({10, 10, 10}, {10, 10, 10}, 2, 4), 2) == std::vector<double>{17, 13});
    // One rank: whole units, longest first.
    const std::vector<Leg> one = relay_schedule({1, 3, 2}, {4, 4, 4}, 1);
    REQUIRE(one.size() == 3);
    CHECK(std::vector<std::size_t>{one[0].unit, one[1].unit, one[2].unit} == std::vector<std::size_t>{1, 2, 0});
    CHECK(relay_end({10, 10, 10}, 2) == 15);
    CHECK(relay_end({10, 10, 10}, 4) == 10);  // the longest unit bounds it
    CHECK(relay_end({10, 10, 10}, 2, 4) == 17);
}

TEST_CASE("relay_schedule runs every epoch of every unit once, each unit on at most two ranks, balanced", "[plan]") {
    TestRandom random(7);
    for (const std::vector<double>& costs : cost_vectors()) {
        std::vector<int> epochs;
        for (std::size_t u = 0; u < costs.size(); ++u) epochs.push_back(1 + static_cast<int>(random.uniform(0.0, 40.0)));
        double per_epoch = 0;  // the largest cost of one epoch of a unit: the rounding of a cut
        for (std::size_t u = 0; u < costs.size(); ++u) per_epoch = std::max(per_epoch, costs[u] / epochs[u]);
        for (int ranks = 1; ranks <= 16; ++ranks)
            for (const double final_cost : {0.0, 7.5}) {
                INFO(costs.size() << " units, " << ranks << " ranks, final " << final_cost);
                const std::vector<Leg> legs = relay_schedule(costs, epochs, ranks, final_cost);
                const double bound = relay_end(costs, ranks, final_cost);
                std::vector<std::vector<std::size_t>> of_unit(costs.size());
                for (std::size_t i = 0; i < legs.size(); ++i) {
                    const Leg& leg = legs[i];
                    REQUIRE(leg.unit < costs.size());
                    REQUIRE(leg.rank >= 0);
                    REQUIRE(leg.rank < ranks);
                    CHECK(leg.first_epoch < leg.last_epoch);
                    if (i > 0) CHECK(legs[i - 1].start <= leg.start);  // ordered by planned start
                    of_unit[leg.unit].push_back(i);
                }
                for (std::size_t u = 0; u < costs.size(); ++u) {
                    INFO("unit " << u);
                    const std::vector<std::size_t>& mine = of_unit[u];
                    REQUIRE((mine.size() == 1 || mine.size() == 2));
                    double cost = 0;
                    for (const std::size_t i : mine) cost += legs[i].cost;
                    CHECK(cost == Approx(costs[u]).epsilon(1e-12));
                    const Leg& first = legs[mine.front()];
                    CHECK(first.first_epoch == 0);
                    CHECK(first.after == -1);
                    if (mine.size() == 1) {
                        CHECK(first.last_epoch == epochs[u]);
                        continue;
                    }
                    // Two legs: the first hands over to the second, on another rank, planned to end
                    // before the second starts, and handed out before it.
                    const Leg& second = legs[mine.back()];
                    CHECK(first.last_epoch == second.first_epoch);
                    CHECK(second.last_epoch == epochs[u]);
                    CHECK(second.after == static_cast<std::int64_t>(mine.front()));
                    CHECK(first.rank != second.rank);
                    CHECK(first.start + first.cost <= second.start + 1e-9 * bound);
                }
                // No rank's legs overlap; no rank exceeds the bound by more than a cut's rounding,
                // and the last rank leaves room for the final model.
                const std::vector<double> loads = rank_loads(legs, ranks);
                for (int r = 0; r < ranks; ++r) {
                    double end = 0;
                    for (const Leg& leg : legs) {
                        if (leg.rank != r) continue;
                        CHECK(leg.start >= end - 1e-9 * bound);
                        end = leg.start + leg.cost;
                    }
                    CHECK(loads[static_cast<std::size_t>(r)] <= bound + per_epoch);
                }
                CHECK(loads.back() + final_cost <= bound + ranks * per_epoch);
            }
    }
}

TEST_CASE("UnitQueue hands legs out by planned start, or each rank its own", "[plan]") {
    const std::vector<Leg> legs = relay_schedule({10, 10, 10}, {10, 10, 10}, 2);
    UnitQueue shared(legs, 2, true);
    CHECK(shared.next(1) == 0);
    CHECK(shared.next(1) == 1);
    CHECK(shared.next(0) == 2);
    CHECK(shared.next(0) == 3);
    CHECK(shared.next(1) == -1);
    UnitQueue own(legs, 2, false);
    CHECK(own.next(1) == 1);  // rank 1 opens with the first leg of unit 1, then unit 2
    CHECK(own.next(1) == 2);
    CHECK(own.next(1) == -1);
    CHECK(own.next(0) == 0);
    CHECK(own.next(0) == 3);
    CHECK(own.next(0) == -1);
}

TEST_CASE("the legs of a plan answer every trial once, each at its checkpoint's leg", "[plan]") {
    const Grid grid({{10, 20, 35}, {1e-4, 1e-3, 1e-2}, {0.01, 0.05, 0.1}, {32, 64, 128}});
    for (const int ranks : {2, 3, 4}) {
        INFO(ranks << " ranks");
        const WorkPlan plan(grid, kClasses, 9, kExamples, packing_for(ranks, 1.25));
        const std::vector<Leg> legs = relay_schedule(plan.costs(), plan.epochs(), ranks, plan.final_cost());
        CHECK(legs.size() > plan.size());  // this grid's units are cut
        std::vector<int> seen(static_cast<std::size_t>(grid.size()), 0);
        std::size_t counted = 0;
        for (const Leg& leg : legs) {
            const WorkUnit piece = plan.unit(leg);
            CHECK(piece.first_epoch == leg.first_epoch);
            CHECK(piece.last_epoch == leg.last_epoch);
            CHECK(piece.cost == leg.cost);
            CHECK(piece.continues_a_leg() == (leg.after >= 0));
            CHECK(plan.epochs()[leg.unit] == piece.epochs());
            counted += piece.trial_count();
            for (const auto& ids : piece.trials)
                for (std::size_t c = 0; c < piece.checkpoints.size(); ++c)
                    if (piece.checkpoints[c] > leg.first_epoch && piece.checkpoints[c] <= leg.last_epoch)
                        ++seen[static_cast<std::size_t>(ids[c])];
        }
        CHECK(counted == static_cast<std::size_t>(grid.size()));
        CHECK(std::all_of(seen.begin(), seen.end(), [](int times) { return times == 1; }));
    }
}

TEST_CASE("the plan's trained-alone estimate counts a model per fold, as its units do", "[plan]") {
    const Grid grid({{1, 3}, {1e-4, 1e-2}, {0.05, 0.3}, {16, 37}});
    // The figures of the report's first line: "... cost S model-epochs (A if every trial trained alone)".
    auto figures = [&](int folds) {
        WorkFilter filter;
        filter.folds = folds;
        const std::string text = format_plan_report(WorkPlan(grid, kClasses, 3, 1, {}, filter), 2);
        const std::size_t cost = text.find("; cost "), open = text.find(" model-epochs (", cost);
        REQUIRE((cost != std::string::npos && open != std::string::npos && text.find(" if every trial trained alone") != std::string::npos));
        return std::make_pair(std::stod(text.substr(cost + 7)), std::stod(text.substr(open + 15)));
    };
    const auto [shared, alone] = figures(0);
    const auto [shared3, alone3] = figures(3);
    CHECK(shared3 == Approx(3 * shared).epsilon(0.002));  // the units: three models per track
    CHECK(alone3 == Approx(3 * alone).epsilon(0.002));    // so the estimate too
    CHECK(alone > shared);                                // sharing units saves work
}

TEST_CASE("pick_best takes the lowest cost among finished trials", "[plan]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();

    SECTION("lowest cost") {
        CHECK(pick_best({make_result(0, 0.9), make_result(1, 0.3), make_result(2, 0.5)}) == std::optional<std::size_t>(1));
    }
    SECTION("ties go to the lowest trial id, whatever the vector order") {
        CHECK(pick_best({make_result(7, 0.5), make_result(3, 0.5), make_result(5, 0.7)}) == std::optional<std::size_t>(1));
        CHECK(pick_best({make_result(3, 0.5), make_result(7, 0.5)}) == std::optional<std::size_t>(0));
        CHECK(pick_best({make_result(9, 0.5), make_result(8, 0.6), make_result(4, 0.5), make_result(6, 0.5)}) ==
              std::optional<std::size_t>(2));
    }
    SECTION("diverged trials are never picked") {
        CHECK(pick_best({make_result(0, 0.2, TrialStatus::diverged), make_result(1, 0.8)}) ==
              std::optional<std::size_t>(1));
        CHECK(pick_best({make_result(0, nan, TrialStatus::diverged), make_result(1, 0.8),
                         make_result(2, -std::numeric_limits<double>::infinity(), TrialStatus::diverged)}) ==
              std::optional<std::size_t>(1));
    }
    SECTION("nothing to pick") {
        CHECK_FALSE(pick_best({}).has_value());
        CHECK_FALSE(pick_best({make_result(0, nan, TrialStatus::diverged), make_result(1, 0.1, TrialStatus::diverged)})
                        .has_value());
    }
}

// ---------------------------------------------------------------------------------------------
// Random mode: one track per sample, grouped by batch size, sorted by epochs.

namespace {

/// 120 samples: epochs an integer range [1, 40], alpha log [1e-6, 1e-1], learning_rate [0.01, 0.5],
/// batch_size a list of 3.
Grid random_grid(std::int64_t samples = 120, std::uint64_t seed = 17) {
    GridConfig axes;
    axes.ranges[0] = AxisRange{1, 40, false};
    axes.ranges[1] = AxisRange{1e-6, 1e-1, true};
    axes.ranges[2] = AxisRange{0.01, 0.5, false};
    axes.batch_size = {64, 8, 32};
    axes.random = true;
    axes.samples = samples;
    axes.search_seed = seed;
    return Grid(axes);
}

/// Checks the units answer exactly the trials in `wanted` (all when empty), each once, with its own
/// hyperparameters at the checkpoint of its epoch count; kNoTrial entries are placeholders. Random
/// mode: each model is one sample, so it holds exactly one trial. Returns the trials seen.
std::vector<bool> check_random_units(const Grid& grid, const std::vector<WorkUnit>& units,
                                     const std::vector<bool>& wanted = {}) {
    std::vector<int> seen(static_cast<std::size_t>(grid.size()), 0);
    for (std::size_t u = 0; u < units.size(); ++u) {
        const WorkUnit& unit = units[u];
        INFO("unit " << u);
        REQUIRE(unit.model_count() > 0);
        REQUIRE(unit.learning_rates.size() == unit.model_count());
        REQUIRE(unit.trials.size() == unit.model_count());
        REQUIRE(!unit.checkpoints.empty());
        CHECK(std::is_sorted(unit.checkpoints.begin(), unit.checkpoints.end()));
        CHECK(std::adjacent_find(unit.checkpoints.begin(), unit.checkpoints.end()) == unit.checkpoints.end());
        CHECK(unit.cost == Approx(expected_cost(unit)).epsilon(1e-12));
        std::vector<bool> checkpoint_used(unit.checkpoints.size(), false);
        for (std::size_t m = 0; m < unit.model_count(); ++m) {
            REQUIRE(unit.trials[m].size() == unit.checkpoints.size());
            int trials_of_model = 0;
            for (std::size_t k = 0; k < unit.checkpoints.size(); ++k) {
                const std::int64_t id = unit.trials[m][k];
                if (id == kNoTrial) continue;
                INFO("model " << m << " checkpoint " << k << " trial " << id);
                REQUIRE(id >= 0);
                REQUIRE(id < grid.size());
                ++trials_of_model;
                ++seen[static_cast<std::size_t>(id)];
                checkpoint_used[k] = true;
                const Hyperparameters h = grid.at(id);
                CHECK(h.epochs == unit.checkpoints[k]);
                CHECK(h.alpha == unit.alphas[m]);
                CHECK(h.learning_rate == unit.learning_rates[m]);
                CHECK(h.batch_size == unit.batch_size);
            }
            CHECK(trials_of_model == 1);  // one sample per model
        }
        // No checkpoint without a trial: in particular the unit trains no further than it must.
        for (std::size_t k = 0; k < checkpoint_used.size(); ++k) {
            INFO("checkpoint " << unit.checkpoints[k]);
            CHECK(checkpoint_used[k]);
        }
        CHECK(unit.trial_count() == unit.model_count());
    }
    std::vector<bool> covered(seen.size());
    for (std::size_t id = 0; id < seen.size(); ++id) {
        INFO("trial " << id);
        const bool want = wanted.empty() || wanted[id];
        CHECK(seen[id] == (want ? 1 : 0));
        covered[id] = seen[id] > 0;
    }
    return covered;
}

}  // namespace

TEST_CASE("make_units in random mode covers every sample exactly once", "[plan]") {
    const Grid grid = random_grid();
    for (const int per_unit : {1, 2, 4, 9, 1000}) {
        INFO("models_per_unit " << per_unit);
        check_random_units(grid, make_units(grid, per_unit, kExamples));
        for (const int ranks : {2, 3, 8, 64}) {
            INFO(ranks << " ranks");
            const std::vector<WorkUnit> units = make_units(grid, per_unit, kExamples, 3 * ranks);
            check_random_units(grid, units);
            CHECK(static_cast<std::int64_t>(units.size()) >= std::min<std::int64_t>(3 * ranks, grid.size()));
            check_random_units(grid, units_for_ranks(grid, per_unit, ranks));
            for (const WorkUnit& unit : units) CHECK(unit.model_count() <= static_cast<std::size_t>(per_unit));
        }
    }
    const Grid single = random_grid(1);
    const std::vector<WorkUnit> units = make_units(single, 9, kExamples);
    REQUIRE(units.size() == 1);
    check_random_units(single, units);
    CHECK(units[0].checkpoints == std::vector<int>{single.at(0).epochs});
}

TEST_CASE("make_units in random mode groups by batch size and keeps similar epoch counts together", "[plan]") {
    const Grid grid = random_grid(150);
    for (const int per_unit : {3, 9}) {
        INFO("models_per_unit " << per_unit);
        const std::vector<WorkUnit> units = make_units(grid, per_unit, kExamples);
        // Per batch size: the fewest units of at most per_unit samples, sized by chunk_sizes.
        std::map<int, std::int64_t> samples_per_batch;
        for (std::int64_t t = 0; t < grid.size(); ++t) ++samples_per_batch[grid.at(t).batch_size];
        std::map<int, std::vector<std::pair<int, int>>> spans;  // batch -> (fewest, most epochs) per unit
        std::map<int, std::vector<std::size_t>> sizes;
        for (const WorkUnit& unit : units) {
            std::vector<int> epochs;
            for (const auto& ids : unit.trials)
                for (const std::int64_t id : ids)
                    if (id != kNoTrial) epochs.push_back(grid.at(id).epochs);
            REQUIRE(!epochs.empty());
            spans[unit.batch_size].emplace_back(*std::min_element(epochs.begin(), epochs.end()),
                                                *std::max_element(epochs.begin(), epochs.end()));
            sizes[unit.batch_size].push_back(unit.model_count());
            CHECK(unit.epochs() == *std::max_element(epochs.begin(), epochs.end()));
        }
        CHECK(spans.size() == 3);  // every batch size of the list was drawn
        for (auto& [batch, batch_spans] : spans) {
            INFO("batch " << batch);
            const std::int64_t count = samples_per_batch[batch];
            CHECK(static_cast<std::int64_t>(batch_spans.size()) == (count + per_unit - 1) / per_unit);
            CHECK(sizes[batch] == chunk_sizes(static_cast<std::size_t>(count), batch_spans.size(),
                                              static_cast<std::size_t>(per_unit), kClasses));
            // Sorted by epochs: the units' epoch spans follow one another without interleaving.
            std::sort(batch_spans.begin(), batch_spans.end());
            for (std::size_t i = 1; i < batch_spans.size(); ++i) {
                INFO("span " << batch_spans[i - 1].first << ".." << batch_spans[i - 1].second << " then "
                             << batch_spans[i].first << ".." << batch_spans[i].second);
                CHECK(batch_spans[i - 1].second <= batch_spans[i].first);
            }
        }
    }
}

TEST_CASE("make_units in random mode depends only on the search space", "[plan]") {
    const Grid a = random_grid(90, 5);
    const Grid b = random_grid(90, 5);
    check_same_units(make_units(a, 4, kExamples, 9), make_units(b, 4, kExamples, 9));
}

TEST_CASE("make_units in random mode leaves out done trials", "[plan]") {
    const Grid grid = random_grid();
    const std::size_t n = static_cast<std::size_t>(grid.size());
    SECTION("every third trial done") {
        std::vector<bool> done(n, false);
        for (std::size_t id = 0; id < n; id += 3) done[id] = true;
        std::vector<bool> owed(n);
        for (std::size_t id = 0; id < n; ++id) owed[id] = !done[id];
        WorkFilter filter;
        filter.done = &done;
        for (const int per_unit : {1, 4, 9}) {
            INFO("models_per_unit " << per_unit);
            check_random_units(grid, make_units(grid, per_unit, kExamples, 1, filter), owed);
            check_random_units(grid, make_units(grid, per_unit, kExamples, 12, filter), owed);
        }
    }
    SECTION("all but one done") {
        std::vector<bool> done(n, true);
        done[57] = false;
        WorkFilter filter;
        filter.done = &done;
        const std::vector<WorkUnit> units = make_units(grid, 9, kExamples, 6, filter);
        std::vector<bool> owed(n, false);
        owed[57] = true;
        REQUIRE(units.size() == 1);
        check_random_units(grid, units, owed);
        CHECK(units[0].checkpoints == std::vector<int>{grid.at(57).epochs});
    }
    SECTION("all done: no units") {
        const std::vector<bool> done(n, true);
        WorkFilter filter;
        filter.done = &done;
        CHECK(make_units(grid, 9, kExamples, 1, filter).empty());
        CHECK(make_units(grid, 2, kExamples, 30, filter).empty());
    }
    SECTION("none done: as without a filter") {
        const std::vector<bool> done(n, false);
        WorkFilter filter;
        filter.done = &done;
        check_same_units(make_units(grid, 4, kExamples, 1, filter), make_units(grid, 4, kExamples));
    }
}

TEST_CASE("make_units in random mode splits the samples into disjoint shards", "[plan]") {
    const Grid grid = random_grid(100, 23);
    const std::size_t n = static_cast<std::size_t>(grid.size());
    for (const int shards : {1, 2, 3, 7}) {
        INFO(shards << " shards");
        std::vector<int> owners(n, 0);
        std::vector<int> covered(n, 0);
        for (int shard = 0; shard < shards; ++shard) {
            INFO("shard " << shard);
            const std::vector<bool> mine = shard_trials(grid, shard, shards);
            REQUIRE(mine.size() == n);
            for (std::size_t id = 0; id < n; ++id) owners[id] += mine[id];
            WorkFilter filter;
            filter.shard = shard;
            filter.shards = shards;
            // The shard's units answer exactly the shard's trials.
            const std::vector<bool> seen = check_random_units(grid, make_units(grid, 4, kExamples, 3, filter), mine);
            for (std::size_t id = 0; id < n; ++id) covered[id] += seen[id];
            CHECK(std::count(mine.begin(), mine.end(), true) > 0);  // 100 samples, at most 7 shards: none idle
        }
        for (std::size_t id = 0; id < n; ++id) {
            INFO("trial " << id);
            CHECK(owners[id] == 1);   // shard_trials partitions the trials
            CHECK(covered[id] == 1);  // and the shards' units cover each once
        }
    }

    SECTION("3 shards with a done filter") {
        std::vector<bool> done(n, false);
        for (std::size_t id = 1; id < n; id += 4) done[id] = true;
        std::vector<int> covered(n, 0);
        for (int shard = 0; shard < 3; ++shard) {
            const std::vector<bool> mine = shard_trials(grid, shard, 3);
            std::vector<bool> owed(n);
            for (std::size_t id = 0; id < n; ++id) owed[id] = mine[id] && !done[id];
            WorkFilter filter{shard, 3, &done};
            const std::vector<bool> seen = check_random_units(grid, make_units(grid, 9, kExamples, 1, filter), owed);
            for (std::size_t id = 0; id < n; ++id) covered[id] += seen[id];
        }
        for (std::size_t id = 0; id < n; ++id) {
            INFO("trial " << id);
            CHECK(covered[id] == (done[id] ? 0 : 1));
        }
    }
    SECTION("track_shards has one entry per sample, every shard below the count") {
        const std::vector<int> owner = track_shards(grid, 3);
        REQUIRE(owner.size() == n);
        for (const int shard : owner) {
            CHECK(shard >= 0);
            CHECK(shard < 3);
        }
        for (std::size_t id = 0; id < n; ++id) CHECK(shard_trials(grid, owner[id], 3)[id]);
    }
}
