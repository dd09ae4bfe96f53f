#include "hypergrid/folds.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/text_format.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace hypergrid {

FoldRange fold_range(std::int64_t examples, int folds, int fold) {
    // floor(f n / K) in integers; f n fits easily (n < 2^40, K < 2^31).
    const auto start = [&](std::int64_t f) { return f * examples / folds; };
    return {start(fold), start(fold + 1) - start(fold)};
}

FoldSplit fold_split(const DatasetView& all, int folds, int fold) {
    const FoldRange range = fold_range(all.count, folds, fold);
    return {ExampleSet(all, range.first, range.count), all.slice(range.first, range.count)};
}

void check_folds(int folds, std::int64_t examples) {
    if (folds < 2 || folds > examples)
        throw InputError("data.folds: " + std::to_string(folds) + " folds of " + std::to_string(examples) +
                         " training examples: each fold needs an example (2 <= folds <= examples)");
}

TrialResult combine_folds(const std::vector<TrialResult>& folds) {
    TrialResult trial = folds.front();
    trial.fold = -1;
    const auto k = static_cast<double>(folds.size());
    double cost = 0, cross_entropy = 0, accuracy = 0, seconds = 0;
    for (const TrialResult& r : folds) {
        cost += r.val_cost;
        cross_entropy += r.val_cross_entropy;
        accuracy += r.val_accuracy;
        seconds += r.seconds;
        if (r.status != TrialStatus::ok) trial.status = r.status;
    }
    trial.val_cost = cost / k;
    trial.val_cross_entropy = cross_entropy / k;
    trial.val_accuracy = accuracy / k;
    double squares = 0;
    for (const TrialResult& r : folds) squares += (r.val_cost - trial.val_cost) * (r.val_cost - trial.val_cost);
    trial.val_cost_std = std::sqrt(squares / k);
    trial.seconds = seconds;
    return trial;
}

std::vector<TrialResult> FoldAggregator::add(const std::vector<TrialResult>& fold_results, std::vector<TrialResult>* fresh) {
    std::vector<TrialResult> complete;
    for (const TrialResult& r : fold_results) {
        if (r.fold < 0 || r.fold >= folds_) throw std::invalid_argument("FoldAggregator: fold " + std::to_string(r.fold) + " of " + std::to_string(folds_));
        std::vector<TrialResult>& folds = by_trial_[r.trial];
        if (folds.empty()) {
            folds.resize(static_cast<std::size_t>(folds_));
            for (TrialResult& missing : folds) missing.fold = -1;
        }
        TrialResult& slot = folds[static_cast<std::size_t>(r.fold)];
        if (slot.fold >= 0) continue;
        slot = r;
        if (fresh) fresh->push_back(r);
        bool all = true;
        for (const TrialResult& f : folds) all = all && f.fold >= 0;
        if (all) complete.push_back(combine_folds(folds));
    }
    return complete;
}

std::vector<TrialResult> FoldAggregator::fold_results() const {
    std::vector<TrialResult> all;
    for (const auto& [trial, folds] : by_trial_)
        for (const TrialResult& r : folds)
            if (r.fold >= 0) all.push_back(r);
    return all;
}

std::string format_folds_csv(const std::vector<TrialResult>& fold_results) {
    std::string csv = "trial,fold,val_cost,val_cross_entropy,val_accuracy\n";
    for (const TrialResult& r : fold_results)
        csv += std::to_string(r.trial) + ',' + std::to_string(r.fold) + ',' + format_number(r.val_cost) + ',' +
               format_number(r.val_cross_entropy) + ',' + format_number(r.val_accuracy) + '\n';
    return csv;
}

}  // namespace hypergrid
