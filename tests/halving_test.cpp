// Tests for successive halving's bookkeeping (halving.hpp): rungs, trial ids, promotion, progress
// from partial results, and the winner.

#include "hypergrid/halving.hpp"
#include "hypergrid/trainer.hpp"
#include "hypergrid/training.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace hypergrid;
using hypergrid::testing::make_result;

namespace {

/// epochs written out of order: rungs are 5, 15, 45; 2 x 3 x 2 = 12 configurations.
Grid halving_grid() {
    GridConfig axes;
    axes.epochs = {15, 45, 5};
    axes.alpha = {0.0, 1e-3};
    axes.learning_rate = {0.1, 0.2, 0.3};
    axes.batch_size = {8, 16};
    axes.halving = true;
    return Grid(axes);
}

TrialResult at(const HalvingSchedule& schedule, const Grid& grid, std::int64_t configuration, std::size_t rung, double cost) {
    TrialResult r = make_result(schedule.trial(configuration, rung), cost);
    r.hyper = grid.at(r.trial);
    return r;
}

}  // namespace

TEST_CASE("HalvingSchedule: rungs ascend, trial ids are the full grid's", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    REQUIRE(schedule.rungs() == 3);
    CHECK(schedule.rung_epochs() == std::vector<int>{5, 15, 45});
    CHECK(schedule.configurations() == 12);
    for (std::int64_t c = 0; c < 12; ++c)
        for (std::size_t r = 0; r < 3; ++r) {
            const std::int64_t trial = schedule.trial(c, r);
            const Hyperparameters h = grid.at(trial);
            CHECK(h.epochs == schedule.epochs(r));
            CHECK(schedule.configuration(trial) == c);
            CHECK(schedule.rung(trial) == r);
            // the configuration's other axes do not change with the rung
            const Hyperparameters first = grid.at(schedule.trial(c, 0));
            CHECK(h.alpha == first.alpha);
            CHECK(h.learning_rate == first.learning_rate);
            CHECK(h.batch_size == first.batch_size);
        }
    CHECK(schedule.promoted_count(12) == 4);
    CHECK(schedule.promoted_count(4) == 2);
    CHECK(schedule.promoted_count(1) == 1);
    CHECK(HalvingSchedule(grid, 2).promoted_count(5) == 3);
}

TEST_CASE("promote keeps the best ceil(n / factor) by cost, ties to the lowest trial id", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    std::vector<TrialResult> rung;
    const double costs[12] = {0.9, 0.5, 0.7, 0.5, 0.2, 0.8, 0.6, 0.95, 0.3, 0.85, 0.75, 0.65};
    for (std::int64_t c = 0; c < 12; ++c) rung.push_back(at(schedule, grid, c, 0, costs[c]));
    std::reverse(rung.begin(), rung.end());  // arrival order does not matter
    CHECK(promote(schedule, rung) == std::vector<std::int64_t>{1, 3, 4, 8});  // 0.2, 0.3, 0.5 (c 1), 0.5 (c 3)
    rung[11 - 3].val_cost = 0.5000001;
    CHECK(promote(schedule, rung) == std::vector<std::int64_t>{1, 3, 4, 8});
    rung[11 - 6].val_cost = 0.5;  // c 6 now ties c 1 at 0.5; c 1 has the lower trial id
    CHECK(promote(schedule, rung) == std::vector<std::int64_t>{1, 4, 6, 8});
}

TEST_CASE("promote never continues a diverged configuration", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 2);
    std::vector<TrialResult> rung;
    for (std::int64_t c = 0; c < 4; ++c) rung.push_back(at(schedule, grid, c, 1, 0.1 * static_cast<double>(c)));
    rung[0].status = TrialStatus::diverged;
    rung[1].status = TrialStatus::diverged;
    rung[2].status = TrialStatus::diverged;
    CHECK(promote(schedule, rung) == std::vector<std::int64_t>{3});
    rung[3].status = TrialStatus::diverged;
    CHECK(promote(schedule, rung).empty());
}

TEST_CASE("halving_progress rebuilds the rungs from any subset of results", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    std::vector<TrialResult> results;
    HalvingProgress progress = halving_progress(schedule, results);
    REQUIRE(progress.rungs.size() == 1);
    CHECK(progress.rungs[0].size() == 12);
    CHECK(progress.current == 0);
    CHECK_FALSE(progress.finished);

    for (std::int64_t c = 11; c >= 1; --c) results.push_back(at(schedule, grid, c, 0, 1.0 / static_cast<double>(c + 1)));
    progress = halving_progress(schedule, results);  // rung 0 lacks configuration 0
    CHECK(progress.rungs.size() == 1);
    CHECK(progress.current == 0);

    results.push_back(at(schedule, grid, 0, 0, 2.0));
    progress = halving_progress(schedule, results);
    REQUIRE(progress.rungs.size() == 2);
    CHECK(progress.rungs[1] == std::vector<std::int64_t>{8, 9, 10, 11});  // lowest costs 1/12, 1/11, ...
    CHECK(progress.current == 1);

    for (const std::int64_t c : {8, 9, 10, 11}) results.push_back(at(schedule, grid, c, 1, c == 9 ? 0.01 : 0.5));
    progress = halving_progress(schedule, results);
    REQUIRE(progress.rungs.size() == 3);
    CHECK(progress.rungs[2] == std::vector<std::int64_t>{8, 9});  // ceil(4 / 3) = 2: 0.01, then 0.5 tie -> lowest id
    CHECK(progress.current == 2);
    CHECK_FALSE(progress.finished);

    results.push_back(at(schedule, grid, 9, 2, 0.3));
    results.push_back(at(schedule, grid, 8, 2, 0.2));
    progress = halving_progress(schedule, results);
    CHECK(progress.finished);
    CHECK(progress.current == 3);
    const std::optional<std::size_t> winner = halving_winner(schedule, results);
    REQUIRE(winner);
    CHECK(results[*winner].trial == schedule.trial(8, 2));  // the best of the last rung, not of all rows
}

TEST_CASE("halving ends early when a rung promotes nothing", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    std::vector<TrialResult> results;
    for (std::int64_t c = 0; c < 12; ++c) {
        results.push_back(at(schedule, grid, c, 0, 1.0));
        results.back().status = TrialStatus::diverged;
    }
    const HalvingProgress progress = halving_progress(schedule, results);
    CHECK(progress.finished);
    CHECK(progress.rungs.size() == 1);
    CHECK_FALSE(halving_winner(schedule, results));
}

TEST_CASE("split_model_states and join_model_states are inverse and match a trainer of one model", "[halving][training]") {
    const Dataset data = hypergrid::testing::make_synthetic(20, 3, 4, 8);
    SideBySideTrainer three(data.view(), 4, 5, {{0.0, 0.1}, {1e-3, 0.2}, {1e-2, 0.3}}, 1);
    three.run_epoch(0);
    const std::vector<std::vector<double>> split = split_model_states(three.state(), 3, 4);
    REQUIRE(split.size() == 3);
    CHECK(join_model_states(split, 4) == three.state());
    SideBySideTrainer one(data.view(), 4, 5, {{1e-3, 0.2}}, 1);
    one.run_epoch(0);
    CHECK(split[1] == one.state());
    // and continuing apart equals continuing together
    SideBySideTrainer apart(data.view(), 4, 5, {{1e-3, 0.2}}, 1);
    apart.restore(split[1]);
    apart.run_epoch(1);
    three.run_epoch(1);
    CHECK(split_model_states(three.state(), 3, 4)[1] == apart.state());
}
