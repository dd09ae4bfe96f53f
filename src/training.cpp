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
                const std::function<void(const EpochReport&)>& report,
                const std::function<void()>& poll, const LegLinks& links) {
    using Clock = std::chrono::steady_clock;
    fault_point("train_alloc");
    const FoldSplit sets = data.fold(unit.fold);
    SideBySideTrainer trainer(sets.train, data.classes, unit.batch_size, model_specs(unit), data.seed, data.precision);
    double seconds_before = 0;  // in the legs before this one
    // Halving: each model's trial seconds in the rungs before (a unit's time is shared out per rung).
    std::vector<double> model_seconds(unit.model_count(), 0.0);
    if (unit.continues_a_leg()) {
        fault_point("receive_state");  // between a hand-over and its pick-up
        TrainedState state = links.receive();
        seconds_before = state.seconds;
        // Each model's seconds in the rungs before follow the trainer's state (halving; zeros otherwise).
        const auto models = static_cast<std::ptrdiff_t>(unit.model_count());
        std::copy(state.values.end() - models, state.values.end(), model_seconds.begin());
        state.values.resize(state.values.size() - unit.model_count());
        trainer.restore(state.values);
    } else if (unit.continues_a_rung()) {
        std::vector<std::vector<double>> states;
        for (TrainedState& model : links.resume_models()) {
            model_seconds[states.size()] = model.seconds;
            states.push_back(std::move(model.values));
        }
        trainer.restore(join_model_states(states, data.classes));
    }
    const Clock::time_point start = Clock::now();
    const auto seconds = [&] { return seconds_before + std::chrono::duration<double>(Clock::now() - start).count(); };
    std::size_t checkpoint = 0;
    while (checkpoint < unit.checkpoints.size() && unit.checkpoints[checkpoint] <= unit.first_epoch) ++checkpoint;
    for (int epoch = unit.first_epoch; epoch < unit.last_epoch; ++epoch) {
        trainer.run_epoch(epoch, poll);
        fault_point("train_epoch");
        const int trained = epoch + 1;
        const bool at_checkpoint = checkpoint < unit.checkpoints.size() && unit.checkpoints[checkpoint] == trained;
        if (at_checkpoint || data.curves) {
            const std::vector<Metrics> metrics = trainer.evaluate(sets.validation);
            EpochReport out;
            for (std::size_t m = 0; data.curves && m < unit.model_count(); ++m)
                if (trained <= unit.last_trial_epoch(m))
                    out.curve.push_back({unit.alphas[m], unit.learning_rates[m], unit.batch_size, unit.fold, trained,
                                         metrics[m].cost, metrics[m].cross_entropy, metrics[m].accuracy});
            // Each trial's share of the unit's time so far: the models trained side by side split it.
            const double share = seconds() / static_cast<double>(unit.model_count());
            for (std::size_t m = 0; at_checkpoint && m < unit.model_count(); ++m) {
                if (unit.trials[m][checkpoint] == kNoTrial) continue;
                TrialResult r;
                r.trial = unit.trials[m][checkpoint];
                r.hyper = {trained, unit.alphas[m], unit.learning_rates[m], unit.batch_size};
                r.val_cost = metrics[m].cost;
                r.val_cross_entropy = metrics[m].cross_entropy;
                r.val_accuracy = metrics[m].accuracy;
                r.status = std::isfinite(r.val_cost) ? TrialStatus::ok : TrialStatus::diverged;
                r.seconds = model_seconds[m] + share;
                r.rank = rank;
                r.fold = unit.fold;
                out.trials.push_back(r);
            }
            if (at_checkpoint) ++checkpoint;
            if (!out.empty()) report(out);
        }
        poll();
    }
    if (unit.hands_over()) {
        std::vector<double> state = trainer.state();
        state.insert(state.end(), model_seconds.begin(), model_seconds.end());
        links.hand_over({std::move(state), seconds()});
    } else if (links.keep_models) {
        const double share = seconds() / static_cast<double>(unit.model_count());
        std::vector<TrainedState> kept;
        std::size_t m = 0;
        for (std::vector<double>& model : split_model_states(trainer.state(), unit.model_count(), data.classes))
            kept.push_back({std::move(model), model_seconds[m++] + share});
        links.keep_models(std::move(kept));
    }
}

std::vector<std::vector<double>> split_model_states(const std::vector<double>& state, std::size_t models, int classes) {
    const auto c = static_cast<std::size_t>(classes), width = models * c;
    if (width == 0 || state.size() % width != 0) throw std::invalid_argument("split_model_states: " + std::to_string(state.size()) + " values for " + std::to_string(models) + " models");
    const std::size_t rows = state.size() / width;  // the weights' d rows, then the bias
    std::vector<std::vector<double>> split(models);
    for (std::size_t m = 0; m < models; ++m)
        for (std::size_t i = 0; i < rows; ++i)
            split[m].insert(split[m].end(), state.begin() + static_cast<std::ptrdiff_t>(i * width + m * c),
                            state.begin() + static_cast<std::ptrdiff_t>(i * width + (m + 1) * c));
    return split;
}

std::vector<double> join_model_states(const std::vector<std::vector<double>>& states, int classes) {
    const auto c = static_cast<std::size_t>(classes), width = states.size() * c;
    const std::size_t rows = states.empty() ? 0 : states.front().size() / c;
    std::vector<double> state;
    state.reserve(rows * width);
    for (std::size_t i = 0; i < rows; ++i)
        for (const std::vector<double>& model : states) {
            if (model.size() != rows * c) throw std::invalid_argument("join_model_states: models of different shapes");
            state.insert(state.end(), model.begin() + static_cast<std::ptrdiff_t>(i * c), model.begin() + static_cast<std::ptrdiff_t>((i + 1) * c));
        }
    return state;
}

SoftmaxModel train_final_model(const Hyperparameters& hyper, const TrainingData& data,
                               const std::function<void()>& poll) {
    SideBySideTrainer trainer(data.split.all, data.classes, hyper.batch_size, {{hyper.alpha, hyper.learning_rate}},
                              data.seed, data.precision);
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
