#include "hypergrid/plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>

namespace hypergrid {

namespace {

/// Each SGD step costs about as much as this many more examples (the weight matrix's round trip
/// through the cache): measured on Fashion-MNIST with the current kernels, an epoch at batch 16 to
/// 128 takes at most about 10% longer than at batch 512, within the host's noise.
constexpr double kStepOverhead = 4.0;

/// The fewest chunks per batch-size group, given how many models each group holds.
std::vector<std::size_t> fewest_chunks(const std::vector<std::size_t>& models, int models_per_unit) {
    const auto limit = static_cast<std::size_t>(models_per_unit);
    std::vector<std::size_t> chunks;
    for (const std::size_t n : models) chunks.push_back((n + limit - 1) / limit);
    return chunks;
}

/// Cuts one more chunk from the group with the largest chunk (ties: the largest batch size, whose
/// models cost least per example). False when every chunk holds one model.
bool split_largest_chunk(const std::vector<std::size_t>& models, const std::vector<int>& batch_sizes,
                         std::vector<std::size_t>& chunks) {
    auto largest_chunk = [&](std::size_t g) { return (models[g] + chunks[g] - 1) / chunks[g]; };
    std::size_t split = models.size();
    for (std::size_t g = 0; g < models.size(); ++g) {
        if (chunks[g] >= models[g]) continue;
        if (split == models.size() || largest_chunk(g) > largest_chunk(split) ||
            (largest_chunk(g) == largest_chunk(split) && batch_sizes[g] > batch_sizes[split]))
            split = g;
    }
    if (split == models.size()) return false;
    ++chunks[split];
    return true;
}

/// Whole kPlanLanes vectors that `models` models of `classes` columns fill.
std::size_t padded_vectors(std::size_t models, int classes) {
    return (models * static_cast<std::size_t>(classes) + kPlanLanes - 1) / kPlanLanes;
}

/// The model tracks of a search space, each one (alpha, learning_rate, batch_size) trained once and
/// evaluated at its checkpoints. Grid mode: track (b, a, l) = (b * |alpha| + a) * |rate| + l, its
/// checkpoints the epochs axis; random mode: track t = sample t, its epoch count the only checkpoint.
/// Computed on demand from the grid, never stored.
class Tracks {
public:
    explicit Tracks(const Grid& grid) : grid_(grid), epoch_order_(grid.axes().epochs.size()) {
        const std::vector<int>& epochs = grid.axes().epochs;
        std::iota(epoch_order_.begin(), epoch_order_.end(), 0);
        std::sort(epoch_order_.begin(), epoch_order_.end(), [&](std::size_t a, std::size_t b) { return epochs[a] < epochs[b]; });
    }

    std::int64_t size() const {
        const GridConfig& axes = grid_.axes();
        if (grid_.drawn_configurations()) return axes.samples;  // halving's drawn configurations
        return grid_.random() ? grid_.size()
                              : static_cast<std::int64_t>(axes.batch_size.size() * axes.alpha.size() * axes.learning_rate.size());
    }

    /// The track's hyperparameters, epochs being its last checkpoint.
    Hyperparameters at(std::int64_t track) const {
        if (grid_.random()) return grid_.at(track);
        const GridConfig& axes = grid_.axes();
        if (grid_.drawn_configurations()) return grid_.at(static_cast<std::int64_t>(epoch_order_.back()) * axes.samples + track);
        const auto [b, a, l] = indices(track);
        return {axes.epochs[epoch_order_.back()], axes.alpha[a], axes.learning_rate[l], axes.batch_size[b]};
    }

    /// Calls f(epochs, trial) for each checkpoint, ascending.
    template <class F>
    void for_each_checkpoint(std::int64_t track, F&& f) const {
        if (grid_.random()) return f(grid_.at(track).epochs, track);
        if (grid_.drawn_configurations()) {
            for (const std::size_t e : epoch_order_)
                f(grid_.axes().epochs[e], static_cast<std::int64_t>(e) * grid_.axes().samples + track);
            return;
        }
        const auto [b, a, l] = indices(track);
        for (const std::size_t e : epoch_order_) f(grid_.axes().epochs[e], grid_.trial_id(e, a, l, b));
    }

private:
    std::tuple<std::size_t, std::size_t, std::size_t> indices(std::int64_t track) const {
        const std::size_t rates = grid_.axes().learning_rate.size(), alphas = grid_.axes().alpha.size();
        const auto t = static_cast<std::size_t>(track);
        return {t / rates / alphas, t / rates % alphas, t % rates};
    }

    const Grid& grid_;
    std::vector<std::size_t> epoch_order_;
};

std::vector<int> shards_of(const Tracks& tracks, int shards) {
    std::vector<double> costs;
    for (std::int64_t t = 0; t < tracks.size(); ++t) {
        const Hyperparameters h = tracks.at(t);
        costs.push_back(model_epoch_cost(h.epochs, h.batch_size));
    }
    return assign_longest_first(costs, shards);
}

}  // namespace

double model_epoch_cost(int epochs, int batch_size) { return epochs * (1.0 + kStepOverhead / batch_size); }

double unit_cost(int epochs, int batch_size, std::size_t models, int classes) {
    const double padded_models = static_cast<double>(padded_vectors(models, classes) * kPlanLanes) / classes;
    return model_epoch_cost(epochs, batch_size) * padded_models + epochs * kUnitOverhead;
}

Packing packing_for(int ranks, double final_scale) {
    return {ranks > 1 ? 3 * static_cast<std::int64_t>(ranks) : 1, ranks, final_scale};
}

std::vector<int> track_shards(const Grid& grid, int shards) { return shards_of(Tracks(grid), shards); }

std::vector<bool> shard_trials(const Grid& grid, int shard, int shards) {
    const Tracks tracks(grid);
    const std::vector<int> owner = shards_of(tracks, shards);
    std::vector<bool> mine(static_cast<std::size_t>(grid.size()));
    for (std::int64_t t = 0; t < tracks.size(); ++t)
        tracks.for_each_checkpoint(t, [&](int, std::int64_t trial) {
            mine[static_cast<std::size_t>(trial)] = owner[static_cast<std::size_t>(t)] == shard;
        });
    return mine;
}

std::vector<std::size_t> chunk_sizes(std::size_t models, std::size_t chunks, std::size_t limit, int classes) {
    // x chunks of `large` and the rest of `small` models: every way to split evenly or into two sizes
    // within kPlanLanes models of the mean (one period of the padding: going further cannot pad less).
    const std::size_t mean_low = models / chunks, mean_high = (models + chunks - 1) / chunks;
    const std::size_t large_most = std::min({limit, models - (chunks - 1), mean_high + kPlanLanes});
    const std::size_t small_least = mean_low > kPlanLanes ? mean_low - kPlanLanes : 1;
    std::size_t best_vectors = 0, best_large = 0, best_small = 0, best_x = 0;
    for (std::size_t large = mean_high; large <= large_most; ++large)
        for (std::size_t small = small_least; small <= std::min(large, mean_low); ++small) {
            if (small == large ? small * chunks != models : (models - chunks * small) % (large - small) != 0) continue;
            const std::size_t x = small == large ? chunks : (models - chunks * small) / (large - small);
            if (x > chunks) continue;
            const std::size_t vectors = x * padded_vectors(large, classes) + (chunks - x) * padded_vectors(small, classes);
            if (best_large == 0 || vectors < best_vectors ||
                (vectors == best_vectors && large - small < best_large - best_small)) {
                best_vectors = vectors, best_large = large, best_small = small, best_x = x;
            }
        }
    if (best_large == 0) throw std::invalid_argument("chunk_sizes: no split of " + std::to_string(models) + " models into " +
                                                     std::to_string(chunks) + " chunks of at most " + std::to_string(limit));
    std::vector<std::size_t> sizes(chunks, best_small);
    std::fill_n(sizes.begin(), best_x, best_large);
    return sizes;
}

WorkPlan::WorkPlan(const Grid& grid, int classes, int models_per_unit, std::int64_t train_examples,
                   const Packing& packing, const WorkFilter& filter)
    : grid_(&grid), classes_(classes), folds_(filter.folds), from_epoch_(filter.from_epoch),
      done_(filter.done ? *filter.done : std::vector<bool>{}) {
    const int fold_count = std::max(folds_, 1);  // models per track
    const Tracks tracks(grid);
    const std::vector<int> owner = filter.shards > 1 ? shards_of(tracks, filter.shards) : std::vector<int>{};

    // The tracks still owed (in this shard, with a trial to do), grouped by batch size (in order of
    // first appearance: the axis order in grid mode). Tracks that end at similar epoch counts share
    // units, so no model trains far past its last trial (random mode; in grid mode every track ends
    // at the same count).
    struct Owed {
        std::int64_t track;
        std::uint32_t group;
        int last_epochs;  // its last checkpoint
        int owed_epochs;  // its last checkpoint still owed
        int fold;         // k-fold: the fold it trains for (0 without folds)
    };
    // The final model, when the packing counts it: the mean trial of the whole space, trained alone.
    const bool count_final = packing.final_scale > 0 && packing.ranks > 1;
    double single_costs = 0;
    std::vector<int> batch_sizes;
    std::map<std::pair<int, int>, std::uint32_t> group_of;  // by (batch size, fold): models of a unit share both
    std::vector<Owed> owed;
    for (std::int64_t t = 0; t < tracks.size(); ++t) {
        const Hyperparameters h = tracks.at(t);
        if (count_final)
            tracks.for_each_checkpoint(t, [&](int epochs, std::int64_t) { single_costs += unit_cost(epochs, h.batch_size, 1, classes); });
        for (int fold = 0; fold < fold_count; ++fold) {
            const auto group = group_of.emplace(std::make_pair(h.batch_size, fold), static_cast<std::uint32_t>(batch_sizes.size())).first->second;
            if (group == batch_sizes.size()) batch_sizes.push_back(h.batch_size);
            if (!owner.empty() && owner[static_cast<std::size_t>(t)] != filter.shard) continue;
            int owed_epochs = 0;
            tracks.for_each_checkpoint(t, [&](int epochs, std::int64_t trial) {
                if (done_.empty() || !done_[static_cast<std::size_t>(trial * fold_count + fold)]) owed_epochs = epochs;
            });
            if (owed_epochs > from_epoch_) owed.push_back({t * fold_count + fold, group, h.epochs, owed_epochs, fold});
        }
    }
    std::stable_sort(owed.begin(), owed.end(), [](const Owed& a, const Owed& b) {
        return a.group != b.group ? a.group < b.group : a.last_epochs < b.last_epochs;
    });

    std::vector<std::size_t> counts(batch_sizes.size(), 0);
    for (const Owed& track : owed) ++counts[track.group];
    // The units of a cut (chunks per group), with their costs.
    auto cut = [&](const std::vector<std::size_t>& chunks, std::vector<Span>& spans, std::vector<double>& costs,
                   std::vector<int>& unit_epochs) {
        spans.clear();
        costs.clear();
        unit_epochs.clear();
        std::int64_t first = 0;
        for (std::size_t g = 0; g < counts.size(); ++g) {
            if (counts[g] == 0) continue;
            for (const std::size_t size : chunk_sizes(counts[g], chunks[g], static_cast<std::size_t>(models_per_unit), classes)) {
                int epochs = 0;
                for (std::size_t i = 0; i < size; ++i) epochs = std::max(epochs, owed[static_cast<std::size_t>(first) + i].owed_epochs);
                epochs -= from_epoch_;  // halving: a rung trains only its own epochs
                spans.push_back({first, static_cast<std::int64_t>(size)});
                costs.push_back(unit_cost(epochs, batch_sizes[g], size, classes) * static_cast<double>(train_examples));
                unit_epochs.push_back(epochs);
                first += static_cast<std::int64_t>(size);
            }
        }
    };
    if (count_final && grid.size() > 0)
        final_cost_ = single_costs / static_cast<double>(grid.size()) * packing.final_scale * static_cast<double>(train_examples);
    // Split groups until there are min_units units; with packing.ranks, keep the cut on the way whose
    // relay schedule (then the final model) ends soonest (ties: fewer units), as narrower units do
    // more work per model.
    const auto expected_time = [&](const std::vector<double>& costs) {
        return packing.ranks > 0 ? relay_end(costs, packing.ranks, final_cost_) : 0.0;
    };
    std::vector<std::size_t> chunks = fewest_chunks(counts, models_per_unit);
    cut(chunks, spans_, costs_, epochs_);
    double best = expected_time(costs_);
    std::vector<Span> spans;
    std::vector<double> costs;
    std::vector<int> epochs;
    for (auto units = static_cast<std::int64_t>(spans_.size());
         units < packing.min_units && split_largest_chunk(counts, batch_sizes, chunks); ++units) {
        cut(chunks, spans, costs, epochs);
        const double time = expected_time(costs);
        if (packing.ranks > 0 && time >= best) continue;
        best = time;
        spans_.swap(spans);
        costs_.swap(costs);
        epochs_.swap(epochs);
    }
    order_.reserve(owed.size());
    for (const Owed& track : owed) order_.push_back(track.track);
}

WorkUnit WorkPlan::unit(std::size_t u) const {
    const Tracks tracks(*grid_);
    const Span& span = spans_[u];
    const int fold_count = std::max(folds_, 1);
    const int fold = static_cast<int>(order_[static_cast<std::size_t>(span.first)] % fold_count);  // one per unit
    const auto owed = [&](std::int64_t trial) {
        return done_.empty() || !done_[static_cast<std::size_t>(trial * fold_count + fold)];
    };
    WorkUnit unit;
    unit.cost = costs_[u];
    unit.fold = folds_ > 0 ? fold : -1;
    unit.start_epoch = from_epoch_;
    // The unit's checkpoints: every epoch count one of its models still owes a trial at.
    for (std::int64_t i = span.first; i < span.first + span.count; ++i)
        tracks.for_each_checkpoint(order_[static_cast<std::size_t>(i)] / fold_count, [&](int epochs, std::int64_t trial) {
            if (owed(trial)) unit.checkpoints.push_back(epochs);
        });
    std::sort(unit.checkpoints.begin(), unit.checkpoints.end());
    unit.checkpoints.erase(std::unique(unit.checkpoints.begin(), unit.checkpoints.end()), unit.checkpoints.end());
    for (std::int64_t i = span.first; i < span.first + span.count; ++i) {
        const std::int64_t track = order_[static_cast<std::size_t>(i)] / fold_count;
        const Hyperparameters h = tracks.at(track);
        unit.batch_size = h.batch_size;
        unit.alphas.push_back(h.alpha);
        unit.learning_rates.push_back(h.learning_rate);
        std::vector<std::int64_t> ids(unit.checkpoints.size(), kNoTrial);
        tracks.for_each_checkpoint(track, [&](int epochs, std::int64_t trial) {
            if (!owed(trial)) return;
            const auto at = std::lower_bound(unit.checkpoints.begin(), unit.checkpoints.end(), epochs);
            ids[static_cast<std::size_t>(at - unit.checkpoints.begin())] = trial;
        });
        unit.trials.push_back(std::move(ids));
    }
    unit.first_epoch = from_epoch_;
    unit.last_epoch = unit.epochs();
    return unit;
}

WorkUnit WorkPlan::unit(const Leg& leg) const {
    WorkUnit piece = unit(leg.unit);
    piece.first_epoch = from_epoch_ + leg.first_epoch;  // legs count epochs from the unit's start
    piece.last_epoch = from_epoch_ + leg.last_epoch;
    piece.cost = leg.cost;
    return piece;
}

std::vector<Leg> WorkPlan::legs(int ranks) const { return relay_schedule(costs_, epochs_, ranks, final_cost_); }

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

double relay_end(const std::vector<double>& costs, int ranks, double final_cost) {
    const double total = std::accumulate(costs.begin(), costs.end(), final_cost);
    const double longest = costs.empty() ? 0.0 : *std::max_element(costs.begin(), costs.end());
    return std::max({longest, final_cost, total / std::max(ranks, 1)});
}

std::vector<Leg> relay_schedule(const std::vector<double>& costs, const std::vector<int>& epochs, int ranks,
                                double final_cost) {
    const double capacity = relay_end(costs, ranks, final_cost) * (1 + 1e-12);
    std::vector<Leg> legs;
    int rank = 0;
    double load = 0;  // of `rank` so far
    for (const std::size_t u : longest_first_order(costs)) {
        const int unit_epochs = epochs[u];
        const double per_epoch = costs[u] / unit_epochs;
        // The epochs that still fit on this rank (the last rank takes whatever is left).
        const int fit = rank == ranks - 1 || load + costs[u] <= capacity
                            ? unit_epochs
                            : static_cast<int>(std::clamp(std::lround((capacity - load) / per_epoch), 0L, static_cast<long>(unit_epochs)));
        if (fit == 0) {  // none: the whole unit opens the next rank
            ++rank;
            load = 0;
        }
        if (fit == 0 || fit == unit_epochs) {
            legs.push_back({u, 0, unit_epochs, rank, load, costs[u]});
            load += costs[u];
            continue;
        }
        // Cut: the first epochs open the next rank, the last `fit` close this one.
        const int head = unit_epochs - fit;
        legs.push_back({u, head, unit_epochs, rank, load, fit * per_epoch});
        ++rank;
        legs.push_back({u, 0, head, rank, 0.0, head * per_epoch});
        load = head * per_epoch;
    }
    std::stable_sort(legs.begin(), legs.end(), [](const Leg& a, const Leg& b) {
        return a.start != b.start ? a.start < b.start : a.rank < b.rank;
    });
    for (Leg& leg : legs) {
        if (leg.first_epoch == 0) continue;
        const auto head = std::find_if(legs.begin(), legs.end(), [&](const Leg& other) {
            return other.unit == leg.unit && other.last_epoch == leg.first_epoch;
        });
        leg.after = head - legs.begin();
    }
    return legs;
}

std::vector<double> rank_loads(const std::vector<Leg>& legs, int ranks) {
    std::vector<double> loads(static_cast<std::size_t>(ranks), 0.0);
    for (const Leg& leg : legs) loads[static_cast<std::size_t>(leg.rank)] += leg.cost;
    return loads;
}

UnitQueue::UnitQueue(const std::vector<Leg>& legs, int ranks, bool dynamic)
    : dynamic_(dynamic), lists_(dynamic ? 1 : static_cast<std::size_t>(ranks)), positions_(lists_.size(), 0) {
    for (std::size_t i = 0; i < legs.size(); ++i) lists_[dynamic ? 0 : static_cast<std::size_t>(legs[i].rank)].push_back(i);
}

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
