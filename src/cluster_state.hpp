#pragma once
// The MPI behind a Cluster, for the other files of the cluster component (node_shared_data.cpp,
// sweep.cpp); nothing outside the component includes this.

#include "hypergrid/cluster.hpp"

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

#include <stdexcept>
#include <string>

namespace hypergrid {

struct Cluster::State {
    boost::mpi::environment environment;
    boost::mpi::communicator world;
    State(int& argc, char**& argv) : environment(argc, argv, false) {}
};

struct ClusterAccess {
    static boost::mpi::communicator& world(Cluster& cluster) { return cluster.state_->world; }
};

/// Throws when an MPI call did not succeed (Boost.MPI throws on its own calls).
inline void check_mpi(int code, const char* call) {
    if (code != 0) throw std::runtime_error(std::string(call) + " failed with MPI error " + std::to_string(code));
}

}  // namespace hypergrid
