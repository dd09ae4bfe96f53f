// Tests for the fold views (folds.hpp) and the folding of fold results into trials, and for k-fold
// training: fold f's model is the model of a holdout run on the other folds, bit for bit.

#include "hypergrid/folds.hpp"
#include "hypergrid/sgd_trainer.hpp"
#include "hypergrid/training.hpp"
#include "hypergrid/errors.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <numeric>

using namespace hypergrid;
using hypergrid::testing::make_synthetic;

TEST_CASE("fold_range cuts n examples into K contiguous folds", "[folds]") {
    SECTION("10 in 3: [0, 3), [3, 6), [6, 10)") {
        CHECK(fold_range(10, 3, 0).first == 0);
        CHECK(fold_range(10, 3, 0).count == 3);
        CHECK(fold_range(10, 3, 1).first == 3);
        CHECK(fold_range(10, 3, 1).count == 3);
        CHECK(fold_range(10, 3, 2).first == 6);
        CHECK(fold_range(10, 3, 2).count == 4);
    }
    SECTION("any n and K: the folds tile [0, n) with floor(f n / K) starts") {
        for (std::int64_t n = 2; n < 40; ++n)
            for (int k = 2; k <= n; ++k) {
                std::int64_t next = 0;
                for (int f = 0; f < k; ++f) {
                    const FoldRange range = fold_range(n, k, f);
                    CHECK(range.first == next);
                    CHECK(range.first == f * n / k);
                    CHECK(range.count >= 1);
                    next = range.first + range.count;
                }
                CHECK(next == n);
            }
    }
}

TEST_CASE("fold_split: the other folds in their order train, fold f validates", "[folds]") {
    const Dataset data = make_synthetic(11, 2, 3, 5);
    const DatasetView all = data.view();
    const FoldSplit split = fold_split(all, 3, 1);  // folds [0, 3), [3, 7), [7, 11)
    CHECK(split.validation.count == 4);
    CHECK(split.validation.labels == all.labels + 3);
    REQUIRE(split.train.count() == 7);
    std::vector<std::int64_t> indices;
    for (std::int64_t i = 0; i < split.train.count(); ++i) indices.push_back(split.train.index(i));
    CHECK(indices == std::vector<std::int64_t>{0, 1, 2, 7, 8, 9, 10});
}

TEST_CASE("check_folds refuses 1 fold and more folds than examples", "[folds]") {
    CHECK_NOTHROW(check_folds(2, 2));
    CHECK_NOTHROW(check_folds(5, 100));
    CHECK_THROWS_AS(check_folds(1, 100), InputError);
    CHECK_THROWS_WITH(check_folds(6, 5), Catch::Contains("data.folds: 6 folds of 5 training examples"));
}

namespace {

TrialResult fold_result(std::int64_t trial, int fold, double cost, double accuracy, int rank = 0) {
    TrialResult r = hypergrid::testing::make_result(trial, cost);
    r.fold = fold;
    r.val_cross_entropy = cost - 0.01;
    r.val_accuracy = accuracy;
    r.seconds = 1.5;
    r.rank = rank;
    return r;
}

}  // namespace

TEST_CASE("FoldAggregator folds a trial's results once all its folds are in", "[folds]") {
    FoldAggregator folds(3);
    std::vector<TrialResult> fresh;
    CHECK(folds.add({fold_result(4, 2, 0.3, 0.9, 1), fold_result(7, 0, 1.0, 0.5)}, &fresh).empty());
    CHECK(fresh.size() == 2);
    CHECK(folds.add({fold_result(4, 2, 9.0, 0.1)}, &fresh).empty());  // a repeat is ignored
    CHECK(fresh.size() == 2);
    const std::vector<TrialResult> done = folds.add({fold_result(4, 0, 0.1, 0.7, 2), fold_result(4, 1, 0.2, 0.8, 3)}, &fresh);
    REQUIRE(done.size() == 1);
    const TrialResult& trial = done.front();
    CHECK(trial.trial == 4);
    CHECK(trial.fold == -1);
    CHECK(trial.val_cost == (0.1 + 0.2 + 0.3) / 3);  // summed in fold order
    CHECK(trial.val_cross_entropy == ((0.1 - 0.01) + (0.2 - 0.01) + (0.3 - 0.01)) / 3);
    CHECK(trial.val_accuracy == (0.7 + 0.8 + 0.9) / 3);
    const double mean = trial.val_cost;
    CHECK(trial.val_cost_std == Approx(std::sqrt(((0.1 - mean) * (0.1 - mean) + (0.2 - mean) * (0.2 - mean) +
                                                  (0.3 - mean) * (0.3 - mean)) / 3)).epsilon(1e-15));
    CHECK(trial.seconds == 4.5);
    CHECK(trial.rank == 2);  // fold 0's
    CHECK(folds.fold_results().size() == 4);
    CHECK(folds.fold_results().front().trial == 4);
}

TEST_CASE("FoldAggregator's figures do not depend on arrival order", "[folds]") {
    const std::vector<TrialResult> parts = {fold_result(0, 0, 0.11, 0.5), fold_result(0, 1, 0.37, 0.6),
                                            fold_result(0, 2, 0.23, 0.7), fold_result(0, 3, 0.71, 0.8)};
    FoldAggregator forward(4), backward(4);
    const std::vector<TrialResult> a = forward.add(parts);
    const std::vector<TrialResult> b = backward.add({parts[3], parts[1], parts[2], parts[0]});
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(a.front().val_cost == b.front().val_cost);
    CHECK(a.front().val_cost_std == b.front().val_cost_std);
    CHECK(a.front().val_accuracy == b.front().val_accuracy);
}

TEST_CASE("A trial with a diverged fold is diverged", "[folds]") {
    FoldAggregator folds(2);
    TrialResult bad = fold_result(1, 1, NAN, 0.1);
    bad.status = TrialStatus::diverged;
    const std::vector<TrialResult> done = folds.add({fold_result(1, 0, 0.5, 0.5), bad});
    REQUIRE(done.size() == 1);
    CHECK(done.front().status == TrialStatus::diverged);
}

TEST_CASE("format_folds_csv writes one row per fold", "[folds]") {
    CHECK(format_folds_csv({fold_result(3, 1, 0.5, 0.25)}) ==
          "trial,fold,val_cost,val_cross_entropy,val_accuracy\n3,1,0.5,0.49,0.25\n");
}

TEST_CASE("A fold's models equal a holdout run's on the other folds, in their order", "[folds][training]") {
    // 23 examples in 3 folds: fold 1 is [7, 15). The holdout run gets a copy of the other folds
    // (examples 0-6 then 15-22, in order) as its training set and fold 1 as its validation set.
    const Dataset data = make_synthetic(23, 4, 3, 17);
    const int folds = 3, fold = 1;
    const FoldRange range = fold_range(data.count, folds, fold);
    Dataset holdout_train;
    holdout_train.dims = data.dims;
    for (std::int64_t i = 0; i < data.count; ++i) {
        if (i >= range.first && i < range.first + range.count) continue;
        holdout_train.features.insert(holdout_train.features.end(), data.features.begin() + i * data.dims,
                                      data.features.begin() + (i + 1) * data.dims);
        holdout_train.labels.push_back(data.labels[static_cast<std::size_t>(i)]);
        ++holdout_train.count;
    }
    const std::vector<ModelSpec> models = {{1e-3, 0.3}, {0.0, 0.05}};
    for (const int batch : {4, 5, 64}) {
        INFO("batch " << batch);
        SideBySideTrainer by_fold(fold_split(data.view(), folds, fold).train, 3, batch, models, 9);
        SideBySideTrainer by_holdout(holdout_train.view(), 3, batch, models, 9);
        for (int epoch = 0; epoch < 3; ++epoch) {
            by_fold.run_epoch(epoch);
            by_holdout.run_epoch(epoch);
        }
        CHECK(by_fold.state() == by_holdout.state());
        const std::vector<Metrics> a = by_fold.evaluate(data.view().slice(range.first, range.count));
        const std::vector<Metrics> b = by_holdout.evaluate(data.view().slice(range.first, range.count));
        for (std::size_t m = 0; m < models.size(); ++m) {
            CHECK(a[m].cost == b[m].cost);
            CHECK(a[m].accuracy == b[m].accuracy);
        }
    }
}

TEST_CASE("train_unit trains a fold on its training set and reports its fold", "[folds][training]") {
    const Dataset data = make_synthetic(30, 3, 3, 4);
    TrainingData training;
    training.split = {data.view(), data.view().slice(30, 0), data.view()};
    training.classes = 3;
    training.seed = 2;
    training.folds = 3;
    WorkUnit unit;
    unit.batch_size = 4;
    unit.alphas = {1e-3};
    unit.learning_rates = {0.2};
    unit.checkpoints = {2};
    unit.trials = {{5}};
    unit.fold = 2;
    unit.last_epoch = 2;
    std::vector<TrialResult> reported;
    train_unit(unit, training, 0, [&](const EpochReport& r) { reported.insert(reported.end(), r.trials.begin(), r.trials.end()); }, [] {});
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].fold == 2);
    SideBySideTrainer expected(fold_split(data.view(), 3, 2).train, 3, 4, {{1e-3, 0.2}}, 2);
    expected.run_epoch(0);
    expected.run_epoch(1);
    CHECK(reported[0].val_cost == expected.evaluate(data.view().slice(20, 10)).front().cost);
}

TEST_CASE("WorkPlan with folds: every track once per fold, a unit's models of one fold", "[folds][plan]") {
    GridConfig axes;
    axes.epochs = {2, 4};
    axes.alpha = {0.0, 1e-3};
    axes.learning_rate = {0.1, 0.3};
    axes.batch_size = {8, 16};
    const Grid grid(axes);  // 16 trials, 8 tracks
    const int folds = 3;
    std::vector<bool> done(static_cast<std::size_t>(grid.size() * folds), false);
    done[static_cast<std::size_t>(5 * folds + 1)] = true;  // trial 5, fold 1 journaled
    const WorkPlan plan(grid, 3, 3, 100, {}, {0, 1, &done, folds});
    std::map<std::pair<std::int64_t, int>, int> seen;  // (trial, fold) -> times planned
    for (std::size_t u = 0; u < plan.size(); ++u) {
        const WorkUnit unit = plan.unit(u);
        REQUIRE(unit.fold >= 0);
        REQUIRE(unit.fold < folds);
        for (const auto& trials : unit.trials)
            for (const std::int64_t trial : trials)
                if (trial != kNoTrial) {
                    ++seen[{trial, unit.fold}];
                    CHECK(grid.at(trial).batch_size == unit.batch_size);
                }
    }
    CHECK(seen.size() == static_cast<std::size_t>(grid.size() * folds - 1));
    for (const auto& [key, times] : seen) CHECK(times == 1);
    CHECK(seen.count({5, 1}) == 0);
    CHECK(seen.count({5, 0}) == 1);
}
