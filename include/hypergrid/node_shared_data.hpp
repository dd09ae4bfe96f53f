#pragma once
/// @file node_shared_data.hpp
/// Datasets placed once per node in MPI shared memory: every rank of the node reads the same pages.

#include "hypergrid/dataset.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace hypergrid {

class Cluster;

/// Its memory stays mapped until MPI_Finalize (the Cluster's end): releasing it is collective, and no
/// destructor may wait for other ranks, which may have failed. Views must not outlive the Cluster.
class NodeSharedData {
public:
    /// Reads `count` datasets once per node, in parallel: rank i mod n of the node (n its ranks)
    /// calls read(i). They are decoded into one shared window per node, and every rank of the node
    /// gets views of them. Errors are agreed on (Cluster::agree): every rank throws the same RankFailure.
    NodeSharedData(Cluster& cluster, std::size_t count, const std::function<ReadDataset(std::size_t)>& read);
    NodeSharedData(const NodeSharedData&) = delete;
    NodeSharedData& operator=(const NodeSharedData&) = delete;
    ~NodeSharedData();

    const std::vector<DatasetView>& views() const { return views_; }
    /// Each dataset's ReadDataset::digest(), from the rank that read it.
    const std::vector<std::uint64_t>& digests() const { return digests_; }

private:
    struct Window;
    std::unique_ptr<Window> window_;
    std::vector<DatasetView> views_;
    std::vector<std::uint64_t> digests_;
};

}  // namespace hypergrid
