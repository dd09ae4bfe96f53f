#include "hypergrid/plan.hpp"

#include <algorithm>
#include <numeric>

namespace hypergrid {

namespace {

/// Each SGD step costs about as much as this many more examples (the softmax and the weight
/// matrix's round trip through the cache): measured on Fashion-MNIST, a model-epoch at batch 32
/// takes 1.5x as long as at batch 512.
constexpr double kStepOverhead = 16.0;

/// How many units each batch-size group is cut into, given how many models each group holds.
std::vector<std::size_t> chunks_per_group(const std::vector<std::size_t>& models, int models_per_unit,
                                          std::int64_t min_units) {
    const auto limit = static_cast<std::size_t>(models_per_unit);
    std::vector<std::size_t> chunks;
    std::int64_t total = 0;
    for (const std::size_t n : models) {
        chunks.push_back((n + limit - 1) / limit);
        total += static_cast<std::int64_t>(chunks.back());
    }
    auto largest_chunk = [&](std::size_t g) { return (models[g] + chunks[g] - 1) / chunks[g]; };
    for (; total < min_units; ++total) {
        std::size_t split = models.size();  // the group with the largest chunk that can still be split
        for (std::size_t g = 0; g < models.size(); ++g)
            if (chunks[g] < models[g] && (split == models.size() || largest_chunk(g) > largest_chunk(split))) split = g;
        if (split == models.size()) break;
        ++chunks[split];
    }
    return chunks;
}

/// The ascending checkpoint order of the epochs axis.
std::vector<std::size_t> ascending_epochs(const GridConfig& axes) {
    std::vector<std::size_t> order(axes.epochs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return axes.epochs[a] < axes.epochs[b]; });
    return order;
}

}  // namespace

double model_epoch_cost(int epochs, int batch_size) { return epochs * (1.0 + kStepOverhead / batch_size); }

std::int64_t min_units_for(int ranks) { return ranks > 1 ? 3 * static_cast<std::int64_t>(ranks) : 1; }

std::vector<int> track_shards(const Grid& grid, int shards) {
    const GridConfig& axes = grid.axes();
    const int epochs = *std::max_element(axes.epochs.begin(), axes.epochs.end());
    const std::size_t pairs = axes.alpha.size() * axes.learning_rate.size();
    std::vector<double> costs;
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b)
        costs.insert(costs.end(), pairs, model_epoch_cost(epochs, axes.batch_size[b]));
    return assign_longest_first(costs, shards);
}

std::vector<bool> shard_trials(const Grid& grid, int shard, int shards) {
    const GridConfig& axes = grid.axes();
    const std::vector<int> owner = track_shards(grid, shards);
    std::vector<bool> mine(static_cast<std::size_t>(grid.size()));
    for (std::size_t e = 0; e < axes.epochs.size(); ++e)
        for (std::size_t a = 0; a < axes.alpha.size(); ++a)
            for (std::size_t l = 0; l < axes.learning_rate.size(); ++l)
                for (std::size_t b = 0; b < axes.batch_size.size(); ++b) {
                    const std::size_t track = (b * axes.alpha.size() + a) * axes.learning_rate.size() + l;
                    mine[static_cast<std::size_t>(grid.trial_id(e, a, l, b))] = owner[track] == shard;
                }
    return mine;
}

std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples,
                                 std::int64_t min_units, const WorkFilter& filter) {
    const GridConfig& axes = grid.axes();
    const std::vector<std::size_t> epoch_order = ascending_epochs(axes);
    const std::size_t pairs = axes.alpha.size() * axes.learning_rate.size();
    const std::vector<int> owner = track_shards(grid, filter.shards);
    auto is_done = [&](std::int64_t trial) { return filter.done && (*filter.done)[static_cast<std::size_t>(trial)]; };

    // The pairs each batch-size group still owes: in this shard, with at least one trial to do.
    std::vector<std::vector<std::size_t>> owed(axes.batch_size.size());
    std::vector<std::size_t> counts;
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b) {
        for (std::size_t pair = 0; pair < pairs; ++pair) {
            if (owner[b * pairs + pair] != filter.shard) continue;
            const std::size_t a = pair / axes.learning_rate.size();
            const std::size_t l = pair % axes.learning_rate.size();
            for (const std::size_t e : epoch_order)
                if (!is_done(grid.trial_id(e, a, l, b))) {
                    owed[b].push_back(pair);
                    break;
                }
        }
        counts.push_back(owed[b].size());
    }

    std::vector<WorkUnit> units;
    const std::vector<std::size_t> chunks = chunks_per_group(counts, models_per_unit, min_units);
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b) {
        // chunks[b] consecutive runs of the owed pairs; the first (count % chunks) runs hold one more.
        std::size_t first = 0;
        for (std::size_t chunk = 0; chunk < chunks[b]; ++chunk) {
            const std::size_t size = counts[b] / chunks[b] + (chunk < counts[b] % chunks[b] ? 1 : 0);
            WorkUnit unit;
            unit.batch_size = axes.batch_size[b];
            std::size_t needed = 0;  // checkpoints up to the last one with a trial still to do
            for (std::size_t i = first; i < first + size; ++i) {
                const std::size_t a = owed[b][i] / axes.learning_rate.size();
                const std::size_t l = owed[b][i] % axes.learning_rate.size();
                unit.alphas.push_back(axes.alpha[a]);
                unit.learning_rates.push_back(axes.learning_rate[l]);
                std::vector<std::int64_t> ids;
                for (const std::size_t e : epoch_order) {
                    ids.push_back(grid.trial_id(e, a, l, b));
                    if (!is_done(ids.back())) needed = std::max(needed, ids.size());
                }
                unit.trials.push_back(std::move(ids));
            }
            for (std::size_t c = 0; c < needed; ++c) unit.checkpoints.push_back(axes.epochs[epoch_order[c]]);
            for (auto& ids : unit.trials) ids.resize(needed);
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

UnitQueue::UnitQueue(const std::vector<double>& costs, int ranks, bool dynamic)
    : dynamic_(dynamic), lists_(dynamic ? units_per_rank(costs, 1) : units_per_rank(costs, ranks)),
      positions_(lists_.size(), 0) {}

std::int64_t UnitQueue::next(int rank) {
    const std::size_t list = dynamic_ ? 0 : static_cast<std::size_t>(rank);
    if (positions_[list] == lists_[list].size()) return -1;
    return static_cast<std::int64_t>(lists_[list][positions_[list]++]);
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
