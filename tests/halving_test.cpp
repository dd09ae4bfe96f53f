// Tests for successive halving's bookkeeping (halving.hpp): rungs, trial ids, promotion, progress
// from partial results, and the winner.

#include "hypergrid/halving.hpp"
#include "hypergrid/halving_sweep.hpp"
#include "hypergrid/plan_report.hpp"
#include "hypergrid/sgd_trainer.hpp"
#include "hypergrid/text_format.hpp"
#include "hypergrid/training.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

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

TEST_CASE("next_rung_sweep: continue kept models, train the others from zero first, drop the rest", "[halving]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    StateStore kept;
    std::vector<TrialResult> results;
    RungSweep sweep = next_rung_sweep(schedule, results, nullptr, 0, kept);
    CHECK_FALSE(sweep.finished);
    CHECK(sweep.rung == 0);
    CHECK(sweep.from_epoch == 0);
    CHECK(sweep.keep);
    CHECK(sweep.configurations.size() == 12);
    CHECK(RungSweep::decode(sweep.encode()).configurations == sweep.configurations);

    for (std::int64_t c = 0; c < 12; ++c) {
        results.push_back(at(schedule, grid, c, 0, static_cast<double>(c)));
        kept.put(model_state_key(schedule.trial(c, 0), 0, 0), {{static_cast<double>(c)}, 0.0});
    }
    // rung 1 = configurations 0, 1, 2, 3; configuration 1's model was lost (a restart)
    kept.take(model_state_key(schedule.trial(1, 0), 0, 0));
    sweep = next_rung_sweep(schedule, results, nullptr, 0, kept);
    CHECK(sweep.rung == 1);
    CHECK(sweep.configurations == std::vector<std::int64_t>{1});
    CHECK(sweep.from_epoch == 0);
    CHECK(kept.size() == 3);  // the dropped configurations' models are gone
    results.push_back(at(schedule, grid, 1, 1, 0.5));
    sweep = next_rung_sweep(schedule, results, nullptr, 0, kept);
    CHECK(sweep.configurations == std::vector<std::int64_t>{0, 2, 3});
    CHECK(sweep.from_epoch == 5);
    CHECK(sweep.keep);

    const std::vector<bool> mask = rung_done_mask(schedule, sweep, {}, 0);
    REQUIRE(mask.size() == 36);
    for (std::int64_t trial = 0; trial < 36; ++trial) {
        const bool owed = schedule.rung(trial) == 1 && (schedule.configuration(trial) == 0 || schedule.configuration(trial) == 2 ||
                                                         schedule.configuration(trial) == 3);
        CHECK(mask[static_cast<std::size_t>(trial)] == !owed);
    }
    for (const std::int64_t c : {0, 2, 3}) results.push_back(at(schedule, grid, c, 1, 1.0 + static_cast<double>(c)));
    sweep = next_rung_sweep(schedule, results, nullptr, 0, kept);
    CHECK(sweep.rung == 2);
    CHECK_FALSE(sweep.keep);
    CHECK(sweep.configurations == std::vector<std::int64_t>{0, 1});  // their models of rung 1 were not kept
    CHECK(sweep.from_epoch == 0);
    CHECK(kept.size() == 0);  // rung 0's models are never taken for rung 1's
    for (const std::int64_t c : {0, 1}) results.push_back(at(schedule, grid, c, 2, 1.0));
    CHECK(next_rung_sweep(schedule, results, nullptr, 0, kept).finished);
    CHECK(kept.size() == 0);
}

TEST_CASE("model_state_key: distinct and negative for every trial and fold", "[halving]") {
    std::set<std::int64_t> keys;
    for (std::int64_t c = 0; c < 20; ++c)
        for (int f = 0; f < 4; ++f) {
            const std::int64_t key = model_state_key(c, f, 4);
            CHECK(key < 0);
            keys.insert(key);
        }
    CHECK(keys.size() == 80);
    CHECK(model_state_key(7, -1, 0) == model_state_key(7, 0, 1));
}

TEST_CASE("Halving with samples: configuration s is random mode's trial s, at every rung", "[halving]") {
    GridConfig axes;
    axes.epochs = {6, 2};
    axes.alpha = {};
    axes.ranges[1] = AxisRange{1e-5, 1e-1, true};
    axes.learning_rate = {0.1, 0.2, 0.3};
    axes.batch_size = {8, 16, 32};
    axes.samples = 7;
    axes.search_seed = 11;
    GridConfig random = axes;
    random.random = true;
    axes.halving = true;
    const Grid grid(axes), drawn(random);
    REQUIRE(grid.drawn_configurations());
    CHECK(grid.size() == 14);
    const HalvingSchedule schedule(grid, 2);
    CHECK(schedule.configurations() == 7);
    CHECK(schedule.rung_epochs() == std::vector<int>{2, 6});
    for (std::int64_t s = 0; s < 7; ++s)
        for (std::size_t r = 0; r < 2; ++r) {
            const Hyperparameters h = grid.at(schedule.trial(s, r)), d = drawn.at(s);
            CHECK(h.epochs == schedule.epochs(r));
            CHECK(h.alpha == d.alpha);
            CHECK(h.learning_rate == d.learning_rate);
            CHECK(h.batch_size == d.batch_size);
        }
    // The planner's tracks are the configurations, evaluated at each rung's trial.
    std::vector<bool> done(14, true);
    done[static_cast<std::size_t>(schedule.trial(3, 1))] = false;
    const WorkPlan plan(grid, 3, 4, 100, {}, {0, 1, &done});
    REQUIRE(plan.size() == 1);
    const WorkUnit unit = plan.unit(0);
    CHECK(unit.trials == std::vector<std::vector<std::int64_t>>{{schedule.trial(3, 1)}});
    CHECK(unit.alphas.front() == drawn.at(3).alpha);
    CHECK(unit.epochs() == 6);
}

TEST_CASE("WorkPlan from a rung's epochs: units and legs train only that rung's epochs", "[halving][plan]") {
    const Grid grid = halving_grid();
    const HalvingSchedule schedule(grid, 3);
    RungSweep sweep;
    sweep.rung = 2;
    sweep.from_epoch = schedule.epochs(1);  // 15 -> 45
    sweep.configurations = {0, 5, 7};
    const std::vector<bool> done = rung_done_mask(schedule, sweep, {}, 0);
    const WorkPlan plan(grid, 3, 9, 100, packing_for(2), {0, 1, &done, 0, sweep.from_epoch});
    std::set<std::int64_t> trials;
    int epochs = 0;
    for (const Leg& leg : plan.legs(2)) {
        const WorkUnit piece = plan.unit(leg);
        CHECK(piece.start_epoch == 15);
        CHECK(piece.first_epoch >= 15);
        CHECK(piece.last_epoch <= 45);
        CHECK(piece.continues_a_rung() == (piece.first_epoch == 15));
        CHECK(piece.checkpoints == std::vector<int>{45});
        epochs += piece.last_epoch - piece.first_epoch;
        if (piece.last_epoch == 45)
            for (const auto& ids : piece.trials) trials.insert(ids.front());
    }
    CHECK(trials == std::set<std::int64_t>{schedule.trial(0, 2), schedule.trial(5, 2), schedule.trial(7, 2)});
    CHECK(epochs == 30 * static_cast<int>(plan.size()));  // each unit's 30 epochs, cut or not
    // `hypergrid plan` counts this rung's three trials, each trained alone from where the rung starts.
    const std::string text = format_plan_report(plan, 2);
    CHECK(text.rfind("3 trials in ", 0) == 0);
    double alone = 0;
    for (const std::int64_t configuration : {0, 5, 7})
        alone += unit_cost(30, grid.at(schedule.trial(configuration, 2)).batch_size, 1, 3);
    CHECK(text.find("(" + format_fixed(alone, 1) + " if every trial trained alone)") != std::string::npos);
}
