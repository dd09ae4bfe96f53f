// Catch main for the MPI tests: hypergrid::Cluster owns MPI's start and end, so it is built before
// the Catch session runs and destroyed (MPI_Finalize) after it. Every rank runs every test; the exit
// status is agreed on, so a failure on any rank fails the test on all of them.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "hypergrid/cluster.hpp"

#include <mpi.h>

#include <iostream>

namespace hypergrid::testing {

namespace {
Cluster* g_cluster = nullptr;
}

/// The process's cluster, for the tests (declared in cluster_test.cpp).
Cluster& test_cluster() { return *g_cluster; }

}  // namespace hypergrid::testing

int main(int argc, char* argv[]) {
    int status = 0;
    {
        hypergrid::Cluster cluster(argc, argv);
        hypergrid::testing::g_cluster = &cluster;
        int failed = 0;
        {
            Catch::Session session;
            const int parse = session.applyCommandLine(argc, argv);
            failed = parse != 0 ? 1 : session.run();
        }
        int failed_anywhere = 0;
        MPI_Allreduce(&failed, &failed_anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (failed_anywhere != 0 && failed == 0)
            std::cerr << "rank " << cluster.rank() << ": passed here, but another rank failed\n";
        status = failed_anywhere != 0 ? 1 : 0;
        hypergrid::testing::g_cluster = nullptr;
    }
    return status;
}
