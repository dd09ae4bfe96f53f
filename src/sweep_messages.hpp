#pragma once
// The sweep's messages, one typed function per message (internal to the cluster component: MPI).
// Messages of one source arrive in the order sent; the tag tells a receiver which kind is next.

#include "hypergrid/results.hpp"
#include "hypergrid/sweep.hpp"

#include <boost/mpi/communicator.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace hypergrid::sweep {

enum class Tag : int {
    results = 1,  ///< worker -> rank 0: an EpochReport (finished trials, curve points)
    unit_ended,   ///< worker -> rank 0: my unit ended (UnitEnded)
    assign,       ///< rank 0 -> worker: the next unit, or -1: no more units
    stop,         ///< rank 0 -> worker: abandon the unit in progress
    side,         ///< rank 0 -> idle worker: a side task to run, or -1: none (exactly one per worker)
    cancel,       ///< rank 0 -> worker: abandon the side task
    side_done,    ///< worker -> rank 0: SideDone
    side_ack,     ///< rank 0 -> worker: received (true: a cancel is on its way to drain)
    hand_over,    ///< worker -> rank 0: (leg, the state it hands over)
    want_state,   ///< worker -> rank 0: the leg whose state I wait for (exactly one `state` answers)
    state,        ///< rank 0 -> worker: the state asked for, or none: the sweep is stopping
};

/// A worker's unit ended, run or not (one per assigned unit).
struct UnitEnded {
    std::int64_t unit = 0;
    bool stopped = false;    ///< the worker was asked to stop
    bool completed = false;  ///< it trained the unit to its end
    double start = 0;        ///< seconds since the sweep's start, on the worker's clock
    double end = 0;
};

/// A worker's side task ended.
struct SideDone {
    bool stopped = false;                ///< the worker was asked to stop
    std::optional<TrainedState> payload; ///< empty: abandoned
    double start = 0;
    double end = 0;
};

/// The sweep's messages between rank 0 and the workers, on `world`.
class Channel {
public:
    explicit Channel(boost::mpi::communicator& world) : world_(world) {}

    /// The tag and source of a message waiting for rank 0, if any.
    std::optional<std::pair<Tag, int>> waiting_for_root() const;
    /// True when a message with `tag` from rank 0 waits.
    bool from_root_waiting(Tag tag) const;

    void send_results(const EpochReport& report);
    EpochReport receive_results(int source);

    void send_unit_ended(const UnitEnded& ended);
    UnitEnded receive_unit_ended(int source);

    void send_assign(int worker, std::int64_t unit);
    std::int64_t receive_assign();

    void send_stop(int worker);
    void receive_stop();

    void send_side(int worker, std::int64_t task);
    std::int64_t receive_side();

    void send_cancel(int worker);
    void receive_cancel();

    void send_side_done(const SideDone& done);
    SideDone receive_side_done(int source);

    void send_side_ack(int worker, bool cancel_sent);
    bool receive_side_ack();

    void send_hand_over(std::int64_t leg, const TrainedState& state);
    std::pair<std::int64_t, TrainedState> receive_hand_over(int source);

    void send_want_state(std::int64_t leg);
    std::int64_t receive_want_state(int source);

    /// One message of doubles (the values, then the seconds), its length probed: none travels as an
    /// empty message. (Boost.MPI 1.74 reads through an empty vector's data(), which UBSan reports.)
    void send_state(int worker, const std::optional<TrainedState>& state);
    std::optional<TrainedState> receive_state();

private:
    boost::mpi::communicator& world_;
};

}  // namespace hypergrid::sweep
