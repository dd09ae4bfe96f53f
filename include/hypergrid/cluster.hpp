#pragma once
/// @file cluster.hpp
/// The one component that talks MPI: start-up, agreement on errors and the collectives here; the
/// node-shared data (node_shared_data.hpp) and the sweep's roles (sweep.hpp) beside it. Everything
/// else sees plain data and callbacks.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hypergrid {

/// A failure agreed on by every rank: the first failing rank, its message and its exit code.
/// what() is "rank K: <message>", or the message alone when rank 0 failed.
class RankFailure : public std::runtime_error {
public:
    RankFailure(int rank, const std::string& cause, int exit_code)
        : std::runtime_error(rank == 0 ? cause : "rank " + std::to_string(rank) + ": " + cause),
          rank_(rank), cause_(cause), exit_code_(exit_code) {}
    int rank() const { return rank_; }
    const std::string& cause() const { return cause_; }
    int exit_code() const { return exit_code_; }

private:
    int rank_;
    std::string cause_;
    int exit_code_;
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

    /// Rank 0's `values` on every rank.
    void broadcast_from_root(std::vector<std::int64_t>& values);

    /// Every rank's `value`, in rank order, on rank 0 (empty elsewhere).
    std::vector<double> gather_to_root(double value);

    /// Ends every rank at once with `exit_code` (for failures that cannot be agreed on): the launcher
    /// (mpirun, srun) kills the other ranks wherever they wait.
    [[noreturn]] void abort(int exit_code);

private:
    friend struct ClusterAccess;  // the component's other files reach the communicator
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace hypergrid
