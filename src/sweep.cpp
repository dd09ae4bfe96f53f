// run_sweep: starts the sweep's clock on every rank together, runs this rank's role, and tells
// every rank whether the sweep completed.

#include "hypergrid/sweep.hpp"

#include "cluster_state.hpp"
#include "sweep_roles.hpp"

#include <boost/mpi/collectives.hpp>

namespace hypergrid {

std::optional<TrainedState> StateStore::take(std::int64_t leg) {
    const auto found = states_.find(leg);
    if (found == states_.end()) return std::nullopt;
    TrainedState state = std::move(found->second);
    states_.erase(found);
    return state;
}

SweepOutcome run_sweep(Cluster& cluster, const SweepWork& work, StateStore& states) {
    boost::mpi::communicator& world = ClusterAccess::world(cluster);
    world.barrier();  // the common start of every rank's timings
    SweepOutcome outcome;
    outcome.start = sweep::Clock::now();
    sweep::Channel channel(world);
    bool complete = cluster.is_root()
                        ? sweep::run_root(channel, cluster.size(), work, states, outcome.start, outcome.spans)
                        : sweep::run_worker(channel, work, outcome.start);
    boost::mpi::broadcast(world, complete, 0);
    outcome.complete = complete;
    return outcome;
}

}  // namespace hypergrid
