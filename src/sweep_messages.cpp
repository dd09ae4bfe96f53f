#include "sweep_messages.hpp"

#include "hypergrid/fault.hpp"

#include <boost/mpi/status.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <mpi.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace boost::serialization {

template <class Archive>
void serialize(Archive& archive, hypergrid::TrainedState& state, unsigned /*version*/) {
    archive & state.values & state.seconds;
}

template <class Archive>
void serialize(Archive& archive, hypergrid::sweep::UnitEnded& ended, unsigned /*version*/) {
    archive & ended.unit & ended.stopped & ended.completed & ended.start & ended.end;
}

}  // namespace boost::serialization

namespace hypergrid::sweep {
namespace {

constexpr int kRoot = 0;

int tag(Tag t) { return static_cast<int>(t); }

void check(int code, const char* call) {
    if (code != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed with MPI error " + std::to_string(code));
}

/// SideDone on the wire: its optional payload as a flag and a (possibly empty) state.
struct SideDoneWire {
    bool stopped = false;
    bool completed = false;
    TrainedState payload;
    double start = 0;
    double end = 0;
    template <class Archive>
    void serialize(Archive& archive, unsigned /*version*/) {
        archive & stopped & completed & payload & start & end;
    }
};

}  // namespace

std::optional<std::pair<Tag, int>> Channel::waiting_for_root() const {
    const boost::optional<boost::mpi::status> pending = world_.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
    if (!pending) return std::nullopt;
    return std::pair{static_cast<Tag>(pending->tag()), pending->source()};
}

bool Channel::from_root_waiting(Tag t) const { return static_cast<bool>(world_.iprobe(kRoot, tag(t))); }

void Channel::send_results(const EpochReport& report) {
    fault_point("send_results");
    world_.send(kRoot, tag(Tag::results), report);
}

EpochReport Channel::receive_results(int source) {
    EpochReport report;
    world_.recv(source, tag(Tag::results), report);
    return report;
}

void Channel::send_unit_ended(const UnitEnded& ended) { world_.send(kRoot, tag(Tag::unit_ended), ended); }

UnitEnded Channel::receive_unit_ended(int source) {
    UnitEnded ended;
    world_.recv(source, tag(Tag::unit_ended), ended);
    return ended;
}

void Channel::send_assign(int worker, std::int64_t unit) { world_.send(worker, tag(Tag::assign), unit); }

std::int64_t Channel::receive_assign() {
    std::int64_t unit = 0;
    world_.recv(kRoot, tag(Tag::assign), unit);
    return unit;
}

void Channel::send_stop(int worker) { world_.send(worker, tag(Tag::stop), 0); }

void Channel::receive_stop() {
    int ignored = 0;
    world_.recv(kRoot, tag(Tag::stop), ignored);
}

void Channel::send_side(int worker, std::int64_t task) { world_.send(worker, tag(Tag::side), task); }

std::int64_t Channel::receive_side() {
    std::int64_t task = -1;
    world_.recv(kRoot, tag(Tag::side), task);
    return task;
}

void Channel::send_cancel(int worker) { world_.send(worker, tag(Tag::cancel), 0); }

void Channel::receive_cancel() {
    int ignored = 0;
    world_.recv(kRoot, tag(Tag::cancel), ignored);
}

void Channel::send_side_done(const SideDone& done) {
    SideDoneWire wire{done.stopped, done.payload.has_value(), done.payload.value_or(TrainedState{}), done.start, done.end};
    world_.send(kRoot, tag(Tag::side_done), wire);
}

SideDone Channel::receive_side_done(int source) {
    SideDoneWire wire;
    world_.recv(source, tag(Tag::side_done), wire);
    SideDone done{wire.stopped, std::nullopt, wire.start, wire.end};
    if (wire.completed) done.payload = std::move(wire.payload);
    return done;
}

void Channel::send_side_ack(int worker, bool cancel_sent) { world_.send(worker, tag(Tag::side_ack), static_cast<int>(cancel_sent)); }

bool Channel::receive_side_ack() {
    int cancel_sent = 0;
    world_.recv(kRoot, tag(Tag::side_ack), cancel_sent);
    return cancel_sent != 0;
}

void Channel::send_hand_over(std::int64_t leg, const TrainedState& state) {
    world_.send(kRoot, tag(Tag::hand_over), std::make_pair(leg, state));
}

std::pair<std::int64_t, TrainedState> Channel::receive_hand_over(int source) {
    std::pair<std::int64_t, TrainedState> handed;
    world_.recv(source, tag(Tag::hand_over), handed);
    return handed;
}

void Channel::send_want_state(std::int64_t leg) { world_.send(kRoot, tag(Tag::want_state), leg); }

std::int64_t Channel::receive_want_state(int source) {
    std::int64_t leg = 0;
    world_.recv(source, tag(Tag::want_state), leg);
    return leg;
}

void Channel::send_state(int worker, const std::optional<TrainedState>& state) {
    std::vector<double> wire;
    if (state) {
        wire.reserve(state->values.size() + 1);
        wire.insert(wire.end(), state->values.begin(), state->values.end());
        wire.push_back(state->seconds);
    }
    if (wire.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::length_error("a state of " + std::to_string(wire.size()) + " values is too large for one message");
    check(MPI_Send(wire.data(), static_cast<int>(wire.size()), MPI_DOUBLE, worker, tag(Tag::state), world_), "MPI_Send");
}

std::optional<TrainedState> Channel::receive_state() {
    MPI_Status status;
    check(MPI_Probe(kRoot, tag(Tag::state), world_, &status), "MPI_Probe");
    int count = 0;
    check(MPI_Get_count(&status, MPI_DOUBLE, &count), "MPI_Get_count");
    std::vector<double> wire(static_cast<std::size_t>(count));
    check(MPI_Recv(wire.data(), count, MPI_DOUBLE, kRoot, tag(Tag::state), world_, MPI_STATUS_IGNORE), "MPI_Recv");
    if (wire.empty()) return std::nullopt;
    TrainedState state;
    state.seconds = wire.back();
    wire.pop_back();
    state.values = std::move(wire);
    return state;
}

}  // namespace hypergrid::sweep
