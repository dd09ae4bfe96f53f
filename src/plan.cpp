#include "hypergrid/plan.hpp"

#include <algorithm>
#include <map>
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

namespace {

/// One model track: a (alpha, learning_rate, batch_size) trained once, evaluated at its checkpoints
/// (epoch count -> trial id, ascending). Grid mode: one per (batch, alpha, rate), checkpoints = the
/// epochs axis. Random mode: one per sample, with the sample's epoch count as its only checkpoint.
struct Track {
    int batch_size = 0;
    double alpha = 0;
    double learning_rate = 0;
    std::vector<std::pair<int, std::int64_t>> checkpoints;
};

/// Every track, in a stable order: grid mode batch-major, then alpha, then rate; random mode by trial id.
std::vector<Track> all_tracks(const Grid& grid) {
    const GridConfig& axes = grid.axes();
    std::vector<Track> tracks;
    if (grid.random()) {
        for (std::int64_t t = 0; t < grid.size(); ++t) {
            const Hyperparameters h = grid.at(t);
            tracks.push_back({h.batch_size, h.alpha, h.learning_rate, {{h.epochs, t}}});
        }
        return tracks;
    }
    const std::vector<std::size_t> epoch_order = ascending_epochs(axes);
    for (std::size_t b = 0; b < axes.batch_size.size(); ++b)
        for (std::size_t a = 0; a < axes.alpha.size(); ++a)
            for (std::size_t l = 0; l < axes.learning_rate.size(); ++l) {
                Track track{axes.batch_size[b], axes.alpha[a], axes.learning_rate[l], {}};
                for (const std::size_t e : epoch_order) track.checkpoints.emplace_back(axes.epochs[e], grid.trial_id(e, a, l, b));
                tracks.push_back(std::move(track));
            }
    return tracks;
}

std::vector<int> shards_of(const std::vector<Track>& tracks, int shards) {
    std::vector<double> costs;
    for (const Track& track : tracks) costs.push_back(model_epoch_cost(track.checkpoints.back().first, track.batch_size));
    return assign_longest_first(costs, shards);
}

}  // namespace

std::vector<int> track_shards(const Grid& grid, int shards) { return shards_of(all_tracks(grid), shards); }

std::vector<bool> shard_trials(const Grid& grid, int shard, int shards) {
    const std::vector<Track> tracks = all_tracks(grid);
    const std::vector<int> owner = shards_of(tracks, shards);
    std::vector<bool> mine(static_cast<std::size_t>(grid.size()));
    for (std::size_t t = 0; t < tracks.size(); ++t)
        for (const auto& [epochs, trial] : tracks[t].checkpoints) mine[static_cast<std::size_t>(trial)] = owner[t] == shard;
    return mine;
}

std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples,
                                 std::int64_t min_units, const WorkFilter& filter) {
    const std::vector<Track> tracks = all_tracks(grid);
    const std::vector<int> owner = shards_of(tracks, filter.shards);
    auto is_done = [&](std::int64_t trial) { return filter.done && (*filter.done)[static_cast<std::size_t>(trial)]; };

    // Groups of tracks that share a batch size (in order of first appearance: the axis order in grid
    // mode), each holding the tracks still owed: in this shard, with at least one trial to do.
    std::vector<int> batch_sizes;
    std::map<int, std::size_t> group_of;
    for (const Track& track : tracks)
        if (group_of.emplace(track.batch_size, batch_sizes.size()).second) batch_sizes.push_back(track.batch_size);
    std::vector<std::vector<std::size_t>> owed(batch_sizes.size());
    for (std::size_t t = 0; t < tracks.size(); ++t) {
        if (owner[t] != filter.shard) continue;
        const auto& points = tracks[t].checkpoints;
        if (std::all_of(points.begin(), points.end(), [&](const auto& point) { return is_done(point.second); })) continue;
        owed[group_of[tracks[t].batch_size]].push_back(t);
    }
    // Tracks that end at similar epoch counts share units, so no model trains far past its last
    // trial (random mode; in grid mode every track ends at the same count).
    for (auto& group : owed)
        std::stable_sort(group.begin(), group.end(), [&](std::size_t a, std::size_t b) {
            return tracks[a].checkpoints.back().first < tracks[b].checkpoints.back().first;
        });
    std::vector<std::size_t> counts;
    for (const auto& group : owed) counts.push_back(group.size());

    std::vector<WorkUnit> units;
    const std::vector<std::size_t> chunks = chunks_per_group(counts, models_per_unit, min_units);
    for (std::size_t g = 0; g < owed.size(); ++g) {
        // chunks[g] consecutive runs of the owed tracks; the first (count % chunks) runs hold one more.
        std::size_t first = 0;
        for (std::size_t chunk = 0; chunk < chunks[g]; ++chunk) {
            const std::size_t size = counts[g] / chunks[g] + (chunk < counts[g] % chunks[g] ? 1 : 0);
            WorkUnit unit;
            unit.batch_size = batch_sizes[g];
            // The unit's checkpoints: every epoch count one of its models still owes a trial at.
            for (std::size_t i = first; i < first + size; ++i)
                for (const auto& [epochs, trial] : tracks[owed[g][i]].checkpoints)
                    if (!is_done(trial)) unit.checkpoints.push_back(epochs);
            std::sort(unit.checkpoints.begin(), unit.checkpoints.end());
            unit.checkpoints.erase(std::unique(unit.checkpoints.begin(), unit.checkpoints.end()), unit.checkpoints.end());
            for (std::size_t i = first; i < first + size; ++i) {
                const Track& track = tracks[owed[g][i]];
                unit.alphas.push_back(track.alpha);
                unit.learning_rates.push_back(track.learning_rate);
                std::vector<std::int64_t> ids(unit.checkpoints.size(), kNoTrial);
                for (const auto& [epochs, trial] : track.checkpoints) {
                    if (is_done(trial)) continue;
                    const auto at = std::lower_bound(unit.checkpoints.begin(), unit.checkpoints.end(), epochs);
                    if (at != unit.checkpoints.end() && *at == epochs) ids[static_cast<std::size_t>(at - unit.checkpoints.begin())] = trial;
                }
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
