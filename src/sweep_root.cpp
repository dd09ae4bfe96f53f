// The root role of the sweep (rank 0): carries out SweepBook's decisions as messages, serves the
// workers' results, hand-overs and requests for states between its own units, and keeps handed-over
// states in the caller's StateStore until the leg that continues them asks.

#include "sweep_roles.hpp"

#include "hypergrid/sweep_policy.hpp"

#include <map>
#include <thread>

namespace hypergrid::sweep {

bool run_root(Channel& channel, int ranks, const SweepWork& work, StateStore& states, const Clock::time_point start,
              std::vector<WorkSpan>& spans) {
    const auto since_start = [&] { return seconds_between(start, Clock::now()); };
    const SideTask& side = work.side;
    SweepBook book(ranks, work.next, side.pick);
    std::map<std::int64_t, int> waiting;  // the worker waiting for each leg's state

    const auto deliver = [&](std::int64_t from, TrainedState state) {
        const auto worker = waiting.find(from);
        if (worker == waiting.end()) {
            states.put(from, std::move(state));
            return;
        }
        channel.send_state(worker->second, state);
        waiting.erase(worker);
    };
    const auto cancel_unwanted_side_tasks = [&] {
        for (const int worker : book.side_tasks_to_cancel()) channel.send_cancel(worker);
    };
    const auto offer_work = [&](int worker) {
        const SweepBook::Offer offer = book.free_worker(worker);
        if (offer.unit) channel.send_assign(worker, *offer.unit);
        if (offer.side) channel.send_side(worker, *offer.side);
    };
    const auto begin_stop = [&] {
        if (book.stopping()) return;
        for (const int worker : book.begin_stop()) channel.send_stop(worker);
        for (const auto& [from, worker] : waiting) channel.send_state(worker, std::nullopt);
        waiting.clear();
        cancel_unwanted_side_tasks();
    };
    // Handles one waiting message, if any; messages of one source arrive in the order sent.
    const auto serve_one = [&] {
        const auto pending = channel.waiting_for_root();
        if (!pending) return false;
        const auto [tag, source] = *pending;
        switch (tag) {
            case Tag::results:
                work.collect(channel.receive_results(source));
                cancel_unwanted_side_tasks();  // the best so far may have changed
                break;
            case Tag::side_done: {
                SideDone done = channel.receive_side_done(source);
                channel.send_side_ack(source, book.cancel_sent(source));
                const std::int64_t task = book.side_ended(source, done.payload.has_value());
                if (done.payload) {
                    spans.push_back({source, task, true, done.start, done.end});
                    side.done(task, *done.payload);
                }
                if (done.stopped) begin_stop();
                break;
            }
            case Tag::hand_over: {
                auto [from, state] = channel.receive_hand_over(source);
                deliver(from, std::move(state));
                break;
            }
            case Tag::want_state: {
                const std::int64_t from = channel.receive_want_state(source);
                if (book.stopping()) {
                    channel.send_state(source, std::nullopt);
                } else if (std::optional<TrainedState> state = states.take(from)) {
                    channel.send_state(source, state);
                } else {
                    waiting[from] = source;
                }
                break;
            }
            case Tag::unit_ended: {
                const UnitEnded ended = channel.receive_unit_ended(source);
                if (ended.completed) spans.push_back({source, ended.unit, false, ended.start, ended.end});
                book.unit_ended(source);
                if (ended.stopped) begin_stop();
                offer_work(source);
                break;
            }
            default:
                throw std::logic_error("rank 0 received a message with tag " + std::to_string(static_cast<int>(tag)) +
                                       " from rank " + std::to_string(source));
        }
        return true;
    };
    const Poll poll = [&] {
        while (serve_one()) {
        }
        if (work.stop_requested()) begin_stop();
        if (book.stopping()) throw SweepStopped{};
    };
    const Relay own_relay{
        [&](std::int64_t from) {
            while (true) {
                if (std::optional<TrainedState> state = states.take(from)) return std::move(*state);
                poll();  // serves the others, the leg's rank among them; throws on a stop
                std::this_thread::sleep_for(kIdleWait);
            }
        },
        deliver};
    // Rank 0's own side task: abandoned as soon as it is no longer the one picked.
    const auto run_own_side_task = [&](std::int64_t task) {
        book.side_started(0, task);
        const double began = since_start();
        try {
            const TrainedState payload = side.run(task, [&] {
                poll();
                if (side.pick() != task) throw SweepStopped{};
            });
            book.side_ended(0, true);
            spans.push_back({0, task, true, began, since_start()});
            side.done(task, payload);
        } catch (const SweepStopped&) {
            book.side_ended(0, false);
        }
    };

    for (int round = 0; round < work.queued; ++round)
        for (int worker = 1; worker < ranks; ++worker) offer_work(worker);
    try {
        for (std::int64_t unit = book.next_own_unit(); unit >= 0; unit = book.next_own_unit()) {
            const double began = since_start();
            work.run(unit, work.collect, poll, own_relay);
            spans.push_back({0, unit, false, began, since_start()});
            poll();  // serve the others between two short units too
        }
    } catch (const SweepStopped&) {
        begin_stop();
    }
    // Rank 0 has no unit left: serve the others until each is done, running side tasks meanwhile,
    // otherwise sleeping between checks rather than spinning on the core a worker may need.
    while (!book.workers_done()) {
        if (work.stop_requested()) begin_stop();
        if (const std::int64_t task = book.side_task_to_start(); task >= 0) run_own_side_task(task);
        else if (!serve_one()) std::this_thread::sleep_for(kIdleWait);
    }
    return !book.stopping();
}

}  // namespace hypergrid::sweep
