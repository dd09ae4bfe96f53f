#pragma once
/// @file cluster.hpp
/// The one component that talks MPI: start-up, agreement on errors, node-shared data, and moving
/// trial results to rank 0. Everything else sees plain data and callbacks.

#include "hypergrid/dataset.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hypergrid {

/// A failure agreed on by every rank: the first failing rank's message and its exit code.
class RankFailure : public std::runtime_error {
public:
    RankFailure(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

/// Thrown by a poll() to abandon the unit in progress when the sweep stops.
struct SweepStopped {};

/// Datasets placed once per node in MPI shared memory; every rank of the node reads the same pages.
/// Released (collectively) when destroyed, so it must not outlive the Cluster.
class NodeSharedData {
public:
    NodeSharedData();
    NodeSharedData(const NodeSharedData&) = delete;
    NodeSharedData& operator=(const NodeSharedData&) = delete;
    ~NodeSharedData();

    const std::vector<DatasetView>& views() const { return views_; }
    /// Each dataset's ReadDataset::digest(), from the rank that read it.
    const std::vector<std::uint64_t>& digests() const { return digests_; }

private:
    friend class Cluster;
    struct Window;
    std::unique_ptr<Window> window_;
    std::vector<DatasetView> views_;
    std::vector<std::uint64_t> digests_;
};

class Cluster {
public:
    Cluster(int& argc, char**& argv);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    int rank() const;
    int size() const;
    bool is_root() const { return rank() == 0; }

    /// Runs `work` on every rank. If it throws anywhere, every rank throws the same RankFailure
    /// ("rank K: <message>", exit code 2 for InputError, 1 otherwise) instead of hanging or aborting.
    void agree(const std::function<void()>& work);

    /// Reads `count` datasets once per node, in parallel: rank i mod n of the node (n its ranks)
    /// calls read(i). They are decoded into one shared window per node, and every rank of the node
    /// gets views of them. Errors are agreed on.
    void share_per_node(std::size_t count, const std::function<ReadDataset(std::size_t)>& read,
                        NodeSharedData& shared);

    /// Where a rank's finished trials go: on rank 0 straight to `collect`, elsewhere sent to rank 0.
    using Report = std::function<void(const std::vector<TrialResult>&)>;
    /// Rank 0's source of work: the next unit for `rank`, or -1 when there is none left for it.
    using NextUnit = std::function<std::int64_t(int rank)>;
    /// How the legs of a unit cut across ranks meet, wherever each runs: the first leg's rank hands
    /// its state over, the second's receives it (through rank 0, which keeps it until asked).
    struct Relay {
        /// Waits, polling, for the state leg `from` handed over (throws SweepStopped on a stop).
        std::function<std::vector<double>(std::int64_t from)> receive;
        /// Leaves leg `from`'s state for the leg that continues it.
        std::function<void(std::int64_t from, std::vector<double> state)> hand_over;
    };
    /// Trains one unit: report() receives its finished trials, poll() is called between epochs (so
    /// rank 0 serves the others promptly while it computes too; it throws SweepStopped on a stop),
    /// relay links it with the other leg of its unit, if it was cut.
    using RunUnit = std::function<void(std::int64_t unit, const Report& report, const std::function<void()>& poll,
                                       const Relay& relay)>;

    /// Work for the ranks that the end of a sweep leaves idle (hypergrid's: the final model, trained
    /// ahead for the best trial so far). On rank 0, `pick` names the task worth running now, or -1.
    /// A rank with no unit left runs it: `run(task, poll)` returns the task's payload, never empty
    /// (poll throws SweepStopped once rank 0 no longer picks that task, or the sweep stops), and
    /// rank 0's `done` receives every payload completed. At most one rank runs a task at a time,
    /// none runs twice.
    struct SideTask {
        std::function<std::int64_t()> pick;
        std::function<std::vector<double>(std::int64_t task, const std::function<void()>& poll)> run;
        std::function<void(std::int64_t task, const std::vector<double>& payload)> done;
    };

    /// The sweep. Rank 0 hands out units (hypergrid's: legs of units) one at a time as ranks become
    /// free (itself included), in the order `next` gives, and passes every result, its own and the
    /// others', to `collect` the moment it arrives. When `stop_requested` turns true on any rank, no more units are handed
    /// out, units in progress are abandoned within milliseconds, and every rank returns. Returns
    /// true when every unit was trained, false when the sweep stopped early.
    /// `queued` units are assigned to each worker ahead (at least 1): with 2, a worker starts its
    /// next unit at once instead of waiting for rank 0's next poll, which pays for many short units;
    /// with 1, no rank sits on work a faster rank could take, which pays for few long ones.
    /// Ranks left without units then run `side`'s tasks (if set) until every rank is done. A unit
    /// that receives from another must be handed out after it (UnitQueue's order sees to that): a
    /// rank waits for a state only while another rank computes it.
    bool run_sweep(const NextUnit& next, const RunUnit& run, const Report& collect,
                   const std::function<bool()>& stop_requested, int queued = 1, const SideTask& side = {});

    /// Rank 0's `values` on every rank.
    void broadcast_from_root(std::vector<std::int64_t>& values);

    /// Every rank's `value`, in rank order, on rank 0 (empty elsewhere).
    std::vector<double> gather_to_root(double value);

    /// Ends every rank at once with `exit_code` (for failures that cannot be agreed on).
    [[noreturn]] void abort(int exit_code);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hypergrid
