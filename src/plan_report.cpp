#include "hypergrid/plan_report.hpp"

#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace hypergrid {

std::string format_plan_report(const Grid& grid, const WorkPlan& plan, int ranks) {
    const std::vector<double>& costs = plan.costs();
    const std::vector<int> owner = assign_longest_first(costs, ranks);
    std::ostringstream out;
    double separate = 0;  // cost if every trial trained alone, a unit of one model
    for (std::int64_t t = 0; t < grid.size(); ++t) {
        const Hyperparameters h = grid.at(t);
        separate += unit_cost(h.epochs, h.batch_size, 1, plan.classes());
    }
    const double shared = std::accumulate(costs.begin(), costs.end(), 0.0);
    out << grid.size() << " trials in " << plan.size() << " units on " << ranks << " ranks; cost "
        << format_fixed(shared, 1) << " model-epochs (" << format_fixed(separate, 1)
        << " if every trial trained alone)\n";
    char line[128];
    std::snprintf(line, sizeof line, "%6s %6s %7s %7s %7s %10s %5s\n", "unit", "batch", "models", "epochs", "trials",
                  "cost", "rank");
    out << line;
    for (std::size_t u = 0; u < plan.size(); ++u) {
        const WorkUnit unit = plan.unit(u);
        std::snprintf(line, sizeof line, "%6zu %6d %7zu %7d %7zu %10.1f %5d\n", u, unit.batch_size, unit.model_count(),
                      unit.epochs(), unit.trial_count(), costs[u], owner[u]);
        out << line;
    }
    const std::vector<double> load = rank_loads(costs, ranks);
    const double longest = *std::max_element(load.begin(), load.end());
    out << "expected load per rank (model-epochs):";
    for (const double l : load) out << ' ' << format_fixed(l, 1);
    out << "\nexpected balance (mean / max load): " << format_fixed(100 * shared / ranks / longest, 1) << "%\n";
    if (plan.final_cost() > 0) {
        out << "then the final model (expected " << format_fixed(plan.final_cost(), 1)
            << " model-epochs) on the first rank to free up; expected end "
            << format_fixed(expected_end(costs, ranks, plan.final_cost()), 1) << "\n";
    }
    return out.str();
}

}  // namespace hypergrid
