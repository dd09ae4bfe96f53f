// Tests for SideBySideTrainer (mini-batch SGD of k models on shared mini-batches) against plain
// double-precision SGD built on softmax_cost_gradient, and for train_unit's reporting.

#include "hypergrid/plan.hpp"
#include "hypergrid/shuffle.hpp"
#include "hypergrid/sgd_trainer.hpp"
#include "hypergrid/text_format.hpp"
#include "hypergrid/training.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

using namespace hypergrid;
using namespace hypergrid::testing;

namespace {

/// A model in double precision.
struct Reference {
    Eigen::MatrixXd weights;
    Eigen::VectorXd bias;
};

/// One SGD step on the examples `columns` of `train`: W -= lr dJ/dW, b -= lr dJ/db.
void reference_step(Reference& model, const DatasetView& train, const std::vector<std::uint32_t>& columns,
                    const ModelSpec& spec) {
    std::vector<std::int32_t> labels;
    const Eigen::MatrixXd x = gather_columns(train, columns, labels);
    Eigen::MatrixXd gw;
    Eigen::VectorXd gb;
    softmax_cost_gradient(model.weights, model.bias, x, labels, spec.alpha, &gw, &gb);
    model.weights -= spec.learning_rate * gw;
    model.bias -= spec.learning_rate * gb;
}

/// Mini-batch SGD from zero as sgd_trainer.hpp specifies it, in double: epoch e visits
/// epoch_permutation(seed, e) in batches of batch_size, the last partial batch kept.
Reference reference_sgd(const DatasetView& train, int classes, std::int64_t batch_size, const ModelSpec& spec,
                        std::uint64_t seed, int epochs) {
    Reference model{Eigen::MatrixXd::Zero(train.dims, classes), Eigen::VectorXd::Zero(classes)};
    for (int epoch = 0; epoch < epochs; ++epoch) {
        const std::vector<std::uint32_t> order = epoch_permutation(seed, epoch, train.count);
        for (std::int64_t first = 0; first < train.count; first += batch_size) {
            const std::int64_t last = std::min(train.count, first + batch_size);
            reference_step(model, train, {order.begin() + first, order.begin() + last}, spec);
        }
    }
    return model;
}

/// Every example in index order: a full batch.
std::vector<std::uint32_t> all_columns(const DatasetView& data) {
    std::vector<std::uint32_t> columns(static_cast<std::size_t>(data.count));
    for (std::size_t i = 0; i < columns.size(); ++i) columns[i] = static_cast<std::uint32_t>(i);
    return columns;
}

void check_close(const SoftmaxModel& got, const Reference& expected, double tolerance) {
    CHECK(relative_difference(got.weights.cast<double>(), expected.weights) < tolerance);
    CHECK(relative_difference(got.bias.cast<double>(), expected.bias) < tolerance);
}

bool bitwise_equal(const SoftmaxModel& a, const SoftmaxModel& b) {
    return a.weights.rows() == b.weights.rows() && a.weights.cols() == b.weights.cols() &&
           (a.weights.array() == b.weights.array()).all() && (a.bias.array() == b.bias.array()).all();
}

std::vector<SoftmaxModel> train(const DatasetView& data, int classes, int batch_size,
                                const std::vector<ModelSpec>& specs, std::uint64_t seed, int epochs) {
    SideBySideTrainer trainer(data, classes, batch_size, specs, seed);
    for (int epoch = 0; epoch < epochs; ++epoch) trainer.run_epoch(epoch);
    std::vector<SoftmaxModel> models;
    for (std::size_t m = 0; m < trainer.model_count(); ++m) models.push_back(trainer.model(m));
    return models;
}

const std::vector<ModelSpec> kThreeModels{{0.0, 0.5}, {0.1, 0.1}, {0.01, 1.0}};

/// The reports and between-epoch calls of one train_unit run.
struct UnitRun {
    std::vector<std::vector<TrialResult>> reports;  ///< each report's trials
    std::vector<std::vector<CurvePoint>> curves;    ///< each report's curve points
    std::vector<int> between_before_report;  ///< between_epochs calls made before each report
    int between = 0;
};

UnitRun run_unit(const WorkUnit& unit, const TrainingData& data, int rank) {
    UnitRun run;
    train_unit(
        unit, data, rank,
        [&](const EpochReport& report) {
            run.reports.push_back(report.trials);
            run.curves.push_back(report.curve);
            run.between_before_report.push_back(run.between);
        },
        [&] { ++run.between; });
    return run;
}

}  // namespace

TEST_CASE("a full batch epoch is one explicit gradient step", "[trainer]") {
    const TrainingProblem problem(40, 10, 6, 4, 3);
    const DatasetView& data = problem.train();  // 30 examples
    const int batch = GENERATE(30, 1000);      // batch_size >= n: one batch, whatever the order
    INFO("batch size " << batch);
    const int epochs = GENERATE(1, 3);         // from the second step on, alpha matters too
    INFO(epochs << " epochs");

    const std::vector<SoftmaxModel> models = train(data, problem.classes(), batch, kThreeModels, 17, epochs);
    REQUIRE(models.size() == 3);
    for (std::size_t m = 0; m < 3; ++m) {
        INFO("model " << m);
        REQUIRE(models[m].weights.rows() == 6);
        REQUIRE(models[m].weights.cols() == 4);
        REQUIRE(models[m].bias.size() == 4);
        Reference expected{Eigen::MatrixXd::Zero(6, 4), Eigen::VectorXd::Zero(4)};
        for (int e = 0; e < epochs; ++e) reference_step(expected, data, all_columns(data), kThreeModels[m]);
        check_close(models[m], expected, 1e-5);
    }
}

TEST_CASE("mini-batches follow epoch_permutation, the last partial batch kept", "[trainer]") {
    const TrainingProblem problem(23, 1, 5, 3, 12);  // 22 training examples: batches 5, 5, 5, 5, 2
    const DatasetView& data = problem.train();
    const std::vector<ModelSpec> specs{{0.05, 0.3}, {0.0, 0.8}};
    const std::vector<SoftmaxModel> models = train(data, 3, 5, specs, 99, 2);
    for (std::size_t m = 0; m < specs.size(); ++m) {
        INFO("model " << m);
        check_close(models[m], reference_sgd(data, 3, 5, specs[m], 99, 2), 1e-5);
    }
}

TEST_CASE("models trained side by side equal each model trained alone", "[trainer]") {
    const Dataset data = make_synthetic(50, 6, 4, 5);
    const std::vector<SoftmaxModel> together = train(data.view(), 4, 7, kThreeModels, 23, 3);
    REQUIRE(together.size() == 3);
    for (std::size_t m = 0; m < 3; ++m) {
        INFO("model " << m);
        const std::vector<SoftmaxModel> alone = train(data.view(), 4, 7, {kThreeModels[m]}, 23, 3);
        REQUIRE(alone.size() == 1);
        check_close(together[m], {alone[0].weights.cast<double>(), alone[0].bias.cast<double>()}, 1e-5);
        for (Eigen::Index i = 0; i < alone[0].weights.size(); ++i)
            CHECK(together[m].weights(i) == Approx(alone[0].weights(i)).epsilon(1e-5).margin(1e-6));
        // and both are the specified SGD
        check_close(together[m], reference_sgd(data.view(), 4, 7, kThreeModels[m], 23, 3), 1e-5);
    }
}

TEST_CASE("a model's arithmetic is the same bits whatever its neighbours", "[trainer]") {
    // 10 classes: 1, 3, 6, 7, 9 and 12 models fill 1, 2, 4, 5, 6 and 8 vectors of 16 floats (AVX-512;
    // narrower vectors make other mixes), so every panel width and its last blocks are taken; 13
    // features and batches of 7 and 13 leave partial blocks of weight rows and of examples.
    const Dataset data = make_synthetic(60, 13, 10, 8);
    const int batch = GENERATE(7, 13);
    INFO("batch size " << batch);
    const ModelSpec first{0.01, 0.3};
    const std::vector<SoftmaxModel> alone = train(data.view(), 10, batch, {first}, 5, 2);
    check_close(alone[0], reference_sgd(data.view(), 10, batch, first, 5, 2), 1e-5);
    for (const std::size_t count : {3, 6, 7, 9, 12}) {
        INFO(count << " models");
        std::vector<ModelSpec> specs{first};
        for (std::size_t m = 1; m < count; ++m) specs.push_back({0.001 * static_cast<double>(m), 0.05 * static_cast<double>(m)});
        const std::vector<SoftmaxModel> together = train(data.view(), 10, batch, specs, 5, 2);
        CHECK(bitwise_equal(together[0], alone[0]));
        check_close(together[count - 1], reference_sgd(data.view(), 10, batch, specs[count - 1], 5, 2), 1e-5);
    }
}

TEST_CASE("training is deterministic given the seed", "[trainer]") {
    const Dataset data = make_synthetic(50, 6, 4, 5);
    const std::vector<SoftmaxModel> first = train(data.view(), 4, 7, kThreeModels, 23, 2);
    const std::vector<SoftmaxModel> again = train(data.view(), 4, 7, kThreeModels, 23, 2);
    const std::vector<SoftmaxModel> other = train(data.view(), 4, 7, kThreeModels, 24, 2);
    for (std::size_t m = 0; m < 3; ++m) {
        INFO("model " << m);
        CHECK(bitwise_equal(first[m], again[m]));
        CHECK_FALSE(bitwise_equal(first[m], other[m]));  // another seed visits other mini-batches
        CHECK(relative_difference(first[m].weights.cast<double>(), other[m].weights.cast<double>()) > 1e-4);
    }
}

TEST_CASE("a huge learning rate diverges without harming its neighbours", "[trainer]") {
    const TrainingProblem problem(60, 20, 5, 3, 4);
    // alpha * lr = 2e12: each step multiplies W by about -2e12, so float overflows within an epoch.
    const std::vector<ModelSpec> specs{{0.01, 0.1}, {2.0, 1e12}, {0.0, 0.5}};
    SideBySideTrainer trainer(problem.train(), problem.classes(), 8, specs, 1);
    for (int epoch = 0; epoch < 3; ++epoch) trainer.run_epoch(epoch);
    const std::vector<Metrics> metrics = trainer.evaluate(problem.validation());
    REQUIRE(metrics.size() == 3);
    CHECK_FALSE(std::isfinite(metrics[1].cost));
    CHECK_FALSE(trainer.model(1).weights.allFinite());
    for (const std::size_t m : {std::size_t{0}, std::size_t{2}}) {
        INFO("model " << m);
        CHECK(std::isfinite(metrics[m].cost));
        CHECK(std::isfinite(metrics[m].cross_entropy));
        CHECK(trainer.model(m).weights.allFinite());
        const std::vector<SoftmaxModel> alone = train(problem.train(), problem.classes(), 8, {specs[m]}, 1, 3);
        check_close(trainer.model(m), {alone[0].weights.cast<double>(), alone[0].bias.cast<double>()}, 1e-5);
    }
}

TEST_CASE("train_unit reports every checkpoint once", "[trainer]") {
    const TrainingProblem problem(60, 20, 5, 3, 8);  // 40 training examples, batch 8: 5 steps an epoch
    const Grid grid({{3, 1}, {0.0, 2.0}, {0.1, 1e12}, {8}});
    const WorkPlan plan(grid, problem.classes(), 4, problem.train().count);
    REQUIRE(plan.size() == 1);
    const WorkUnit unit = plan.unit(0);
    const UnitRun run = run_unit(unit, problem.training(), 5);

    CHECK(run.between == 3);  // once per epoch, up to the largest epoch count
    REQUIRE(run.reports.size() == 2);
    std::vector<int> seen(static_cast<std::size_t>(grid.size()), 0);
    const std::vector<int> epochs{1, 3};
    for (std::size_t k = 0; k < run.reports.size(); ++k) {
        INFO("report " << k);
        // Reported after the checkpoint's epoch: between_epochs has run for the epochs before it.
        CHECK(run.between_before_report[k] >= epochs[k] - 1);
        CHECK(run.between_before_report[k] <= epochs[k]);
        REQUIRE(run.reports[k].size() == 4);
        for (const TrialResult& r : run.reports[k]) {
            INFO("trial " << r.trial);
            REQUIRE(r.trial >= 0);
            REQUIRE(r.trial < grid.size());
            ++seen[static_cast<std::size_t>(r.trial)];
            const Hyperparameters h = grid.at(r.trial);
            CHECK(r.hyper.epochs == epochs[k]);
            CHECK(h.epochs == epochs[k]);
            CHECK(r.hyper.alpha == h.alpha);
            CHECK(r.hyper.learning_rate == h.learning_rate);
            CHECK(r.hyper.batch_size == h.batch_size);
            CHECK(r.rank == 5);
            CHECK(r.seconds >= 0);
            CHECK(std::isfinite(r.seconds));
            CHECK((r.status == TrialStatus::ok) == std::isfinite(r.val_cost));
            if (h.alpha == 2.0 && h.learning_rate == 1e12) {
                CHECK(r.status == TrialStatus::diverged);
            }
            if (h.learning_rate == 0.1) {
                CHECK(r.status == TrialStatus::ok);
                // Validated on the validation split: the double SGD's validation cost.
                const Reference expected = reference_sgd(problem.train(), problem.classes(), 8,
                                                         {h.alpha, h.learning_rate}, problem.training().seed, h.epochs);
                const double cost = softmax_cost_gradient(expected.weights, expected.bias,
                                                          features_double(problem.validation()),
                                                          labels_of(problem.validation()), h.alpha, nullptr, nullptr);
                CHECK(r.val_cost == Approx(cost).epsilon(1e-5));
                CHECK(r.val_accuracy >= 0);
                CHECK(r.val_accuracy <= 1);
            }
        }
    }
    for (std::size_t id = 0; id < seen.size(); ++id) {
        INFO("trial " << id);
        CHECK(seen[id] == 1);
    }
}

TEST_CASE("train_unit shares epoch prefixes exactly", "[trainer]") {
    const TrainingProblem problem(45, 15, 4, 3, 2);
    const GridConfig axes{{4, 2}, {0.0, 0.01}, {0.1, 0.3}, {7}};
    GridConfig short_axes = axes;
    short_axes.epochs = {2};
    const Grid long_grid(axes), short_grid(short_axes);
    const WorkPlan long_plan(long_grid, problem.classes(), 9, problem.train().count);
    const WorkPlan short_plan(short_grid, problem.classes(), 9, problem.train().count);
    REQUIRE(long_plan.size() == 1);
    REQUIRE(short_plan.size() == 1);
    const UnitRun long_run = run_unit(long_plan.unit(0), problem.training(), 0);
    const UnitRun short_run = run_unit(short_plan.unit(0), problem.training(), 0);
    REQUIRE(long_run.reports.size() == 2);
    REQUIRE(short_run.reports.size() == 1);

    // By (alpha, learning_rate): the epoch-2 metrics of the unit trained on to 4 epochs.
    std::map<std::pair<double, double>, TrialResult> at_two;
    for (const TrialResult& r : long_run.reports[0]) {
        CHECK(r.hyper.epochs == 2);
        at_two[{r.hyper.alpha, r.hyper.learning_rate}] = r;
    }
    REQUIRE(at_two.size() == 4);
    for (const TrialResult& r : short_run.reports[0]) {
        INFO("alpha " << r.hyper.alpha << " lr " << r.hyper.learning_rate);
        const auto found = at_two.find({r.hyper.alpha, r.hyper.learning_rate});
        REQUIRE(found != at_two.end());
        CHECK(r.status == TrialStatus::ok);
        CHECK(r.val_cost == found->second.val_cost);
        CHECK(r.val_cross_entropy == found->second.val_cross_entropy);
        CHECK(r.val_accuracy == found->second.val_accuracy);
    }
    // The epoch-4 results moved on from epoch 2.
    for (const TrialResult& r : long_run.reports[1]) {
        CHECK(r.hyper.epochs == 4);
        CHECK(r.val_cost != at_two[{r.hyper.alpha, r.hyper.learning_rate}].val_cost);
    }
}

TEST_CASE("a unit trained in two legs, the state handed over between them, gives the same bits", "[trainer]") {
    const TrainingProblem problem(50, 10, 6, 4, 3);  // 40 training examples, batch 6: a partial batch too
    const Grid grid({{5, 2, 3}, {0.0, 0.01}, {0.2, 0.5}, {6}});
    const WorkPlan plan(grid, problem.classes(), 9, problem.train().count);
    REQUIRE(plan.size() == 1);
    const WorkUnit whole = plan.unit(0);
    REQUIRE(whole.epochs() == 5);
    std::map<std::int64_t, TrialResult> expected;  // by trial
    bool linked = false;  // a whole unit neither receives nor hands over
    train_unit(whole, problem.training(), 0,
               [&](const EpochReport& report) { for (const TrialResult& r : report.trials) expected[r.trial] = r; },
               [] {}, {[&] { linked = true; return TrainedState{}; }, [&](TrainedState) { linked = true; }});
    CHECK_FALSE(linked);
    REQUIRE(expected.size() == static_cast<std::size_t>(grid.size()));

    for (int cut = 1; cut < whole.epochs(); ++cut) {
        INFO("cut after epoch " << cut);
        WorkUnit head = whole, tail = whole;
        head.last_epoch = cut;
        tail.first_epoch = cut;
        std::map<std::int64_t, TrialResult> got;
        const auto collect = [&](const EpochReport& report) {
            for (const TrialResult& r : report.trials) CHECK(got.emplace(r.trial, r).second);  // each trial once
        };
        TrainedState handed;
        int received = 0;
        train_unit(head, problem.training(), 0, collect, [] {},
                   {[&] { ++received; return TrainedState{}; }, [&](TrainedState state) { handed = std::move(state); }});
        CHECK(received == 0);
        REQUIRE_FALSE(handed.values.empty());
        const double head_seconds = handed.seconds;
        CHECK(head_seconds > 0);
        train_unit(tail, problem.training(), 1, collect, [] {},
                   {[&] { ++received; return handed; }, [&](TrainedState) { FAIL("the last leg handed over"); }});
        CHECK(received == 1);
        REQUIRE(got.size() == expected.size());
        for (const auto& [trial, r] : got) {
            INFO("trial " << trial);
            const TrialResult& e = expected.at(trial);
            CHECK(r.hyper.epochs == e.hyper.epochs);
            CHECK(r.val_cost == e.val_cost);
            CHECK(r.val_cross_entropy == e.val_cross_entropy);
            CHECK(r.val_accuracy == e.val_accuracy);
            CHECK(r.rank == (r.hyper.epochs <= cut ? 0 : 1));
            if (r.hyper.epochs > cut) CHECK(r.seconds >= head_seconds / static_cast<double>(whole.model_count()));
        }
    }
}

TEST_CASE("train_unit with curves reports every model after every epoch and the same trials", "[trainer]") {
    const TrainingProblem problem(60, 20, 5, 3, 8);
    const Grid grid({{3, 1, 5}, {0.0, 2.0}, {0.1, 1e12}, {8}});
    const WorkPlan plan(grid, problem.classes(), 4, problem.train().count);
    REQUIRE(plan.size() == 1);
    WorkUnit unit = plan.unit(0);
    REQUIRE(unit.checkpoints == std::vector<int>{1, 3, 5});
    unit.trials[1].back() = kNoTrial;  // model 1 owes no trial at 5 epochs: its curve ends at 3
    CHECK(unit.last_trial_epoch(0) == 5);
    CHECK(unit.last_trial_epoch(1) == 3);
    TrainingData data = problem.training();
    const UnitRun plain = run_unit(unit, data, 0);
    data.curves = true;
    const UnitRun curves = run_unit(unit, data, 0);

    CHECK(plain.curves == std::vector<std::vector<CurvePoint>>(3));  // no points without curves
    REQUIRE(curves.reports.size() == 5);  // a report per epoch
    CHECK(curves.between == plain.between);
    std::vector<std::vector<TrialResult>> trials;  // the reports that carry trials
    for (std::size_t k = 0; k < curves.reports.size(); ++k) {
        const int epoch = static_cast<int>(k) + 1;
        INFO("epoch " << epoch);
        REQUIRE(curves.curves[k].size() == (epoch <= 3 ? 4u : 3u));
        for (std::size_t m = 0; m < curves.curves[k].size(); ++m) {
            const CurvePoint& p = curves.curves[k][m];
            const std::size_t model = epoch <= 3 || m == 0 ? m : m + 1;  // model 1 has left after epoch 3
            CHECK(p.epoch == epoch);
            CHECK(p.alpha == unit.alphas[model]);
            CHECK(p.learning_rate == unit.learning_rates[model]);
            CHECK(p.batch_size == 8);
            CHECK(p.fold == -1);
        }
        if (curves.reports[k].empty()) continue;
        trials.push_back(curves.reports[k]);
        for (const TrialResult& r : curves.reports[k]) {  // a checkpoint's point is its trial's figures
            INFO("trial " << r.trial);
            const auto point = std::find_if(curves.curves[k].begin(), curves.curves[k].end(), [&](const CurvePoint& p) {
                return p.alpha == r.hyper.alpha && p.learning_rate == r.hyper.learning_rate;
            });
            REQUIRE(point != curves.curves[k].end());
            CHECK(format_number(point->val_cost) == format_number(r.val_cost));
            CHECK(format_number(point->val_cross_entropy) == format_number(r.val_cross_entropy));
            CHECK(format_number(point->val_accuracy) == format_number(r.val_accuracy));
        }
    }
    // The trials are those of a run without curves, bit for bit (seconds aside).
    REQUIRE(trials.size() == plain.reports.size());
    for (std::size_t k = 0; k < trials.size(); ++k) {
        REQUIRE(trials[k].size() == plain.reports[k].size());
        for (std::size_t i = 0; i < trials[k].size(); ++i) {
            TrialResult r = trials[k][i];
            r.seconds = plain.reports[k][i].seconds;
            CHECK(r == plain.reports[k][i]);
        }
    }
    // Two legs, the state handed over between them, give the whole unit's points.
    std::vector<CurvePoint> whole, legs;
    for (const std::vector<CurvePoint>& points : curves.curves) whole.insert(whole.end(), points.begin(), points.end());
    WorkUnit head = unit, tail = unit;
    head.last_epoch = tail.first_epoch = 2;
    TrainedState handed;
    const auto collect = [&](const EpochReport& report) { legs.insert(legs.end(), report.curve.begin(), report.curve.end()); };
    train_unit(head, data, 0, collect, [] {}, {{}, [&](TrainedState state) { handed = std::move(state); }});
    train_unit(tail, data, 1, collect, [] {}, {[&] { return handed; }, {}});
    CHECK(legs == whole);
}

TEST_CASE("a trainer restored from another's state carries on with the same bits", "[trainer]") {
    const TrainingProblem problem(40, 10, 5, 3, 4);
    SideBySideTrainer first(problem.train(), problem.classes(), 4, kThreeModels, 9);
    for (int epoch = 0; epoch < 2; ++epoch) first.run_epoch(epoch);
    SideBySideTrainer second(problem.train(), problem.classes(), 4, kThreeModels, 9);
    second.restore(first.state());
    for (std::size_t m = 0; m < kThreeModels.size(); ++m) CHECK(bitwise_equal(first.model(m), second.model(m)));
    first.run_epoch(2);
    second.run_epoch(2);
    for (std::size_t m = 0; m < kThreeModels.size(); ++m) CHECK(bitwise_equal(first.model(m), second.model(m)));
    CHECK(first.state().size() == static_cast<std::size_t>((problem.train().dims + 1) * 3 * problem.classes()));
    std::vector<double> short_state = first.state();
    short_state.pop_back();
    CHECK_THROWS_AS(second.restore(short_state), std::invalid_argument);
}

TEST_CASE("the final model: SGD on train + validation, tested unregularised, sent between ranks exactly", "[trainer]") {
    const TrainingProblem problem(60, 20, 5, 3, 8);
    const TrainingData& data = problem.training();
    REQUIRE(data.split.all.count == 60);
    REQUIRE(data.test.count > 0);
    const Hyperparameters hyper{2, 0.01, 0.1, 8};

    const SoftmaxModel model = train_final_model(hyper, data);
    const Reference expected = reference_sgd(data.split.all, data.classes, 8, {0.01, 0.1}, data.seed, 2);
    check_close(model, expected, 1e-5);

    const FinalResult result = test_final_model(model, data);
    const double cross_entropy = softmax_cost_gradient(expected.weights, expected.bias, features_double(data.test),
                                                       labels_of(data.test), 0.0, nullptr, nullptr);
    CHECK(result.test.cost == result.test.cross_entropy);
    CHECK(result.test.cross_entropy == Approx(cross_entropy).epsilon(1e-5));
    REQUIRE(result.confusion.rows() == 3);
    REQUIRE(result.confusion.cols() == 3);
    CHECK(result.confusion.sum() == data.test.count);
    CHECK(result.test.accuracy == Approx(static_cast<double>(result.confusion.trace()) / static_cast<double>(data.test.count)));

    // Flattened to send it to rank 0 and back: bit for bit the same model.
    const std::vector<double> flat = flatten(model);
    CHECK(flat.size() == 5 * 3 + 3);
    const SoftmaxModel back = unflatten(flat, 5, 3);
    CHECK((back.weights.array() == model.weights.array()).all());
    CHECK((back.bias.array() == model.bias.array()).all());
    CHECK_THROWS_AS(unflatten(flat, 6, 3), std::invalid_argument);
}
