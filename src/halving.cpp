#include "hypergrid/halving.hpp"

#include "hypergrid/plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

namespace hypergrid {

HalvingSchedule::HalvingSchedule(const Grid& grid, int factor) : factor_(factor) {
    const GridConfig& axes = grid.axes();
    if (grid.random()) throw std::invalid_argument("HalvingSchedule: a random search has no rungs");
    if (factor < 2) throw std::invalid_argument("HalvingSchedule: factor " + std::to_string(factor) + " < 2");
    configurations_ = grid.drawn_configurations()
                          ? axes.samples
                          : static_cast<std::int64_t>(axes.alpha.size() * axes.learning_rate.size() * axes.batch_size.size());
    std::vector<std::size_t> order(axes.epochs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return axes.epochs[a] < axes.epochs[b]; });
    rung_of_axis_.resize(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) {
        rung_epochs_.push_back(axes.epochs[order[r]]);
        axis_index_.push_back(static_cast<std::int64_t>(order[r]));
        rung_of_axis_[order[r]] = r;
    }
}

std::vector<std::int64_t> promote(const HalvingSchedule& schedule, const std::vector<TrialResult>& rung_results) {
    std::vector<const TrialResult*> ranked;
    for (const TrialResult& r : rung_results)
        if (r.status == TrialStatus::ok) ranked.push_back(&r);
    std::sort(ranked.begin(), ranked.end(), [](const TrialResult* a, const TrialResult* b) {
        return a->val_cost != b->val_cost ? a->val_cost < b->val_cost : a->trial < b->trial;
    });
    const auto keep = std::min<std::int64_t>(schedule.promoted_count(static_cast<std::int64_t>(rung_results.size())),
                                             static_cast<std::int64_t>(ranked.size()));
    std::vector<std::int64_t> promoted;
    for (std::int64_t i = 0; i < keep; ++i) promoted.push_back(schedule.configuration(ranked[static_cast<std::size_t>(i)]->trial));
    std::sort(promoted.begin(), promoted.end());
    return promoted;
}

HalvingProgress halving_progress(const HalvingSchedule& schedule, const std::vector<TrialResult>& results) {
    std::map<std::int64_t, const TrialResult*> by_trial;
    for (const TrialResult& r : results) by_trial[r.trial] = &r;
    HalvingProgress progress;
    std::vector<std::int64_t> all(static_cast<std::size_t>(schedule.configurations()));
    std::iota(all.begin(), all.end(), 0);
    progress.rungs.push_back(std::move(all));
    for (std::size_t r = 0;; ++r) {
        std::vector<TrialResult> rung;
        for (const std::int64_t c : progress.rungs[r]) {
            const auto found = by_trial.find(schedule.trial(c, r));
            if (found == by_trial.end()) {
                progress.current = r;
                return progress;
            }
            rung.push_back(*found->second);
        }
        std::vector<std::int64_t> next = promote(schedule, rung);
        if (r + 1 == schedule.rungs() || next.empty()) {
            progress.current = r + 1;
            progress.finished = true;
            return progress;
        }
        progress.rungs.push_back(std::move(next));
    }
}

std::int64_t halving_trial_count(const HalvingSchedule& schedule) {
    std::int64_t total = 0;
    for (std::int64_t n = schedule.configurations(), r = 0; r < static_cast<std::int64_t>(schedule.rungs()); ++r, n = schedule.promoted_count(n))
        total += n;
    return total;
}

std::optional<std::size_t> halving_winner(const HalvingSchedule& schedule, const std::vector<TrialResult>& results) {
    // The last rung with a finished trial (a rung whose every trial diverged has no winner).
    std::optional<std::size_t> last;
    for (const TrialResult& r : results)
        if (r.status == TrialStatus::ok && (!last || schedule.rung(r.trial) > *last)) last = schedule.rung(r.trial);
    if (!last) return std::nullopt;
    std::vector<TrialResult> rung;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < results.size(); ++i)
        if (schedule.rung(results[i].trial) == *last) {
            rung.push_back(results[i]);
            index.push_back(i);
        }
    const std::optional<std::size_t> best = pick_best(rung);
    return best ? std::optional<std::size_t>(index[*best]) : std::nullopt;
}

}  // namespace hypergrid
