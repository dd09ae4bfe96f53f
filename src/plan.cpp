#include "hypergrid/plan.hpp"

#include <algorithm>
#include <numeric>

namespace hypergrid {

namespace {

/// Each SGD step costs about as much as this many more examples (the softmax and the weight
/// matrix's round trip through the cache): measured on Fashion-MNIST, a model-epoch at batch 32
/// takes 1.5x as long as at batch 512.
constexpr double kStepOverhead = 16.0;

/// How many units each batch-size group is cut into.
std::vector<std::size_t> chunks_per_group(std::size_t groups, std::size_t pairs, int models_per_unit,
                                          std::int64_t min_units) {
    const auto limit = static_cast<std::size_t>(models_per_unit);
    std::vector<std::size_t> chunks(groups, (pairs + limit - 1) / limit);
    auto largest_chunk = [&](std::size_t g) { return (pairs + chunks[g] - 1) / chunks[g]; };
    for (auto total = static_cast<std::int64_t>(groups * chunks[0]); total < min_units; ++total) {
        std::size_t split = groups;  // the group with the largest chunk that can still be split
        for (std::size_t g = 0; g < groups; ++g)
            if (chunks[g] < pairs && (split == groups || largest_chunk(g) > largest_chunk(split))) split = g;
        if (split == groups) break;
        ++chunks[split];
    }
    return chunks;
}

}  // namespace

double model_epoch_cost(int epochs, int batch_size) { return epochs * (1.0 + kStepOverhead / batch_size); }

std::int64_t min_units_for(int ranks) { return ranks > 1 ? 3 * static_cast<std::int64_t>(ranks) : 1; }

std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples,
                                 std::int64_t min_units) {
    const GridConfig& axes = grid.axes();
    std::vector<std::size_t> epoch_order(axes.epochs.size());
    std::iota(epoch_order.begin(), epoch_order.end(), 0);
    std::sort(epoch_order.begin(), epoch_order.end(),
              [&](std::size_t a, std::size_t b) { return axes.epochs[a] < axes.epochs[b]; });
    std::vector<int> checkpoints;
    for (const std::size_t e : epoch_order) checkpoints.push_back(axes.epochs[e]);

    std::vector<WorkUnit> units;
    const std::size_t pairs = axes.alpha.size() * axes.learning_rate.size();
    const std::vector<std::size_t> chunks =
        chunks_per_group(axes.batch_size.size(), pairs, models_per_unit, min_units);
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b) {
        // chunks[b] consecutive runs of pairs; the first (pairs % chunks[b]) runs hold one more.
        std::size_t first = 0;
        for (std::size_t chunk = 0; chunk < chunks[b]; ++chunk) {
            const std::size_t size = pairs / chunks[b] + (chunk < pairs % chunks[b] ? 1 : 0);
            WorkUnit unit;
            unit.batch_size = axes.batch_size[b];
            unit.checkpoints = checkpoints;
            for (std::size_t pair = first; pair < first + size; ++pair) {
                const std::size_t a = pair / axes.learning_rate.size();
                const std::size_t l = pair % axes.learning_rate.size();
                unit.alphas.push_back(axes.alpha[a]);
                unit.learning_rates.push_back(axes.learning_rate[l]);
                std::vector<std::int64_t> ids;
                for (const std::size_t e : epoch_order) ids.push_back(grid.trial_id(e, a, l, b));
                unit.trials.push_back(std::move(ids));
            }
            first += size;
            unit.cost = model_epoch_cost(unit.epochs(), unit.batch_size) * static_cast<double>(train_examples) *
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
