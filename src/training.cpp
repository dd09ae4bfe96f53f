#include "hypergrid/training.hpp"

#include "hypergrid/fault.hpp"
#include "hypergrid/sgd_trainer.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hypergrid {
namespace {

std::vector<ModelSpec> model_specs(const WorkUnit& unit) {
    std::vector<ModelSpec> specs;
    for (std::size_t m = 0; m < unit.model_count(); ++m) specs.push_back({unit.alphas[m], unit.learning_rates[m]});
    return specs;
}

}  // namespace

void train_unit(const WorkUnit& unit, const TrainingData& data, int rank,
                const std::function<void(const std::vector<TrialResult>&)>& report,
                const std::function<void()>& poll, const LegLinks& links) {
    using Clock = std::chrono::steady_clock;
    fault_point("train_alloc");
    SideBySideTrainer trainer(data.split.train, data.classes, unit.batch_size, model_specs(unit), data.seed);
    double seconds_before = 0;  // in the legs before this one
    if (unit.continues_a_leg()) {
        fault_point("receive_state");  // between a hand-over and its pick-up
        const TrainedState state = links.receive();
        seconds_before = state.seconds;
        trainer.restore(state.values);
    }
    const Clock::time_point start = Clock::now();
    const auto seconds = [&] { return seconds_before + std::chrono::duration<double>(Clock::now() - start).count(); };
    std::size_t checkpoint = 0;
    while (checkpoint < unit.checkpoints.size() && unit.checkpoints[checkpoint] <= unit.first_epoch) ++checkpoint;
    for (int epoch = unit.first_epoch; epoch < unit.last_epoch; ++epoch) {
        trainer.run_epoch(epoch, poll);
        fault_point("train_epoch");
        for (; checkpoint < unit.checkpoints.size() && unit.checkpoints[checkpoint] == epoch + 1; ++checkpoint) {
            const std::vector<Metrics> metrics = trainer.evaluate(data.split.validation);
            // Each trial's share of the unit's time so far: the models trained side by side split it.
            const double share = seconds() / static_cast<double>(unit.model_count());
            std::vector<TrialResult> results;
            for (std::size_t m = 0; m < unit.model_count(); ++m) {
                if (unit.trials[m][checkpoint] == kNoTrial) continue;
                TrialResult r;
                r.trial = unit.trials[m][checkpoint];
                r.hyper = {epoch + 1, unit.alphas[m], unit.learning_rates[m], unit.batch_size};
                r.val_cost = metrics[m].cost;
                r.val_cross_entropy = metrics[m].cross_entropy;
                r.val_accuracy = metrics[m].accuracy;
                r.status = std::isfinite(r.val_cost) ? TrialStatus::ok : TrialStatus::diverged;
                r.seconds = share;
                r.rank = rank;
                results.push_back(r);
            }
            report(results);
        }
        poll();
    }
    if (unit.hands_over()) {
        links.hand_over({trainer.state(), seconds()});
    }
}

SoftmaxModel train_final_model(const Hyperparameters& hyper, const TrainingData& data,
                               const std::function<void()>& poll) {
    SideBySideTrainer trainer(data.split.all, data.classes, hyper.batch_size, {{hyper.alpha, hyper.learning_rate}},
                              data.seed);
    for (int epoch = 0; epoch < hyper.epochs; ++epoch) {
        trainer.run_epoch(epoch, poll);
        fault_point("final_model");
    }
    SoftmaxModel model = trainer.model(0);
    model.feature_scale = data.feature_scale;
    return model;
}

FinalResult test_final_model(SoftmaxModel model, const TrainingData& data) {
    FinalResult result;
    model.feature_scale = data.feature_scale;
    Evaluation test = model.evaluate(data.test);
    result.test = test.metrics;
    result.confusion = std::move(test.confusion);
    result.model = std::move(model);
    return result;
}

std::vector<double> flatten(const SoftmaxModel& model) {
    std::vector<double> flat(model.weights.data(), model.weights.data() + model.weights.size());
    flat.insert(flat.end(), model.bias.data(), model.bias.data() + model.bias.size());
    return flat;
}

SoftmaxModel unflatten(const std::vector<double>& flat, std::int64_t dims, int classes) {
    const std::int64_t weights = dims * classes;
    if (static_cast<std::int64_t>(flat.size()) != weights + classes)
        throw std::invalid_argument("unflatten: " + std::to_string(flat.size()) + " values for a " +
                                    std::to_string(dims) + " x " + std::to_string(classes) + " model");
    SoftmaxModel model;
    model.weights = Eigen::Map<const Eigen::MatrixXd>(flat.data(), dims, classes).cast<float>();
    model.bias = Eigen::Map<const Eigen::VectorXd>(flat.data() + weights, classes).cast<float>();
    return model;
}

}  // namespace hypergrid
