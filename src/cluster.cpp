// Start-up, agreement on errors and the collectives hypergrid uses.

#include "hypergrid/cluster.hpp"

#include "cluster_state.hpp"
#include "hypergrid/errors.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace hypergrid {

namespace mpi = boost::mpi;

Cluster::Cluster(int& argc, char**& argv) : state_(std::make_unique<State>(argc, argv)) {}

Cluster::~Cluster() = default;

int Cluster::rank() const { return state_->world.rank(); }

int Cluster::size() const { return state_->world.size(); }

void Cluster::agree(const std::function<void()>& work) {
    int exit_code = 0;
    std::string message;
    try {
        work();
    } catch (const InputError& error) {
        exit_code = 2;
        message = error.what();
    } catch (const std::bad_alloc&) {
        exit_code = 1;
        message = "out of memory";
    } catch (const std::exception& error) {
        exit_code = 1;
        message = error.what();
    }
    std::vector<int> codes;
    mpi::all_gather(state_->world, exit_code, codes);
    const auto failed = std::find_if(codes.begin(), codes.end(), [](int code) { return code != 0; });
    if (failed == codes.end()) return;
    const int source = static_cast<int>(failed - codes.begin());
    mpi::broadcast(state_->world, message, source);
    throw RankFailure(source, message, *failed);
}

void Cluster::broadcast_from_root(std::vector<std::int64_t>& values) { mpi::broadcast(state_->world, values, 0); }

std::vector<double> Cluster::gather_to_root(double value) {
    std::vector<double> values;
    mpi::gather(state_->world, value, values, 0);
    return values;
}

void Cluster::abort(int exit_code) {
    state_->environment.abort(exit_code);
    std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace hypergrid
