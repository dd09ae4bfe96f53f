#include "hypergrid/plan_report.hpp"

#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace hypergrid {

std::string format_plan_report(const Grid& grid, const std::vector<WorkUnit>& units, int ranks) {
    const std::vector<double> costs = unit_costs(units);
    const std::vector<int> owner = assign_longest_first(costs, ranks);
    std::ostringstream out;
    double separate = 0;  // model-epochs if every trial trained alone
    for (std::int64_t t = 0; t < grid.size(); ++t) separate += grid.at(t).epochs;
    const double shared = std::accumulate(costs.begin(), costs.end(), 0.0);
    out << grid.size() << " trials in " << units.size() << " units; " << format_number(separate)
        << " model-epochs if trained one by one, " << format_number(shared) << " with shared epochs and units\n";
    out << "unit  batch  models  epochs  trials  cost(model-epochs)  rank\n";
    for (std::size_t u = 0; u < units.size(); ++u) {
        const WorkUnit& unit = units[u];
        out << u << "  " << unit.batch_size << "  " << unit.model_count() << "  " << unit.epochs() << "  "
            << unit.model_count() * unit.checkpoints.size() << "  " << format_number(costs[u]) << "  " << owner[u]
            << '\n';
    }
    std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
    for (std::size_t u = 0; u < units.size(); ++u) load[static_cast<std::size_t>(owner[u])] += costs[u];
    const double longest = *std::max_element(load.begin(), load.end());
    out << "expected load per rank (model-epochs):";
    for (const double l : load) out << ' ' << format_number(l);
    out << "\nexpected balance (mean / max load): " << format_fixed(100 * shared / ranks / longest, 1) << "%\n";
    return out.str();
}

}  // namespace hypergrid
