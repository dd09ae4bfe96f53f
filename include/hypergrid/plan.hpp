#pragma once
/// @file plan.hpp
/// Pure decisions: how trials are packed into units of work, which rank runs which unit, which
/// result is best. Functions of plain data only, so they are tested without mpirun.

#include "hypergrid/grid.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace hypergrid {

/// No trial ends at this checkpoint for this model (or it is already done).
constexpr std::int64_t kNoTrial = -1;

/// One unit of work: models that share a batch size train side by side on the same mini-batches (the
/// epoch order is common to all trials), once, to the largest epoch count; each is evaluated at every
/// epoch count of the grid on the way. So one unit answers models x checkpoints trials.
struct WorkUnit {
    int batch_size = 0;
    std::vector<double> alphas;               ///< per model
    std::vector<double> learning_rates;       ///< per model
    std::vector<int> checkpoints;             ///< epoch counts at which trials finish, ascending
    std::vector<std::vector<std::int64_t>> trials;  ///< trials[model][checkpoint]: trial id, or kNoTrial
    double cost = 0;  ///< expected work (see WorkPlan::costs)
    /// The epochs this piece of work trains: [first_epoch, last_epoch). The whole unit is [0, epochs());
    /// a leg of a unit cut across ranks (see Leg) starts from the models the leg before it handed
    /// over, or hands its models on to the leg after it.
    int first_epoch = 0;
    int last_epoch = 0;
    /// k-fold: the fold whose training set the models train on (folds.hpp); -1 without folds.
    int fold = -1;
    /// Successive halving: the models do not start from zero but from the states their rung before
    /// left at this epoch count (the whole unit is then [start_epoch, epochs())); 0 otherwise.
    int start_epoch = 0;

    std::size_t model_count() const { return alphas.size(); }
    /// The trials this piece finishes: those whose checkpoint lies in (first_epoch, last_epoch].
    std::size_t trial_count() const {
        std::size_t count = 0;
        for (const auto& ids : trials)
            for (std::size_t c = 0; c < checkpoints.size(); ++c)
                count += ids[c] != kNoTrial && checkpoints[c] > first_epoch && checkpoints[c] <= last_epoch;
        return count;
    }
    int epochs() const { return checkpoints.back(); }
    /// The last checkpoint at which model `model` ends a trial: the model's own epoch count (a unit
    /// of random search trains models of several to its largest), 0 when it ends none.
    int last_trial_epoch(std::size_t model) const {
        for (std::size_t c = checkpoints.size(); c-- > 0;)
            if (trials[model][c] != kNoTrial) return checkpoints[c];
        return 0;
    }
    bool continues_a_leg() const { return first_epoch > start_epoch; }
    /// Halving: the models continue from their rung before's states.
    bool continues_a_rung() const { return first_epoch == start_epoch && start_epoch > 0; }
    bool hands_over() const { return last_epoch < epochs(); }
};

/// The expected cost of training one model for `epochs` epochs over one example at `batch_size`,
/// in model-epochs: 1 per epoch plus the per-step overhead, which weighs more for small batches.
double model_epoch_cost(int epochs, int batch_size);

/// Which trials a run still owes: its shard of the sweep, less the trials its journal holds.
struct WorkFilter {
    int shard = 0;                            ///< this run's shard, 0-based
    int shards = 1;                           ///< how many shards the sweep is cut into
    const std::vector<bool>* done = nullptr;  ///< finished trials by id (none when null)
    /// k-fold: each track is trained once per fold, and `done` is by trial * folds + fold; 0: no folds.
    int folds = 0;
    /// Successive halving: the owed tracks continue from models stored at this epoch count.
    int from_epoch = 0;
};

/// The shard of each model track, a track being one (alpha, learning_rate, batch_size) trained to
/// the largest epoch count it needs (grid mode: one per batch size, alpha and rate, in that order;
/// random mode: one per sample): tracks spread over `shards` longest first, so the shards' work is
/// balanced. A function of the search space and the shard count only, so every job of an array
/// agrees on it.
std::vector<int> track_shards(const Grid& grid, int shards);

/// The vector width, in floats, that unit widths are padded to: AVX-512's (a multiple of AVX's and
/// SSE's), fixed whatever this build's target, so every rank plans alike.
constexpr int kPlanLanes = 16;

/// The sizes, largest first, of `chunks` chunks of at most `limit` models that together hold `models`
/// models of `classes` columns each, in at most two sizes within kPlanLanes of the mean (near-equal
/// sizes are one such split): the fewest padded columns (each chunk's models x classes rounded up to
/// whole kPlanLanes vectors), and among those the most even sizes. With 10 classes, 9 models in two
/// chunks are 6 + 3 (64 + 32 columns), not 5 + 4 (64 + 48). Throws std::invalid_argument when no
/// such split exists.
std::vector<std::size_t> chunk_sizes(std::size_t models, std::size_t chunks, std::size_t limit, int classes);

/// Streaming the examples through the cache costs a unit about as much as this many more models
/// each epoch, whatever its width. How much depends on the CPU and the kernels (a narrow unit pays
/// relatively more for the stream than a wide one); bench/ measures it. 1 is a compromise between
/// the CPUs measured: the plan's balance, and so the sweep's end, is not very sensitive to it.
constexpr double kUnitOverhead = 1.0;

/// The expected cost, per training example, of a unit of `models` models of `classes` classes
/// trained for `epochs` epochs at `batch_size`: model_epoch_cost of its width padded to whole
/// kPlanLanes vectors, in models, plus kUnitOverhead per epoch.
double unit_cost(int epochs, int batch_size, std::size_t models, int classes);

struct Leg;

/// How finely WorkPlan cuts the work.
struct Packing {
    /// Split groups, one chunk at a time, until there are this many units (when the work allows).
    std::int64_t min_units = 1;
    /// When > 0: of the cuts on the way, keep the one whose relay schedule on this many ranks is
    /// expected to end soonest (relay_end; ties: fewer units), since narrower units do more work per model.
    int ranks = 0;
    /// When > 0 (and ranks > 1): the final model follows, trained on this many times the sweep's
    /// training examples (1.25 for train + a 20% validation split) by the first rank left without
    /// units (hypergrid trains it ahead there), so a cut's expected time includes it, at the mean
    /// cost of one trial trained alone.
    double final_scale = 0;
};

/// The packing for a run on `ranks` ranks: up to three units per rank, and the cut on the way whose
/// relay schedule, the final model (`final_scale`, see Packing) included, is expected to end soonest.
Packing packing_for(int ranks, double final_scale = 0);

/// The work a run owes, packed into units. For each batch size (in order of first appearance), the
/// tracks still owed (grid mode: (alpha, learning_rate) pairs in grid order; random mode: samples by
/// epoch count, so no model trains far past its last trial) in consecutive chunks of at most
/// `models_per_unit` (sizes from chunk_sizes). Groups are split further as `packing` says, the
/// largest chunk first (ties: the largest batch size), so that every rank gets work. The packing
/// changes no result: a model's arithmetic is the same whatever models train beside it (see
/// sgd_trainer.hpp). Tracks outside the filter's shard and tracks whose trials are all done are left
/// out; a unit stops at the last epoch count it still owes.
///
/// The plan is compact: one id per owed track and a few numbers per unit; unit() builds a unit's
/// full description when it is needed. So a sweep of 10^6 trials costs each rank megabytes, not
/// millions of objects. It refers to `grid`, which must outlive it.
class WorkPlan {
public:
    WorkPlan(const Grid& grid, int classes, int models_per_unit, std::int64_t train_examples,
             const Packing& packing = {}, const WorkFilter& filter = {});

    std::size_t size() const { return spans_.size(); }
    /// Each unit's expected work, in unit order: unit_cost x training examples.
    const std::vector<double>& costs() const { return costs_; }
    /// Each unit's epoch count (WorkUnit::epochs), in unit order.
    const std::vector<int>& epochs() const { return epochs_; }
    /// The final model's expected cost, in the units of costs(), when the packing counted it (else 0).
    double final_cost() const { return final_cost_; }
    int classes() const { return classes_; }
    /// k-fold: models per trial (WorkFilter::folds); 0 without folds.
    int folds() const { return folds_; }
    /// Unit u in full.
    WorkUnit unit(std::size_t u) const;
    /// The piece of its unit that `leg` trains, in full (cost: the leg's).
    WorkUnit unit(const Leg& leg) const;
    /// This plan's units (and final model) cut into legs for `ranks` ranks: see relay_schedule.
    std::vector<Leg> legs(int ranks) const;

private:
    struct Span {
        std::int64_t first;  // the unit's tracks: order_[first, first + count)
        std::int64_t count;
    };
    const Grid* grid_;
    int classes_;
    int folds_;       // WorkFilter::folds
    int from_epoch_;  // WorkFilter::from_epoch
    std::vector<bool> done_;           // finished trials by id (empty: none)
    std::vector<std::int64_t> order_;  // owed track ids, unit after unit
    std::vector<Span> spans_;
    std::vector<double> costs_;
    std::vector<int> epochs_;
    double final_cost_ = 0;
};

/// The trials of shard `shard` of `shards`, by id.
std::vector<bool> shard_trials(const Grid& grid, int shard, int shards);

/// Longest-processing-time-first: units in descending cost (ties: lower index first), each to the
/// least-loaded rank (ties: lower rank). Returns the rank of each unit.
std::vector<int> assign_longest_first(const std::vector<double>& costs, int ranks);

/// One leg of a unit's training: epochs [first_epoch, last_epoch) of unit `unit`, planned on `rank`
/// from time `start` (in the units of cost). Epoch e's order depends on (seed, e) alone, so training
/// a unit in two legs, the second starting from the models the first hands over, gives the same
/// bits as training it in one go, on whichever ranks the legs run.
struct Leg {
    std::size_t unit = 0;
    int first_epoch = 0;
    int last_epoch = 0;
    int rank = 0;
    double start = 0;
    double cost = 0;
    std::int64_t after = -1;  ///< the leg (index) whose models this one continues; -1: starts from zero
};

/// McNaughton's wrap-around rule, cut at whole epochs: with T = relay_end(costs, ranks, final_cost),
/// the units, longest first, fill rank 0 up to T, then rank 1, and so on; the unit that overflows a
/// rank is cut: its first epochs open the next rank (at time 0), its last ones close this rank, so
/// the two legs never overlap (a unit costs at most T). So every rank's load is within half an
/// epoch of one unit of T, each unit is cut at most once, and the last rank keeps room for the
/// final model. `epochs[u]` is unit u's epoch count. Legs come ordered by planned start (ties:
/// lower rank), so every leg that hands over comes before the leg it hands to.
std::vector<Leg> relay_schedule(const std::vector<double>& costs, const std::vector<int>& epochs, int ranks,
                                double final_cost = 0);

/// The relay schedule's expected end: max(the longest unit, final_cost, (all units + final_cost) / ranks).
double relay_end(const std::vector<double>& costs, int ranks, double final_cost = 0);

/// The summed cost of the legs planned on each rank.
std::vector<double> rank_loads(const std::vector<Leg>& legs, int ranks);

/// Hands legs out to ranks. Dynamic: whichever rank asks gets the next leg by planned start, so no
/// rank idles while work remains, whatever the ranks' speeds. Static: each rank works through the
/// legs planned for it. Either way every leg that hands over is handed out before the leg it hands
/// to, and a rank runs its legs in order, so a leg never waits for one queued behind it. Results
/// never depend on which rank trains a leg.
class UnitQueue {
public:
    UnitQueue(const std::vector<Leg>& legs, int ranks, bool dynamic);
    /// The next leg for `rank`, or -1 when there is none left for it.
    std::int64_t next(int rank);

private:
    bool dynamic_;
    std::vector<std::vector<std::size_t>> lists_;  // dynamic: one shared list; static: one per rank
    std::vector<std::size_t> positions_;
};

/// The index of the best result: lowest validation cost among finished (non-diverged) trials, ties to
/// the lowest trial id. Empty when every trial diverged.
std::optional<std::size_t> pick_best(const std::vector<TrialResult>& results);

}  // namespace hypergrid
