// The node-shared datasets: one MPI shared-memory window per node, filled by the node's ranks in
// parallel, read by all of them.

#include "hypergrid/node_shared_data.hpp"

#include "cluster_state.hpp"

#include <mpi.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace hypergrid {
namespace {

/// Maps the pages of [begin, begin + bytes) writable now, in one system call, rather than one page
/// fault at a time on first write. Best effort: kernels before 5.14 lack MADV_POPULATE_WRITE, and the
/// pages then fault in as they are written.
void prefault_for_writing(char* begin, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) / page * page;
    const auto last = (reinterpret_cast<std::uintptr_t>(begin) + bytes) / page * page;
    if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#else
    (void)begin;
    (void)bytes;
#endif
}

constexpr std::int64_t kAlignment = 64;  // each array starts on a cache line

std::int64_t aligned(std::int64_t offset) { return (offset + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

struct NodeSharedData::Window {
    boost::mpi::communicator node;
    MPI_Win handle = MPI_WIN_NULL;
};

// The window (and its node communicator) is left to MPI_Finalize: freeing it is collective, and a
// destructor must never wait for the other ranks. A rank may unwind alone (rank 0 failing to write
// its outputs while the others finish, or any rank failing before it aborts the job); waiting there
// in MPI_Win_free for ranks that never come was the hang of a full disk.
NodeSharedData::~NodeSharedData() {
    // Kept reachable, never destroyed: destroying it after MPI_Finalize would free its communicator then.
    static auto* const kept = new std::vector<Window*>();
    if (window_) kept->push_back(window_.release());
}

NodeSharedData::NodeSharedData(Cluster& cluster, std::size_t count, const std::function<ReadDataset(std::size_t)>& read) {
    NodeSharedData& shared = *this;
    boost::mpi::communicator& world = ClusterAccess::world(cluster);
    MPI_Comm node_handle = MPI_COMM_NULL;
    check_mpi(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node_handle),
          "MPI_Comm_split_type");
    shared.window_ = std::make_unique<NodeSharedData::Window>();
    NodeSharedData::Window& window = *shared.window_;
    window.node = boost::mpi::communicator(node_handle, boost::mpi::comm_take_ownership);
    const int node_rank = window.node.rank();
    const int node_size = window.node.size();
    const auto reads = [&](std::size_t i) {
        return static_cast<int>(i % static_cast<std::size_t>(node_size)) == node_rank;
    };

    // The node's ranks read its files in parallel: dataset i on node rank i mod n.
    std::vector<ReadDataset> files(count);
    cluster.agree([&] {
        for (std::size_t i = 0; i < count; ++i)
            if (reads(i)) files[i] = read(i);
    });

    // Layout: for each dataset, its features then its labels, each cache-line aligned.
    std::vector<std::int64_t> shape(2 * count, 0);  // count, dims per dataset: each set by its reader
    shared.digests_.assign(count, 0);
    for (std::size_t i = 0; i < count; ++i) {
        if (!reads(i)) continue;
        shape[2 * i] = files[i].count();
        shape[2 * i + 1] = files[i].dims();
        shared.digests_[i] = files[i].digest();
    }
    MPI_Allreduce(MPI_IN_PLACE, shape.data(), static_cast<int>(shape.size()), MPI_INT64_T, MPI_SUM, window.node);
    MPI_Allreduce(MPI_IN_PLACE, shared.digests_.data(), static_cast<int>(count), MPI_UINT64_T, MPI_BOR, window.node);
    std::vector<std::int64_t> offsets;
    std::int64_t bytes = 0;
    for (std::size_t i = 0; i < shape.size(); i += 2) {
        offsets.push_back(bytes);
        bytes = aligned(bytes + shape[i] * shape[i + 1] * static_cast<std::int64_t>(sizeof(float)));
        offsets.push_back(bytes);
        bytes = aligned(bytes + shape[i] * static_cast<std::int64_t>(sizeof(std::int32_t)));
    }

    char* base = nullptr;
    check_mpi(MPI_Win_allocate_shared(node_rank == 0 ? std::max<MPI_Aint>(bytes, 1) : 0, 1, MPI_INFO_NULL, window.node,
                                  &base, &window.handle),
          "MPI_Win_allocate_shared");
    MPI_Aint size = 0;
    int unit = 0;
    check_mpi(MPI_Win_shared_query(window.handle, 0, &size, &unit, &base), "MPI_Win_shared_query");
    // Each rank maps its share of the window's pages in a call per dataset (cheaper than a fault per
    // page, and in parallel), and converts the features it read straight into the window: never a
    // private copy. Dataset by dataset, so a lone rank holds no more pages than decoding needs.
    cluster.agree([&] {
        const std::int64_t share_first = bytes / node_size * node_rank;
        const std::int64_t share_last = node_rank + 1 == node_size ? bytes : share_first + bytes / node_size;
        for (std::size_t i = 0; i < count; ++i) {
            const std::int64_t first = std::max(share_first, offsets[2 * i]);
            const std::int64_t last = std::min(share_last, i + 1 < count ? offsets[2 * i + 2] : bytes);
            if (last > first) prefault_for_writing(base + first, static_cast<std::size_t>(last - first));
            if (!reads(i)) continue;
            files[i].decode_features_into(reinterpret_cast<float*>(base + offsets[2 * i]));
            std::memcpy(base + offsets[2 * i + 1], files[i].labels.data(), files[i].labels.size() * sizeof(std::int32_t));
            files[i] = ReadDataset{};  // the file's bytes go as soon as they are decoded
        }
    });
    // Make every rank's stores visible to the node before anyone reads (MPI's separate memory model).
    MPI_Win_lock_all(0, window.handle);
    MPI_Win_sync(window.handle);
    window.node.barrier();
    MPI_Win_sync(window.handle);
    MPI_Win_unlock_all(window.handle);

    shared.views_.clear();
    for (std::size_t i = 0; i < shape.size(); i += 2) {
        shared.views_.push_back({reinterpret_cast<const float*>(base + offsets[i]),
                                 reinterpret_cast<const std::int32_t*>(base + offsets[i + 1]), shape[i], shape[i + 1]});
    }
}

}  // namespace hypergrid
