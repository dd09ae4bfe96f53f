#include "hypergrid/training.hpp"

#include "hypergrid/trainer.hpp"

#include <chrono>
#include <cmath>

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
                const std::function<void()>& poll) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    SideBySideTrainer trainer(data.split.train, data.classes, unit.batch_size, model_specs(unit), data.seed);
    std::size_t checkpoint = 0;
    for (int epoch = 0; epoch < unit.epochs(); ++epoch) {
        trainer.run_epoch(epoch, poll);
        for (; checkpoint < unit.checkpoints.size() && unit.checkpoints[checkpoint] == epoch + 1; ++checkpoint) {
            const std::vector<Metrics> metrics = trainer.evaluate(data.split.validation);
            // Each trial's share of the unit's time so far: the models trained side by side split it.
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count() /
                                   static_cast<double>(unit.model_count());
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
                r.seconds = seconds;
                r.rank = rank;
                results.push_back(r);
            }
            report(results);
        }
        poll();
    }
}

FinalResult train_final(const Hyperparameters& hyper, const TrainingData& data) {
    SideBySideTrainer trainer(data.split.all, data.classes, hyper.batch_size, {{hyper.alpha, hyper.learning_rate}},
                              data.seed);
    for (int epoch = 0; epoch < hyper.epochs; ++epoch) trainer.run_epoch(epoch);
    FinalResult result;
    result.model = trainer.model(0);
    result.test = trainer.evaluate_with_confusion(data.test, result.confusion);
    result.test.cost = result.test.cross_entropy;  // the test figures are unregularised
    return result;
}

}  // namespace hypergrid
