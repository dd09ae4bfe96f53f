// The worker role of the sweep: trains the units rank 0 assigns, in order, sends their results and
// hand-overs to rank 0, then runs the side task it is offered, if any.

#include "sweep_roles.hpp"

#include <deque>
#include <thread>

namespace hypergrid::sweep {

bool run_worker(Channel& channel, const SweepWork& work, const Clock::time_point start) {
    const auto since_start = [&] { return seconds_between(start, Clock::now()); };
    std::deque<std::int64_t> pending;
    bool closed = false;   // rank 0 has no more units for us
    bool stopped = false;  // the sweep is stopping: run nothing more
    const auto receive_assignments = [&](bool wait) {
        while (!closed && (wait || channel.from_root_waiting(Tag::assign))) {
            const std::int64_t unit = channel.receive_assign();
            if (unit < 0) closed = true;
            else pending.push_back(unit);
            wait = false;
        }
    };
    const Report report = [&](const EpochReport& epoch) { channel.send_results(epoch); };
    const Poll poll = [&] {
        if (channel.from_root_waiting(Tag::stop)) {
            channel.receive_stop();
            stopped = true;
        }
        if (stopped || work.stop_requested()) throw SweepStopped{};
    };
    bool state_owed = false;  // asked rank 0 for a state, not yet received
    const Relay relay{
        [&](std::int64_t from) {
            channel.send_want_state(from);
            state_owed = true;
            while (!channel.from_root_waiting(Tag::state)) {
                poll();
                std::this_thread::sleep_for(kIdleWait);
            }
            std::optional<TrainedState> state = channel.receive_state();
            state_owed = false;
            if (!state) throw SweepStopped{};
            return std::move(*state);
        },
        [&](std::int64_t from, TrainedState state) { channel.send_hand_over(from, state); }};
    while (true) {
        receive_assignments(pending.empty());
        if (pending.empty()) break;  // closed and nothing left
        const std::int64_t unit = pending.front();
        pending.pop_front();
        UnitEnded ended;
        ended.unit = unit;
        ended.start = since_start();
        try {
            if (!stopped) {
                work.run(unit, report, poll, relay);
                ended.completed = true;
            }
        } catch (const SweepStopped&) {
            stopped = true;
        }
        ended.end = since_start();
        stopped = stopped || work.stop_requested();
        ended.stopped = stopped;
        channel.send_unit_ended(ended);  // one per assigned unit, run or not
        if (state_owed) {  // stopped while waiting: rank 0 answers once it learns of the stop
            channel.receive_state();
            state_owed = false;
        }
    }
    const std::int64_t task = channel.receive_side();  // idle now: rank 0 may have a side task for us
    // A stop that crossed our last messages was sent before the side message (rank 0 stops only
    // workers with units outstanding, and offers the side task once none is).
    while (channel.from_root_waiting(Tag::stop)) channel.receive_stop();
    if (task >= 0) {
        bool cancelled = false;
        const Poll side_poll = [&] {
            if (!cancelled && channel.from_root_waiting(Tag::cancel)) {
                channel.receive_cancel();
                cancelled = true;
            }
            if (cancelled || work.stop_requested()) throw SweepStopped{};
        };
        SideDone done;
        done.start = since_start();
        try {
            done.payload = work.side.run(task, side_poll);
        } catch (const SweepStopped&) {
            done.payload.reset();
        }
        done.end = since_start();
        done.stopped = work.stop_requested();
        channel.send_side_done(done);
        const bool cancel_sent = channel.receive_side_ack();
        if (cancel_sent && !cancelled) channel.receive_cancel();  // leave no message behind
    }
    return false;  // only rank 0 knows whether the sweep completed
}

}  // namespace hypergrid::sweep
