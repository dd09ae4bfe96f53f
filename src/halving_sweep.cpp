#include "hypergrid/halving_sweep.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace hypergrid {

std::vector<std::int64_t> RungSweep::encode() const {
    if (finished) return {};
    std::vector<std::int64_t> values = {static_cast<std::int64_t>(rung), from_epoch, keep ? 1 : 0};
    values.insert(values.end(), configurations.begin(), configurations.end());
    return values;
}

RungSweep RungSweep::decode(const std::vector<std::int64_t>& values) {
    RungSweep sweep;
    if (values.empty()) {
        sweep.finished = true;
        return sweep;
    }
    if (values.size() < 3) throw std::invalid_argument("RungSweep::decode: " + std::to_string(values.size()) + " values");
    sweep.rung = static_cast<std::size_t>(values[0]);
    sweep.from_epoch = static_cast<int>(values[1]);
    sweep.keep = values[2] != 0;
    sweep.configurations.assign(values.begin() + 3, values.end());
    return sweep;
}

std::int64_t model_state_key(std::int64_t trial, int fold, int folds) {
    return -1 - (trial * std::max(folds, 1) + std::max(fold, 0));
}

RungSweep next_rung_sweep(const HalvingSchedule& schedule, const std::vector<TrialResult>& results,
                          const FoldAggregator* fold_results, int folds,
                          StateStore& kept) {
    const HalvingProgress progress = halving_progress(schedule, results);
    RungSweep sweep;
    if (progress.finished) {
        kept.erase_if([](std::int64_t) { return true; });
        sweep.finished = true;
        return sweep;
    }
    sweep.rung = progress.current;
    sweep.keep = sweep.rung + 1 < schedule.rungs();
    const std::vector<std::int64_t>& rung = progress.rungs[sweep.rung];
    const int fold_count = std::max(folds, 1);
    // The rung's models wait in `kept` under these keys; anything else there is of a configuration
    // this rung dropped (or of an older rung), never needed again.
    // The models the rung before left for the next one, by the trial they ended.
    const auto kept_key = [&](std::int64_t c, int f) { return model_state_key(schedule.trial(c, sweep.rung - 1), f, folds); };
    std::vector<std::int64_t> wanted;
    if (sweep.rung > 0)
        for (const std::int64_t c : rung)
            for (int f = 0; f < fold_count; ++f) wanted.push_back(kept_key(c, f));
    std::sort(wanted.begin(), wanted.end());
    kept.erase_if([&](std::int64_t key) { return !std::binary_search(wanted.begin(), wanted.end(), key); });

    std::vector<bool> finished(static_cast<std::size_t>(schedule.configurations()), false);
    for (const TrialResult& r : results)
        if (schedule.rung(r.trial) == sweep.rung) finished[static_cast<std::size_t>(schedule.configuration(r.trial))] = true;
    std::vector<std::int64_t> continuing, from_zero;
    for (const std::int64_t c : rung) {
        if (finished[static_cast<std::size_t>(c)]) continue;
        bool all_kept = sweep.rung > 0;
        for (int f = 0; f < fold_count && all_kept; ++f) {
            const bool owed = !fold_results || !fold_results->has(schedule.trial(c, sweep.rung), f);
            all_kept = !owed || kept.holds(kept_key(c, f));
        }
        (all_kept ? continuing : from_zero).push_back(c);
    }
    if (!from_zero.empty()) {
        sweep.configurations = std::move(from_zero);
    } else {
        sweep.configurations = std::move(continuing);
        sweep.from_epoch = schedule.epochs(sweep.rung - 1);
    }
    return sweep;
}

std::vector<bool> rung_done_mask(const HalvingSchedule& schedule, const RungSweep& sweep,
                                 const std::vector<bool>& journaled, int folds) {
    const auto fold_count = static_cast<std::int64_t>(std::max(folds, 1));
    std::vector<bool> done(static_cast<std::size_t>(schedule.configurations() * static_cast<std::int64_t>(schedule.rungs()) * fold_count), true);
    for (const std::int64_t c : sweep.configurations)
        for (std::int64_t f = 0; f < fold_count; ++f) {
            const auto id = static_cast<std::size_t>(schedule.trial(c, sweep.rung) * fold_count + f);
            done[id] = !journaled.empty() && journaled[id];
        }
    return done;
}

void link_rung(const WorkUnit& unit, const HalvingSchedule& schedule, const RungSweep& sweep, int folds,
               const std::function<TrainedState(std::int64_t key)>& receive,
               const std::function<void(std::int64_t key, TrainedState state)>& hand_over, LegLinks& links) {
    std::vector<std::int64_t> from, to;  // each model's keys: where it comes from, where it goes
    for (const std::vector<std::int64_t>& trials : unit.trials) {
        const auto trial = std::find_if(trials.begin(), trials.end(), [](std::int64_t t) { return t != kNoTrial; });
        if (trial == trials.end()) throw std::logic_error("link_rung: a model without a trial in its rung");
        if (sweep.rung > 0) from.push_back(model_state_key(schedule.trial(schedule.configuration(*trial), sweep.rung - 1), unit.fold, folds));
        to.push_back(model_state_key(*trial, unit.fold, folds));
    }
    if (sweep.from_epoch > 0)
        links.resume_models = [from, receive] {
            std::vector<TrainedState> states;
            for (const std::int64_t key : from) states.push_back(receive(key));
            return states;
        };
    if (sweep.keep)
        links.keep_models = [to, hand_over](std::vector<TrainedState> states) {
            for (std::size_t m = 0; m < to.size(); ++m) hand_over(to[m], std::move(states[m]));
        };
}

std::string describe(const RungSweep& sweep, const HalvingSchedule& schedule) {
    std::string text = "; halving rung " + std::to_string(sweep.rung) + " of " + std::to_string(schedule.rungs()) + ": " +
                       std::to_string(sweep.configurations.size()) + " configurations, epochs ";
    text += sweep.from_epoch > 0 ? std::to_string(sweep.from_epoch) + " -> " : "0 -> ";
    return text + std::to_string(schedule.epochs(sweep.rung));
}

std::string format_rungs(const HalvingSchedule& schedule, int folds) {
    const std::int64_t models = std::max(folds, 1);
    std::string text = "successive halving, factor " + std::to_string(schedule.factor()) + ": " +
                       std::to_string(schedule.configurations()) + " configurations, " + std::to_string(schedule.rungs()) +
                       " rungs (each continues the best 1/" + std::to_string(schedule.factor()) + " of the one before)\n";
    char line[160];
    std::snprintf(line, sizeof line, "%5s %9s %15s %14s\n", "rung", "epochs", "configurations", "model-epochs");
    text += line;
    std::int64_t n = schedule.configurations(), total = 0;
    for (std::size_t r = 0; r < schedule.rungs(); ++r, n = schedule.promoted_count(n)) {
        const int from = r == 0 ? 0 : schedule.epochs(r - 1);
        const std::int64_t work = n * (schedule.epochs(r) - from) * models;
        total += work;
        const std::string epochs = std::to_string(from) + "->" + std::to_string(schedule.epochs(r));
        std::snprintf(line, sizeof line, "%5zu %9s %15lld %14lld\n", r, epochs.c_str(), static_cast<long long>(n),
                      static_cast<long long>(work));
        text += line;
    }
    const std::int64_t full = schedule.configurations() * schedule.epochs(schedule.rungs() - 1) * models;
    std::snprintf(line, sizeof line, "total %lld model-epochs, %.1f%% of the full grid's %lld; rung 0's units:\n",
                  static_cast<long long>(total), 100.0 * static_cast<double>(total) / static_cast<double>(full), static_cast<long long>(full));
    return text + line;
}

std::optional<TrialResult> halving_best_of_last_rung(const HalvingSchedule& schedule, const std::vector<TrialResult>& results) {
    const std::optional<std::size_t> best = halving_winner(schedule, results);
    return best ? std::optional<TrialResult>(results[*best]) : std::nullopt;
}

}  // namespace hypergrid
