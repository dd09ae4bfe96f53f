// Tests for the cluster component at whatever rank count mpiexec gives (ctest runs 1 to 4): agreement
// on errors, node-shared datasets, and the sweep's roles (results to rank 0, stops, relayed states,
// side tasks). Rank 0's decisions alone are unit-tested in tests/sweep_policy_test.cpp.
//
// Every rank runs every test. Collective calls are made unconditionally and checks are CHECKs, not
// REQUIREs, before the last collective of a test, so a failed check on one rank cannot leave the
// others waiting. main.cpp agrees on the exit status.

#include "hypergrid/cluster.hpp"
#include "hypergrid/node_shared_data.hpp"
#include "hypergrid/sweep.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/text_format.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hypergrid::testing {
Cluster& test_cluster();  // main.cpp
}

using namespace hypergrid;
using hypergrid::testing::make_synthetic;
using hypergrid::testing::test_cluster;

namespace {

int sum_over_ranks(int value) {
    int sum = 0;
    MPI_Allreduce(&value, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return sum;
}

/// True when `value` is the same on every rank.
bool same_on_all_ranks(std::uint64_t value) {
    std::uint64_t low = 0, high = 0;
    MPI_Allreduce(&value, &low, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&value, &high, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return low == high;
}

/// This rank's place on its node: its index among the node's ranks (0 = the node leader), and their number.
struct NodePlace {
    int rank = 0;
    int size = 0;
};

NodePlace place_on_node() {
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    NodePlace place;
    MPI_Comm_rank(node, &place.rank);
    MPI_Comm_size(node, &place.size);
    MPI_Comm_free(&node);
    return place;
}

int node_count() { return sum_over_ranks(place_on_node().rank == 0 ? 1 : 0); }

/// FNV-1a over raw bytes.
std::uint64_t fnv1a(const void* data, std::size_t bytes, std::uint64_t hash = 0xcbf29ce484222325ULL) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) hash = (hash ^ p[i]) * 0x100000001b3ULL;
    return hash;
}

std::uint64_t checksum(const DatasetView& view) {
    std::uint64_t hash = fnv1a(&view.count, sizeof view.count);
    hash = fnv1a(&view.dims, sizeof view.dims, hash);
    hash = fnv1a(view.features, static_cast<std::size_t>(view.count * view.dims) * sizeof(float), hash);
    return fnv1a(view.labels, static_cast<std::size_t>(view.count) * sizeof(std::int32_t), hash);
}

bool same_contents(const DatasetView& view, const Dataset& expected) {
    return view.count == expected.count && view.dims == expected.dims &&
           std::memcmp(view.features, expected.features.data(), expected.features.size() * sizeof(float)) == 0 &&
           std::memcmp(view.labels, expected.labels.data(), expected.labels.size() * sizeof(std::int32_t)) == 0;
}

/// Three datasets to share (more than some nodes have ranks, so one rank reads two); every rank can
/// rebuild them to compare.
std::vector<Dataset> three_datasets() {
    return {make_synthetic(257, 13, 4, 1), make_synthetic(31, 5, 3, 2), make_synthetic(64, 7, 2, 3)};
}

/// A dataset as a loader hands it to share_per_node: read, its features decoded on demand.
ReadDataset as_read(const Dataset& data) {
    ReadDataset r;
    r.features.rows = data.count;
    r.features.cols = data.dims;
    r.features.decode_into = [values = data.features](float* out, double) { std::copy(values.begin(), values.end(), out); };
    r.labels = data.labels;
    return r;
}

/// What agree() did on this rank.
struct Outcome {
    bool rank_failure = false;  ///< threw RankFailure
    bool other = false;         ///< threw anything else (a bug)
    std::string message;
    int exit_code = 0;
};

template <class Call>
Outcome outcome_of(Call&& call) {
    Outcome outcome;
    try {
        call();
    } catch (const RankFailure& failure) {
        outcome.rank_failure = true;
        outcome.message = failure.what();
        outcome.exit_code = failure.exit_code();
    } catch (...) {
        outcome.other = true;
    }
    return outcome;
}

Outcome agree_outcome(const std::function<void()>& work) {
    return outcome_of([&] { test_cluster().agree(work); });
}

/// The message every rank should see when rank `source` failed with `message`.
std::string agreed_message(int source, const std::string& message) {
    return source == 0 ? message : "rank " + std::to_string(source) + ": " + message;
}

void check_every_rank_failed(const Outcome& outcome, const std::string& message, int exit_code) {
    CHECK_FALSE(outcome.other);
    CHECK(outcome.rank_failure);
    CHECK(outcome.message == message);
    CHECK(outcome.exit_code == exit_code);
    CHECK(sum_over_ranks(outcome.rank_failure ? 1 : 0) == test_cluster().size());
}

/// A result record determined by its trial id and rank; every fourth diverged with NaN metrics.
TrialResult record(std::int64_t trial, int rank) {
    TrialResult r;
    r.trial = trial;
    r.hyper = {static_cast<int>(trial % 5) + 1, 0.001 * static_cast<double>(trial), 0.1 / static_cast<double>(trial + 1),
               static_cast<int>(trial) + 1};
    const bool diverged = trial % 4 == 3;
    r.val_cost = diverged ? std::numeric_limits<double>::quiet_NaN() : 1.0 / static_cast<double>(trial + 3);
    r.val_cross_entropy = diverged ? std::numeric_limits<double>::quiet_NaN() : r.val_cost / 2;
    r.val_accuracy = static_cast<double>(trial % 10) / 10.0;
    r.status = diverged ? TrialStatus::diverged : TrialStatus::ok;
    r.seconds = 0.5 * static_cast<double>(trial);
    r.rank = rank;
    return r;
}

/// The sweep of `work` on every rank, with a state store of its own; whether it completed.
bool run_sweep_here(SweepWork work) {
    StateStore states;
    return run_sweep(test_cluster(), work, states).complete;
}

/// Hands out whole units (of one epoch each: never cut into legs) of the given costs, by unit index.
class WholeUnits {
public:
    WholeUnits(const std::vector<double>& costs, int ranks, bool dynamic)
        : legs_(relay_schedule(costs, std::vector<int>(costs.size(), 1), ranks)), queue_(legs_, ranks, dynamic) {}
    std::int64_t next(int rank) {
        const std::int64_t leg = queue_.next(rank);
        return leg < 0 ? -1 : static_cast<std::int64_t>(legs_[static_cast<std::size_t>(leg)].unit);
    }

private:
    std::vector<Leg> legs_;
    UnitQueue queue_;
};

}  // namespace

TEST_CASE("agree returns normally when every rank succeeds", "[mpi]") {
    Cluster& cluster = test_cluster();
    int ran = 0;
    const Outcome outcome = agree_outcome([&] { ran = 1; });
    CHECK_FALSE(outcome.rank_failure);
    CHECK_FALSE(outcome.other);
    CHECK(sum_over_ranks(ran) == cluster.size());
    CHECK(sum_over_ranks(cluster.rank()) == cluster.size() * (cluster.size() - 1) / 2);  // ranks 0..size-1
    CHECK(cluster.is_root() == (cluster.rank() == 0));
}

TEST_CASE("agree turns one rank's error into the same RankFailure on every rank", "[mpi]") {
    Cluster& cluster = test_cluster();
    const int last = cluster.size() - 1;

    SECTION("an InputError on the last rank: exit code 2, its message") {
        const Outcome outcome = agree_outcome([&] {
            if (cluster.rank() == last) throw InputError("x.toml:3: bad");
        });
        check_every_rank_failed(outcome, agreed_message(last, "x.toml:3: bad"), 2);
        if (last > 0) CHECK(outcome.message == "rank " + std::to_string(last) + ": x.toml:3: bad");
    }
    SECTION("a std::runtime_error on the last rank: exit code 1") {
        const Outcome outcome = agree_outcome([&] {
            if (cluster.rank() == last) throw std::runtime_error("disk full");
        });
        check_every_rank_failed(outcome, agreed_message(last, "disk full"), 1);
    }
    SECTION("an error on rank 0 keeps its message as it is") {
        const Outcome outcome = agree_outcome([&] {
            if (cluster.rank() == 0) throw InputError("data/train.csv:7: not a number");
        });
        check_every_rank_failed(outcome, "data/train.csv:7: not a number", 2);
    }
    SECTION("when several ranks fail, the lowest failing rank speaks for all") {
        const int first = std::min(1, last);
        const Outcome outcome = agree_outcome([&] {
            if (cluster.rank() == first) throw std::runtime_error("first");
            if (cluster.rank() == last) throw InputError("second");
        });
        check_every_rank_failed(outcome, agreed_message(first, "first"), 1);
    }
    SECTION("every rank failing") {
        const Outcome outcome = agree_outcome([&] { throw InputError("everyone: " + std::to_string(cluster.rank())); });
        check_every_rank_failed(outcome, "everyone: 0", 2);
    }
    // Whatever happened above, the ranks are still in step.
    const Outcome after = agree_outcome([] {});
    CHECK_FALSE(after.rank_failure);
    CHECK_FALSE(after.other);
}

TEST_CASE("share_per_node reads each dataset once per node, in parallel, and every rank sees them", "[mpi]") {
    Cluster& cluster = test_cluster();
    const auto [node_rank, node_size] = place_on_node();
    const int nodes = node_count();
    const std::vector<Dataset> expected = three_datasets();

    std::vector<int> calls(expected.size(), 0);
    std::optional<NodeSharedData> placed;
    const Outcome outcome = outcome_of([&] {
        placed.emplace(cluster, expected.size(), [&](std::size_t i) {
            ++calls.at(i);
            return as_read(expected[i]);
        });
    });
    CHECK_FALSE(outcome.rank_failure);
    CHECK_FALSE(outcome.other);
    CHECK(placed);
    if (!placed) return;  // the share's outcome is agreed on: every rank returns here alike
    const NodeSharedData& shared = *placed;

    // Dataset i is read by rank i mod n of each node, and by no other.
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("dataset " << i);
        CHECK(calls[i] == (static_cast<int>(i) % node_size == node_rank ? 1 : 0));
        CHECK(sum_over_ranks(calls[i]) == nodes);
    }

    const std::vector<DatasetView>& views = shared.views();
    CHECK(views.size() == expected.size());
    std::uint64_t hash = views.size();
    for (std::size_t i = 0; i < std::min(views.size(), expected.size()); ++i) {
        INFO("dataset " << i);
        CHECK(views[i].count == expected[i].count);
        CHECK(views[i].dims == expected[i].dims);
        CHECK(reinterpret_cast<std::uintptr_t>(views[i].features) % alignof(float) == 0);
        CHECK(reinterpret_cast<std::uintptr_t>(views[i].labels) % alignof(std::int32_t) == 0);
        // The bytes its reader loaded (every rank can rebuild them: the generator is deterministic).
        CHECK(same_contents(views[i], expected[i]));
        hash = fnv1a(&hash, sizeof hash, checksum(views[i]));
    }
    // And every rank, on every node, sees the same bytes.
    CHECK(same_on_all_ranks(hash));

    SECTION("a second dataset share lives beside the first") {
        const Dataset small = make_synthetic(9, 2, 2, 77);
        const NodeSharedData other(cluster, 1, [&](std::size_t) { return as_read(small); });
        CHECK(other.views().size() == 1);
        if (!other.views().empty()) CHECK(same_contents(other.views()[0], small));
        for (std::size_t i = 0; i < std::min(views.size(), expected.size()); ++i)
            CHECK(same_contents(shared.views()[i], expected[i]));
    }
    SECTION("nothing to share gives no views") {
        const NodeSharedData nothing(cluster, 0, [](std::size_t) -> ReadDataset { throw std::logic_error("never called"); });
        CHECK(nothing.views().empty());
    }
}

TEST_CASE("share_per_node agrees on a loader's failure", "[mpi]") {
    Cluster& cluster = test_cluster();
    const std::vector<Dataset> datasets = three_datasets();
    // Every rank reports the failing rank's message; dataset 1's reader is rank 1 of the node, or
    // rank 0 when it is alone (the tests run on one node, where node ranks are world ranks).
    const int second_reader = 1 % place_on_node().size;
    const auto from_second_reader = [&](const std::string& message) {
        return second_reader == 0 ? message : "rank " + std::to_string(second_reader) + ": " + message;
    };
    // Shares the three datasets, reading dataset `failing` throwing an InputError with `message`.
    const auto share_failing_read = [&](std::size_t failing, const std::string& message) {
        return outcome_of([&] {
            const NodeSharedData shared(cluster, datasets.size(), [&](std::size_t i) {
                if (i == failing) throw InputError(message);
                return as_read(datasets[i]);
            });
        });
    };
    SECTION("an InputError on the node leader, reading dataset 0") {
        check_every_rank_failed(share_failing_read(0, "data.idx: truncated"), "data.idx: truncated", 2);
    }
    SECTION("an InputError on another rank, reading dataset 1") {
        check_every_rank_failed(share_failing_read(1, "test.idx: bad magic"), from_second_reader("test.idx: bad magic"), 2);
    }
    SECTION("any other exception") {
        const Outcome outcome = outcome_of([&] {
            const NodeSharedData shared(cluster, 1, [](std::size_t) -> ReadDataset { throw std::runtime_error("out of memory"); });
        });
        check_every_rank_failed(outcome, "out of memory", 1);
    }
    SECTION("a value that fails to decode, found as its reader fills the shared window") {
        const Outcome outcome = outcome_of([&] {
            const NodeSharedData shared(cluster, 3, [&](std::size_t i) {
                ReadDataset read = as_read(datasets[i]);
                if (i == 1)
                    read.features.decode_into = [](float*, double) { throw InputError("data.npy: value nan is not a finite float"); };
                return read;
            });
        });
        check_every_rank_failed(outcome, from_second_reader("data.npy: value nan is not a finite float"), 2);
    }
    // A failed share leaves the cluster usable.
    const Dataset small = make_synthetic(5, 3, 2, 4);
    const NodeSharedData shared(cluster, 1, [&](std::size_t) { return as_read(small); });
    CHECK(shared.views().size() == 1);
    MPI_Barrier(MPI_COMM_WORLD);  // leave the test in step
}

// Units 0..kUnits-1 each report trials unit*10 + 0..2, polling in between, and a curve point
// (epoch = unit + 1) with the first.
constexpr int kUnits = 11;

void report_unit(std::int64_t unit, int rank, const Report& report, const Poll& poll) {
    CurvePoint point;
    point.epoch = static_cast<int>(unit) + 1;
    point.val_cost = 0.5 * static_cast<double>(unit);
    report({{point}, {record(unit * 10, rank)}});
    poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + unit % 3));  // uneven unit lengths
    report({{}, {record(unit * 10 + 1, rank), record(unit * 10 + 2, rank)}});
    poll();
}

TEST_CASE("run_sweep trains every unit once and brings every result to rank 0 once", "[mpi]") {
    Cluster& cluster = test_cluster();
    const int rank = cluster.rank();
    for (const auto& [dynamic, queued] : {std::pair{true, 1}, std::pair{true, 2}, std::pair{false, 1}, std::pair{false, 2}}) {
        INFO((dynamic ? "dynamic" : "static") << " schedule, " << queued << " queued per worker");
        WholeUnits queue(std::vector<double>(kUnits, 1.0), cluster.size(), dynamic);
        std::vector<TrialResult> collected;
        std::vector<CurvePoint> points;
        std::vector<std::int64_t> trained;
        bool complete = false;
        const Outcome outcome = outcome_of([&] {
            SweepWork work;
            work.next = [&](int r) { return queue.next(r); };
            work.run = [&](std::int64_t unit, const Report& report, const Poll& poll, const Relay&) {
                trained.push_back(unit);
                report_unit(unit, rank, report, poll);
            };
            work.collect = [&](const EpochReport& report) {
                collected.insert(collected.end(), report.trials.begin(), report.trials.end());
                points.insert(points.end(), report.curve.begin(), report.curve.end());
            };
            work.queued = queued;
            complete = run_sweep_here(work);
        });
        CHECK_FALSE(outcome.rank_failure);
        CHECK_FALSE(outcome.other);
        CHECK(complete);
        // Every unit trained exactly once across the ranks.
        std::vector<int> counts(kUnits, 0);
        for (const std::int64_t unit : trained) ++counts[static_cast<std::size_t>(unit)];
        MPI_Allreduce(MPI_IN_PLACE, counts.data(), kUnits, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(counts == std::vector<int>(kUnits, 1));
        if (cluster.is_root()) {
            std::map<std::int64_t, int> times;
            for (const TrialResult& r : collected) ++times[r.trial];
            CHECK(static_cast<int>(collected.size()) == 3 * kUnits);
            for (int unit = 0; unit < kUnits; ++unit)
                for (int i = 0; i < 3; ++i) CHECK(times[unit * 10 + i] == 1);
            CHECK(points.size() == static_cast<std::size_t>(kUnits));  // the curve points travel too, intact
            for (const CurvePoint& p : points) CHECK(p.val_cost == 0.5 * (p.epoch - 1));
        } else {
            CHECK(collected.empty());  // only rank 0 collects
            CHECK(points.empty());
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
}

TEST_CASE("run_sweep stops every rank when one rank is asked to stop", "[mpi]") {
    Cluster& cluster = test_cluster();
    const int rank = cluster.rank();
    const int asked = cluster.size() - 1;  // the last rank gets the "signal" after its first unit
    WholeUnits queue(std::vector<double>(100, 1.0), cluster.size(), true);
    int units_here = 0;
    std::vector<TrialResult> collected;
    bool complete = true;
    const Outcome outcome = outcome_of([&] {
        SweepWork work;
        work.next = [&](int r) { return queue.next(r); };
        work.run = [&](std::int64_t unit, const Report& report, const Poll& poll, const Relay&) {
            ++units_here;
            report_unit(unit, rank, report, poll);
        };
        work.collect = [&](const EpochReport& report) { collected.insert(collected.end(), report.trials.begin(), report.trials.end()); };
        work.stop_requested = [&] { return rank == asked && units_here >= 1; };
        complete = run_sweep_here(work);
    });
    CHECK_FALSE(outcome.rank_failure);
    CHECK_FALSE(outcome.other);
    CHECK_FALSE(complete);
    int total_units = units_here;
    MPI_Allreduce(MPI_IN_PLACE, &total_units, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(total_units < 100);  // stopped long before the queue ran dry
    if (cluster.is_root()) {
        std::map<std::int64_t, int> times;
        for (const TrialResult& r : collected) CHECK(++times[r.trial] == 1);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

namespace {

/// The relay sweep: kRelayUnits units of 10 epochs, cut into legs by relay_schedule for this many
/// ranks. A leg sleeps per epoch (polling), reports trial = its index, and hands over a state that
/// names its unit and last epoch, large enough to travel by rendezvous rather than eagerly; a leg
/// that continues one checks the state it receives.
constexpr int kRelayUnits = 5;
constexpr int kRelayEpochs = 10;

TrainedState leg_state(const Leg& leg) {
    TrainedState state{std::vector<double>(50000, static_cast<double>(leg.unit)), 0.25 * leg.first_epoch};
    state.values.back() = leg.last_epoch;
    return state;
}

struct RelayRun {
    bool complete = false;
    Outcome outcome;
    std::vector<Leg> legs;
    std::vector<int> legs_run;           // this rank's, by leg
    std::vector<int> states_right;       // this rank's, by leg: received its first leg's state
    bool waiting = false;                // this rank is waiting for a state now
    std::vector<TrialResult> collected;  // rank 0's
};

/// `first_leg_ms`: the sleep per epoch of a leg that hands over (the others sleep 1 ms).
RelayRun run_relay_sweep(bool dynamic, int queued, int first_leg_ms, const std::function<bool(const RelayRun&)>& stop_requested) {
    Cluster& cluster = test_cluster();
    RelayRun run;
    run.legs = relay_schedule(std::vector<double>(kRelayUnits, 1.0), std::vector<int>(kRelayUnits, kRelayEpochs), cluster.size());
    run.legs_run.assign(run.legs.size(), 0);
    run.states_right.assign(run.legs.size(), 0);
    UnitQueue queue(run.legs, cluster.size(), dynamic);
    run.outcome = outcome_of([&] {
        SweepWork work;
        work.next = [&](int r) { return queue.next(r); };
        work.collect = [&](const EpochReport& report) { run.collected.insert(run.collected.end(), report.trials.begin(), report.trials.end()); };
        work.stop_requested = [&] { return stop_requested(run); };
        work.queued = queued;
        work.run = [&](std::int64_t i, const Report& report, const Poll& poll, const Relay& relay) {
            const auto index = static_cast<std::size_t>(i);
            const Leg& leg = run.legs[index];
            ++run.legs_run[index];
            if (leg.after >= 0) {
                run.waiting = true;
                const TrainedState state = relay.receive(leg.after);
                run.waiting = false;
                run.states_right[index] = state == leg_state(run.legs[static_cast<std::size_t>(leg.after)]);
            }
            const bool hands_over = leg.last_epoch < kRelayEpochs;
            for (int epoch = leg.first_epoch; epoch < leg.last_epoch; ++epoch) {
                poll();
                std::this_thread::sleep_for(std::chrono::milliseconds(hands_over ? first_leg_ms : 1));
            }
            report({{}, {record(i, cluster.rank())}});
            if (hands_over) relay.hand_over(i, leg_state(leg));
        };
        run.complete = run_sweep_here(work);
    });
    return run;
}

/// Checks a relay sweep that ran to the end: every leg once, every continuing leg got its state.
void check_complete_relay(const RelayRun& run) {
    Cluster& cluster = test_cluster();
    CHECK_FALSE(run.outcome.rank_failure);
    CHECK_FALSE(run.outcome.other);
    CHECK(run.complete);
    std::vector<int> run_once(run.legs.size(), 1), continued(run.legs.size(), 0);
    for (std::size_t i = 0; i < run.legs.size(); ++i) continued[i] = run.legs[i].after >= 0;
    std::vector<int> legs_run = run.legs_run, states_right = run.states_right;
    MPI_Allreduce(MPI_IN_PLACE, legs_run.data(), static_cast<int>(legs_run.size()), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, states_right.data(), static_cast<int>(states_right.size()), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(legs_run == run_once);
    CHECK(states_right == continued);
    if (cluster.is_root()) {
        std::vector<int> reported(run.legs.size(), 0);
        for (const TrialResult& r : run.collected) ++reported[static_cast<std::size_t>(r.trial)];
        CHECK(reported == run_once);
    }
}

}  // namespace

TEST_CASE("run_sweep hands each leg's state to the leg that continues it, wherever each runs", "[mpi]") {
    Cluster& cluster = test_cluster();
    for (const auto& [dynamic, queued] : {std::pair{true, 1}, std::pair{true, 2}, std::pair{false, 1}, std::pair{false, 2}})
        for (const int first_leg_ms : {1, 20}) {  // 20: the continuing leg waits for its state
            INFO((dynamic ? "dynamic" : "static") << ", " << queued << " queued, first legs " << first_leg_ms << " ms an epoch");
            const RelayRun run = run_relay_sweep(dynamic, queued, first_leg_ms, [](const RelayRun&) { return false; });
            const auto cut = std::count_if(run.legs.begin(), run.legs.end(), [](const Leg& leg) { return leg.after >= 0; });
            CHECK((cut > 0) == (cluster.size() > 1));  // the schedule does cut units across ranks
            check_complete_relay(run);
            MPI_Barrier(MPI_COMM_WORLD);
        }
}

TEST_CASE("run_sweep stops every rank when a rank waiting for a state is asked to stop", "[mpi]") {
    Cluster& cluster = test_cluster();
    // Static: each rank but the last ends with a leg that continues the next rank's first, which is
    // slow, so it waits. The "signal" reaches only the last of those ranks, once it waits: rank 0 on
    // 2 ranks, a worker on more.
    const int signalled = cluster.size() - 2;
    const RelayRun stopped = run_relay_sweep(false, 1, 50, [&](const RelayRun& r) { return r.waiting && cluster.rank() == signalled; });
    CHECK_FALSE(stopped.outcome.rank_failure);
    CHECK_FALSE(stopped.outcome.other);
    CHECK(stopped.complete == (cluster.size() == 1));  // one rank has no legs to wait for
    if (cluster.is_root()) {
        std::map<std::int64_t, int> times;
        for (const TrialResult& r : stopped.collected) CHECK(++times[r.trial] == 1);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    // No message of the stopped sweep is left behind to confuse the next one, where the same ranks wait.
    check_complete_relay(run_relay_sweep(false, 1, 20, [](const RelayRun&) { return false; }));
    MPI_Barrier(MPI_COMM_WORLD);
}

namespace {

/// The side-task sweep: unit u reports trial u (record(): the higher the id the better, trial 3
/// diverged). Unit 5 goes out first (to rank 1 when there is one) and holds the best trial; it
/// reports only once some rank has started the side task of the best so far, trial 4 (signalled
/// on a communicator of the test's own, not by timing), so that side task must be abandoned when
/// trial 5 arrives. A side task lasts 1 s unless abandoned.
constexpr int kSideUnits = 6;
constexpr std::int64_t kBestTrial = 5;
constexpr int kBestUnitRank = 1;

struct SideRun {
    bool complete = false;
    Outcome outcome;
    std::vector<int> units_trained = std::vector<int>(kSideUnits, 0);  // this rank's
    std::vector<int> side_started = std::vector<int>(kSideUnits, 0);   // this rank's, by task
    std::vector<std::pair<std::int64_t, TrainedState>> done;          // rank 0's
    bool signal_missed = false;  // unit 5 gave up waiting for trial 4's side task to start
};

SideRun run_side_sweep(const std::function<bool(const SideRun&)>& stop_requested) {
    Cluster& cluster = test_cluster();
    const int rank = cluster.rank();
    std::vector<double> costs(kSideUnits, 1.0);
    costs[kBestTrial] = 10.0;
    WholeUnits queue(costs, cluster.size(), true);
    std::vector<TrialResult> collected;  // rank 0's
    MPI_Comm signal = MPI_COMM_NULL;     // "trial 4's side task started", to the rank of unit 5
    MPI_Comm_dup(MPI_COMM_WORLD, &signal);
    SideRun run;
    SweepWork work;
    work.next = [&](int r) { return queue.next(r); };
    work.run = [&](std::int64_t unit, const Report& report, const Poll& poll, const Relay&) {
        ++run.units_trained[static_cast<std::size_t>(unit)];
        if (unit == kBestTrial && cluster.size() > 1) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            int arrived = 0;
            while (!arrived && std::chrono::steady_clock::now() < deadline) {
                poll();
                MPI_Iprobe(MPI_ANY_SOURCE, 0, signal, &arrived, MPI_STATUS_IGNORE);
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            if (arrived) MPI_Recv(&arrived, 1, MPI_INT, MPI_ANY_SOURCE, 0, signal, MPI_STATUS_IGNORE);
            run.signal_missed = !arrived;
        }
        poll();
        report({{}, {record(unit, rank)}});
    };
    work.collect = [&](const EpochReport& report) { collected.insert(collected.end(), report.trials.begin(), report.trials.end()); };
    work.stop_requested = [&] { return stop_requested(run); };
    work.side.pick = [&] {
        const std::optional<std::size_t> best = pick_best(collected);
        return best ? collected[*best].trial : std::int64_t{-1};
    };
    work.side.run = [&](std::int64_t task, const Poll& poll) {
        if (++run.side_started[static_cast<std::size_t>(task)] == 1 && task == kBestTrial - 1) {
            int started = 1;
            MPI_Send(&started, 1, MPI_INT, kBestUnitRank, 0, signal);
        }
        for (int i = 0; i < 100; ++i) {  // 1 s
            poll();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return TrainedState{{static_cast<double>(task), static_cast<double>(rank)}, 1.0};
    };
    work.side.done = [&](std::int64_t task, const TrainedState& payload) { run.done.emplace_back(task, payload); };
    run.outcome = outcome_of([&] { run.complete = run_sweep_here(work); });
    MPI_Comm_free(&signal);  // collective: every signal was received
    return run;
}

std::vector<int> summed_over_ranks(std::vector<int> values) {
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return values;
}

}  // namespace

TEST_CASE("run_sweep gives idle ranks the side task rank 0 picks, abandons it when unpicked", "[mpi]") {
    Cluster& cluster = test_cluster();
    const SideRun run = run_side_sweep([](const SideRun&) { return false; });
    CHECK_FALSE(run.outcome.rank_failure);
    CHECK_FALSE(run.outcome.other);
    CHECK(run.complete);
    CHECK(summed_over_ranks(run.units_trained) == std::vector<int>(kSideUnits, 1));
    const std::vector<int> started = summed_over_ranks(run.side_started);
    if (cluster.size() == 1) {
        CHECK(started == std::vector<int>(kSideUnits, 0));  // no rank was ever idle
        CHECK(run.done.empty());
    } else {
        // No task started twice; trial 4's started once (unit 5 waited for it) and was abandoned;
        // the final best started once and completed, nothing else did. On 2 ranks exactly: rank 0
        // did the quick units, started trial 4's and abandoned it when trial 5 arrived.
        CHECK_FALSE(run.signal_missed);
        for (const int count : started) CHECK(count <= 1);
        CHECK(started[kBestTrial - 1] == 1);
        CHECK(started[kBestTrial] == 1);
        if (cluster.size() == 2) CHECK(started == std::vector<int>{0, 0, 0, 0, 1, 1});
        if (cluster.is_root()) {  // CHECKs only: a REQUIRE here would skip the barrier below and hang
            CHECK(run.done.size() == 1);
            if (run.done.size() == 1) {
                CHECK(run.done[0].first == kBestTrial);
                CHECK(run.done[0].second == TrainedState{{static_cast<double>(kBestTrial), run.done[0].second.values.back()}, 1.0});
                CHECK(run.done[0].second.values.back() >= 0);  // the rank that trained it
                CHECK(run.done[0].second.values.back() < cluster.size());
            }
        }
    }
    if (!cluster.is_root()) CHECK(run.done.empty());
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST_CASE("run_sweep stops every rank when a rank is asked to stop during its side task", "[mpi]") {
    Cluster& cluster = test_cluster();
    // The "signal" reaches only the rank that runs the final best's side task.
    const SideRun run = run_side_sweep([](const SideRun& r) { return r.side_started[kBestTrial] > 0; });
    CHECK_FALSE(run.outcome.rank_failure);
    CHECK_FALSE(run.outcome.other);
    CHECK(run.complete == (cluster.size() == 1));  // one rank is never idle: nothing to stop
    CHECK(summed_over_ranks(run.units_trained) == std::vector<int>(kSideUnits, 1));
    CHECK(summed_over_ranks(run.side_started)[kBestTrial] == (cluster.size() == 1 ? 0 : 1));
    if (cluster.is_root()) {
        for (const auto& [task, payload] : run.done) CHECK(task != kBestTrial);  // abandoned, not done
    }
    MPI_Barrier(MPI_COMM_WORLD);
}
