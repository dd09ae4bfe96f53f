#include "hypergrid/plan_report.hpp"

#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <set>
#include <sstream>

namespace hypergrid {

std::string format_plan_report(const WorkPlan& plan, int ranks) {
    const std::vector<double>& costs = plan.costs();
    const std::vector<Leg> legs = plan.legs(ranks);
    std::ostringstream out;
    // The trials this plan finishes (a shard's, those a journal lacks, a halving rung's), and their
    // cost if each trained alone, a unit of one model (per fold with k-fold), from where its unit starts.
    std::set<std::int64_t> trials;
    double separate = 0;
    for (std::size_t u = 0; u < plan.size(); ++u) {
        const WorkUnit unit = plan.unit(u);
        for (const std::vector<std::int64_t>& ids : unit.trials)
            for (std::size_t c = 0; c < unit.checkpoints.size(); ++c) {
                if (ids[c] == kNoTrial) continue;
                trials.insert(ids[c]);
                separate += unit_cost(unit.checkpoints[c] - unit.start_epoch, unit.batch_size, 1, plan.classes());
            }
    }
    const double shared = std::accumulate(costs.begin(), costs.end(), 0.0);
    out << trials.size() << " trials in " << plan.size() << " units, " << legs.size() << " legs on " << ranks
        << " ranks; cost " << format_fixed(shared, 1) << " model-epochs (" << format_fixed(separate, 1)
        << " if every trial trained alone)\n";
    char line[160];
    std::snprintf(line, sizeof line, "%5s %5s %6s %7s %8s %7s %10s %5s %10s\n", "leg", "unit", "batch", "models", "epochs",
                  "trials", "cost", "rank", "start");
    out << line;
    std::ostringstream relays;
    for (std::size_t i = 0; i < legs.size(); ++i) {
        const Leg& leg = legs[i];
        const WorkUnit unit = plan.unit(leg);
        const std::string epochs = std::to_string(leg.first_epoch + 1) + "-" + std::to_string(leg.last_epoch);
        std::snprintf(line, sizeof line, "%5zu %5zu %6d %7zu %8s %7zu %10.1f %5d %10.1f\n", i, leg.unit, unit.batch_size,
                      unit.model_count(), epochs.c_str(), unit.trial_count(), leg.cost, leg.rank, leg.start);
        out << line;
        if (leg.after >= 0)
            relays << "unit " << leg.unit << " is cut after epoch " << leg.first_epoch << ": rank "
                   << legs[static_cast<std::size_t>(leg.after)].rank << " hands its models to rank " << leg.rank << "\n";
    }
    out << relays.str();
    const std::vector<double> load = rank_loads(legs, ranks);
    const double longest = *std::max_element(load.begin(), load.end());
    const double end = std::max(longest, *std::min_element(load.begin(), load.end()) + plan.final_cost());
    out << "expected load per rank (model-epochs):";
    for (const double l : load) out << ' ' << format_fixed(l, 1);
    out << "\n";
    if (plan.final_cost() > 0) {
        out << "then the final model (expected " << format_fixed(plan.final_cost(), 1)
            << " model-epochs) on the first rank to free up; expected end " << format_fixed(end, 1) << "\n";
    }
    // The final model counts when the plan counted it: it fills the room the legs leave.
    const double mean = (shared + plan.final_cost()) / ranks;
    out << "expected balance (mean / max load" << (plan.final_cost() > 0 ? ", the final model included" : "")
        << "): " << format_fixed(end > 0 ? 100 * mean / end : 100, 1) << "%\n";
    return out.str();
}

}  // namespace hypergrid
