#pragma once
/// @file cluster.hpp
/// The one component that talks MPI: start-up, agreement on errors, node-shared data, and moving
/// trial results to rank 0. Everything else sees plain data and callbacks.

#include "hypergrid/dataset.hpp"
#include "hypergrid/results.hpp"

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

/// Datasets placed once per node in MPI shared memory; every rank of the node reads the same pages.
/// Released (collectively) when destroyed, so it must not outlive the Cluster.
class NodeSharedData {
public:
    NodeSharedData();
    NodeSharedData(const NodeSharedData&) = delete;
    NodeSharedData& operator=(const NodeSharedData&) = delete;
    ~NodeSharedData();

    const std::vector<DatasetView>& views() const { return views_; }

private:
    friend class Cluster;
    struct Window;
    std::unique_ptr<Window> window_;
    std::vector<DatasetView> views_;
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

    /// The node leader (lowest rank of each node) calls `load`; its datasets are copied into one
    /// shared window per node and every rank of the node gets views of them. Errors are agreed on.
    void share_per_node(const std::function<std::vector<Dataset>()>& load, NodeSharedData& shared);

    /// Where a rank's finished trials go: on rank 0 straight to `collect`, elsewhere sent to rank 0.
    using Report = std::function<void(const std::vector<TrialResult>&)>;
    /// A rank's work: runs its units, calling report() for each batch of finished trials and poll()
    /// between epochs (so rank 0 receives promptly while it computes too).
    using Work = std::function<void(const Report& report, const std::function<void()>& poll)>;

    /// Runs `work` on every rank; rank 0 passes every result, its own and the others', to `collect`
    /// as soon as it arrives, and returns once `total` results have arrived. Other ranks return
    /// when their work is done.
    void run_and_collect(const Work& work, std::int64_t total, const Report& collect);

    /// Every rank's `value`, in rank order, on rank 0 (empty elsewhere).
    std::vector<double> gather_to_root(double value);

    /// Ends every rank at once with `exit_code` (for failures that cannot be agreed on).
    [[noreturn]] void abort(int exit_code);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hypergrid
