#include "hypergrid/cluster.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/fault.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <mpi.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <boost/optional.hpp>

namespace hypergrid {
namespace {

namespace mpi = boost::mpi;

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

/// Message tags: one per kind of message, so a receiver can tell them apart.
enum Tag : int {
    kResults = 1,  ///< worker -> rank 0: finished trials
    kIdle,         ///< worker -> rank 0: my unit ended (payload: 1 if I was asked to stop)
    kAssign,       ///< rank 0 -> worker: the next unit, or -1: no more work
    kStop,         ///< rank 0 -> worker: abandon the unit in progress
    kSide,         ///< rank 0 -> idle worker: a side task to run, or -1: none (exactly one per worker)
    kCancel,       ///< rank 0 -> worker: abandon the side task
    kSideDone,     ///< worker -> rank 0: (1 if I was asked to stop, the side task's payload; empty: abandoned)
    kSideAck,      ///< rank 0 -> worker: received (payload: 1 if a kCancel is on its way to drain)
    kHandOver,     ///< worker -> rank 0: (leg, the state it hands over)
    kWantState,    ///< worker -> rank 0: the leg whose state I wait for (exactly one kState answers)
    kState,        ///< rank 0 -> worker: the state asked for, or empty: the sweep is stopping
};

constexpr auto kIdleWait = std::chrono::microseconds(200);  // between checks when there is nothing to do

constexpr std::int64_t kAlignment = 64;  // each array starts on a cache line

std::int64_t aligned(std::int64_t offset) { return (offset + kAlignment - 1) / kAlignment * kAlignment; }

void check(int code, const char* call) {
    if (code != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed with MPI error " + std::to_string(code));
}

// A kState message: one MPI message of doubles, its length probed. Boost.MPI 1.74 reads through a
// std::vector's data() even when the vector is empty (undefined behaviour, which UBSan reports),
// and the empty state is how "the sweep is stopping" travels.
void send_state(const mpi::communicator& world, int dest, const std::vector<double>& state) {
    if (state.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::length_error("a state of " + std::to_string(state.size()) + " values is too large for one message");
    check(MPI_Send(state.data(), static_cast<int>(state.size()), MPI_DOUBLE, dest, kState, world), "MPI_Send");
}

std::vector<double> receive_state(const mpi::communicator& world, int source) {
    MPI_Status status;
    check(MPI_Probe(source, kState, world, &status), "MPI_Probe");
    int count = 0;
    check(MPI_Get_count(&status, MPI_DOUBLE, &count), "MPI_Get_count");
    std::vector<double> state(static_cast<std::size_t>(count));
    check(MPI_Recv(state.data(), count, MPI_DOUBLE, source, kState, world, MPI_STATUS_IGNORE), "MPI_Recv");
    return state;
}

}  // namespace

struct Cluster::State {
    mpi::environment environment;
    mpi::communicator world;
    State(int& argc, char**& argv) : environment(argc, argv, false) {}
};

struct NodeSharedData::Window {
    mpi::communicator node;
    MPI_Win handle = MPI_WIN_NULL;
    ~Window() {
        if (handle != MPI_WIN_NULL) MPI_Win_free(&handle);
    }
};

NodeSharedData::NodeSharedData() = default;
NodeSharedData::~NodeSharedData() = default;

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
    throw RankFailure(source == 0 ? message : "rank " + std::to_string(source) + ": " + message, *failed);
}

void Cluster::share_per_node(std::size_t count, const std::function<ReadDataset(std::size_t)>& read,
                             NodeSharedData& shared) {
    MPI_Comm node_handle = MPI_COMM_NULL;
    check(MPI_Comm_split_type(state_->world, MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &node_handle),
          "MPI_Comm_split_type");
    shared.window_ = std::make_unique<NodeSharedData::Window>();
    NodeSharedData::Window& window = *shared.window_;
    window.node = mpi::communicator(node_handle, mpi::comm_take_ownership);
    const int node_rank = window.node.rank();
    const int node_size = window.node.size();
    const auto reads = [&](std::size_t i) {
        return static_cast<int>(i % static_cast<std::size_t>(node_size)) == node_rank;
    };

    // The node's ranks read its files in parallel: dataset i on node rank i mod n.
    std::vector<ReadDataset> files(count);
    agree([&] {
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
    check(MPI_Win_allocate_shared(node_rank == 0 ? std::max<MPI_Aint>(bytes, 1) : 0, 1, MPI_INFO_NULL, window.node,
                                  &base, &window.handle),
          "MPI_Win_allocate_shared");
    MPI_Aint size = 0;
    int unit = 0;
    check(MPI_Win_shared_query(window.handle, 0, &size, &unit, &base), "MPI_Win_shared_query");
    // Each rank maps its share of the window's pages in a call per dataset (cheaper than a fault per
    // page, and in parallel), and converts the features it read straight into the window: never a
    // private copy. Dataset by dataset, so a lone rank holds no more pages than decoding needs.
    agree([&] {
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

bool Cluster::run_sweep(const NextUnit& next, const RunUnit& run, const Report& collect,
                        const std::function<bool()>& stop_requested, int queued, const SideTask& side) {
    mpi::communicator& world = state_->world;
    if (!is_root()) {
        std::deque<std::int64_t> pending;
        bool closed = false;   // rank 0 has no more units for us
        bool stopped = false;  // the sweep is stopping: run nothing more
        auto receive = [&](bool wait) {
            while (!closed && (wait || world.iprobe(0, kAssign))) {
                std::int64_t unit = 0;
                world.recv(0, kAssign, unit);
                if (unit < 0) closed = true; else pending.push_back(unit);
                wait = false;
            }
        };
        auto report = [&](const std::vector<TrialResult>& results) {
            fault_point("send_results");
            world.send(0, kResults, results);
        };
        auto poll = [&] {
            if (world.iprobe(0, kStop)) {
                int ignored = 0;
                world.recv(0, kStop, ignored);
                stopped = true;
            }
            if (stopped || stop_requested()) throw SweepStopped{};
        };
        bool state_owed = false;  // asked rank 0 for a state, not yet received
        const Relay relay{
            [&](std::int64_t from) {
                world.send(0, kWantState, from);
                state_owed = true;
                while (!world.iprobe(0, kState)) {
                    poll();
                    std::this_thread::sleep_for(kIdleWait);
                }
                std::vector<double> state = receive_state(world, 0);
                state_owed = false;
                if (state.empty()) throw SweepStopped{};
                return state;
            },
            [&](std::int64_t from, std::vector<double> state) {
                world.send(0, kHandOver, std::make_pair(from, std::move(state)));
            }};
        while (true) {
            receive(pending.empty());
            if (pending.empty()) break;  // closed and nothing left
            const std::int64_t unit = pending.front();
            pending.pop_front();
            try {
                if (!stopped) run(unit, report, poll, relay);
            } catch (const SweepStopped&) {
                stopped = true;
            }
            stopped = stopped || stop_requested();
            world.send(0, kIdle, static_cast<int>(stopped));  // one per assigned unit, run or not
            if (state_owed) {  // stopped while waiting: rank 0 answers once it learns of the stop
                receive_state(world, 0);
                state_owed = false;
            }
        }
        std::int64_t task = -1;  // idle now: rank 0 may have a side task for us
        world.recv(0, kSide, task);
        // A stop that crossed our last messages was sent before kSide (rank 0 stops only workers
        // with units outstanding, and offers kSide once none is).
        while (world.iprobe(0, kStop)) {
            int ignored = 0;
            world.recv(0, kStop, ignored);
        }
        if (task >= 0) {
            bool cancelled = false;
            auto side_poll = [&] {
                if (!cancelled && world.iprobe(0, kCancel)) {
                    int ignored = 0;
                    world.recv(0, kCancel, ignored);
                    cancelled = true;
                }
                if (cancelled || stop_requested()) throw SweepStopped{};
            };
            std::pair<int, std::vector<double>> done;  // (asked to stop?, payload)
            try {
                done.second = side.run(task, side_poll);
            } catch (const SweepStopped&) {
                done.second.clear();
            }
            done.first = stop_requested() ? 1 : 0;
            world.send(0, kSideDone, done);
            int cancel_sent = 0;
            world.recv(0, kSideAck, cancel_sent);
            if (cancel_sent && !cancelled) world.recv(0, kCancel, cancel_sent);  // leave no message behind
        }
        bool complete = false;  // only rank 0 knows whether some rank stopped
        mpi::broadcast(world, complete, 0);
        return complete;
    }

    // Rank 0: tracks each worker's assigned-but-unfinished units, whether it was told "no more", and
    // whether it was offered its side task; and which side tasks run where (-1: none) or are done.
    bool stopping = false;
    const auto workers = static_cast<std::size_t>(size());
    std::vector<int> outstanding(workers, 0);
    std::vector<bool> closed(workers, false);
    std::vector<bool> offered(workers, false);
    std::vector<std::int64_t> side_running(workers, -1);  // index 0: rank 0's own
    std::vector<int> cancel_sent(workers, 0);
    std::vector<std::int64_t> side_done;
    std::map<std::int64_t, std::vector<double>> states;  // handed over, not yet taken: by leg
    std::map<std::int64_t, int> waiting;                 // the worker waiting for each leg's state
    auto deliver = [&](std::int64_t from, std::vector<double> state) {
        const auto worker = waiting.find(from);
        if (worker == waiting.end()) {
            states[from] = std::move(state);
            return;
        }
        send_state(world, worker->second, state);
        waiting.erase(worker);
    };
    auto wanted_side_task = [&]() -> std::int64_t { return stopping || !side.pick ? -1 : side.pick(); };
    auto side_task_to_start = [&]() -> std::int64_t {
        const std::int64_t task = wanted_side_task();
        const bool taken = std::count(side_running.begin(), side_running.end(), task) > 0 ||
                           std::count(side_done.begin(), side_done.end(), task) > 0;
        return taken ? -1 : task;
    };
    auto cancel_unwanted_side_tasks = [&] {
        const std::int64_t wanted = wanted_side_task();
        for (std::size_t worker = 1; worker < workers; ++worker)
            if (side_running[worker] >= 0 && side_running[worker] != wanted && !cancel_sent[worker]) {
                world.send(static_cast<int>(worker), kCancel, 0);
                cancel_sent[worker] = 1;
            }
    };
    auto assign = [&](int worker) {
        const auto w = static_cast<std::size_t>(worker);
        if (!closed[w]) {
            const std::int64_t unit = stopping ? -1 : next(worker);
            world.send(worker, kAssign, unit);
            if (unit < 0) closed[w] = true;
            else ++outstanding[w];
        }
        if (closed[w] && outstanding[w] == 0 && !offered[w]) {  // idle for good: offer a side task
            offered[w] = true;
            side_running[w] = side_task_to_start();
            world.send(worker, kSide, side_running[w]);
        }
    };
    auto begin_stop = [&] {
        if (stopping) return;
        stopping = true;
        for (int worker = 1; worker < size(); ++worker)
            if (outstanding[static_cast<std::size_t>(worker)] > 0) world.send(worker, kStop, 0);
        for (const auto& [from, worker] : waiting) send_state(world, worker, {});
        waiting.clear();
        cancel_unwanted_side_tasks();
    };
    // Handles one pending message, if any; messages of one source arrive in the order sent.
    auto serve_one = [&] {
        const boost::optional<mpi::status> pending = world.iprobe(mpi::any_source, mpi::any_tag);
        if (!pending) return false;
        const int source = pending->source();
        const auto w = static_cast<std::size_t>(source);
        if (pending->tag() == kResults) {
            std::vector<TrialResult> results;
            world.recv(source, kResults, results);
            collect(results);
            cancel_unwanted_side_tasks();  // the best so far may have changed
        } else if (pending->tag() == kSideDone) {
            std::pair<int, std::vector<double>> done;  // (asked to stop?, payload)
            world.recv(source, kSideDone, done);
            world.send(source, kSideAck, cancel_sent[w]);
            if (!done.second.empty()) {
                side_done.push_back(side_running[w]);
                side.done(side_running[w], done.second);
            }
            side_running[w] = -1;
            if (done.first) begin_stop();
        } else if (pending->tag() == kHandOver) {
            std::pair<std::int64_t, std::vector<double>> handed;
            world.recv(source, kHandOver, handed);
            deliver(handed.first, std::move(handed.second));
        } else if (pending->tag() == kWantState) {
            std::int64_t from = 0;
            world.recv(source, kWantState, from);
            const auto state = states.find(from);
            if (stopping) {
                send_state(world, source, {});
            } else if (state != states.end()) {
                send_state(world, source, state->second);
                states.erase(state);
            } else {
                waiting[from] = source;
            }
        } else {
            int worker_stopped = 0;
            world.recv(source, kIdle, worker_stopped);
            --outstanding[static_cast<std::size_t>(source)];
            if (worker_stopped) begin_stop();
            assign(source);
        }
        return true;
    };
    auto poll = [&] {
        while (serve_one()) {
        }
        if (stop_requested()) begin_stop();
        if (stopping) throw SweepStopped{};
    };
    auto workers_done = [&] {
        for (std::size_t worker = 1; worker < workers; ++worker)
            if (!offered[worker] || side_running[worker] >= 0) return false;
        return true;
    };
    const Relay own_relay{
        [&](std::int64_t from) {
            while (true) {
                const auto state = states.find(from);
                if (state != states.end()) {
                    std::vector<double> taken = std::move(state->second);
                    states.erase(state);
                    return taken;
                }
                poll();  // serves the others, the leg's rank among them; throws on a stop
                std::this_thread::sleep_for(kIdleWait);
            }
        },
        deliver};
    // Rank 0's own side task: abandoned as soon as it is no longer the one picked.
    auto run_own_side_task = [&](std::int64_t task) {
        side_running[0] = task;
        try {
            const std::vector<double> payload = side.run(task, [&] {
                poll();
                if (side.pick() != task) throw SweepStopped{};
            });
            side_done.push_back(task);
            side.done(task, payload);
        } catch (const SweepStopped&) {
        }
        side_running[0] = -1;
    };

    for (int round = 0; round < queued; ++round)
        for (int worker = 1; worker < size(); ++worker) assign(worker);
    try {
        for (std::int64_t unit = next(0); unit >= 0 && !stopping; unit = next(0)) {
            run(unit, collect, poll, own_relay);
            poll();  // serve the others between two short units too
        }
    } catch (const SweepStopped&) {
        begin_stop();
    }
    // Rank 0 has no unit left: serve the others until each is done, running side tasks meanwhile,
    // otherwise sleeping between checks rather than spinning on the core a worker may need.
    while (!workers_done()) {
        if (stop_requested()) begin_stop();
        if (const std::int64_t task = side_task_to_start(); task >= 0) run_own_side_task(task);
        else if (!serve_one()) std::this_thread::sleep_for(kIdleWait);
    }
    bool complete = !stopping;
    mpi::broadcast(world, complete, 0);
    return complete;
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
