#include "hypergrid/plan.hpp"

#include <algorithm>
#include <numeric>

namespace hypergrid {

std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples) {
    const GridConfig& axes = grid.axes();
    std::vector<std::size_t> epoch_order(axes.epochs.size());
    std::iota(epoch_order.begin(), epoch_order.end(), 0);
    std::sort(epoch_order.begin(), epoch_order.end(),
              [&](std::size_t a, std::size_t b) { return axes.epochs[a] < axes.epochs[b]; });
    std::vector<int> checkpoints;
    for (const std::size_t e : epoch_order) checkpoints.push_back(axes.epochs[e]);

    std::vector<WorkUnit> units;
    const std::size_t pairs = axes.alpha.size() * axes.learning_rate.size();
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b) {
        for (std::size_t first = 0; first < pairs; first += static_cast<std::size_t>(models_per_unit)) {
            WorkUnit unit;
            unit.batch_size = axes.batch_size[b];
            unit.checkpoints = checkpoints;
            const std::size_t last = std::min(pairs, first + static_cast<std::size_t>(models_per_unit));
            for (std::size_t pair = first; pair < last; ++pair) {
                const std::size_t a = pair / axes.learning_rate.size();
                const std::size_t l = pair % axes.learning_rate.size();
                unit.alphas.push_back(axes.alpha[a]);
                unit.learning_rates.push_back(axes.learning_rate[l]);
                std::vector<std::int64_t> ids;
                for (const std::size_t e : epoch_order) ids.push_back(grid.trial_id(e, a, l, b));
                unit.trials.push_back(std::move(ids));
            }
            unit.cost = static_cast<double>(unit.epochs()) * static_cast<double>(train_examples) *
                        static_cast<double>(unit.model_count());
            units.push_back(std::move(unit));
        }
    }
    return units;
}

std::vector<double> unit_costs(const std::vector<WorkUnit>& units) {
    std::vector<double> costs;
    for (const WorkUnit& unit : units) costs.push_back(unit.cost);
    return costs;
}

namespace {

std::vector<std::size_t> longest_first_order(const std::vector<double>& costs) {
    std::vector<std::size_t> order(costs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
    return order;
}

}  // namespace

std::vector<int> assign_longest_first(const std::vector<double>& costs, int ranks) {
    std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
    std::vector<int> owner(costs.size(), 0);
    for (const std::size_t unit : longest_first_order(costs)) {
        const auto least = std::min_element(load.begin(), load.end()) - load.begin();  // first minimum
        owner[unit] = static_cast<int>(least);
        load[static_cast<std::size_t>(least)] += costs[unit];
    }
    return owner;
}

std::vector<std::vector<std::size_t>> units_per_rank(const std::vector<double>& costs, int ranks) {
    const std::vector<int> owner = assign_longest_first(costs, ranks);
    std::vector<std::vector<std::size_t>> lists(static_cast<std::size_t>(ranks));
    for (const std::size_t unit : longest_first_order(costs)) lists[static_cast<std::size_t>(owner[unit])].push_back(unit);
    return lists;
}

std::optional<std::size_t> pick_best(const std::vector<TrialResult>& results) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const TrialResult& r = results[i];
        if (r.status != TrialStatus::ok) continue;
        if (!best) { best = i; continue; }
        const TrialResult& b = results[*best];
        if (r.val_cost < b.val_cost || (r.val_cost == b.val_cost && r.trial < b.trial)) best = i;
    }
    return best;
}

}  // namespace hypergrid
