// Rank 0's decisions in a sweep (SweepBook), without mpirun: the messages the root role sends are
// exactly the offers, stops and cancellations checked here.

#include "hypergrid/sweep.hpp"
#include "hypergrid/sweep_policy.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <optional>
#include <vector>

using namespace hypergrid;

namespace {

/// Units 0..n-1 handed out in order to whoever asks; records who asked.
struct Units {
    std::deque<std::int64_t> left;
    std::vector<int> asked;
    explicit Units(int n) {
        for (int u = 0; u < n; ++u) left.push_back(u);
    }
    std::int64_t next(int rank) {
        asked.push_back(rank);
        if (left.empty()) return -1;
        const std::int64_t unit = left.front();
        left.pop_front();
        return unit;
    }
};

}  // namespace

TEST_CASE("queue_depth queues two units per worker only when legs are many", "[sweep_policy]") {
    CHECK(queue_depth(0, 1) == 1);
    CHECK(queue_depth(15, 1) == 1);
    CHECK(queue_depth(16, 1) == 2);
    CHECK(queue_depth(63, 4) == 1);
    CHECK(queue_depth(64, 4) == 2);
}

TEST_CASE("SweepBook hands out units until none is left, then offers each idle worker one side task", "[sweep_policy]") {
    Units units(3);
    std::int64_t picked = -1;
    SweepBook book(3, [&](int r) { return units.next(r); }, [&] { return picked; });

    SweepBook::Offer first = book.free_worker(1);
    CHECK(first.unit == std::optional<std::int64_t>(0));
    CHECK_FALSE(first.side);
    CHECK(book.free_worker(2).unit == std::optional<std::int64_t>(1));
    CHECK(book.next_own_unit() == 2);
    CHECK(book.next_own_unit() == -1);
    CHECK_FALSE(book.workers_done());

    // Worker 1 ends its unit: no unit left, so it is closed and, idle for good, offered the side
    // task picked now (none yet).
    book.unit_ended(1);
    SweepBook::Offer closing = book.free_worker(1);
    CHECK(closing.unit == std::optional<std::int64_t>(-1));
    CHECK(closing.side == std::optional<std::int64_t>(-1));
    // Asked again, it gets nothing more: both messages are sent once.
    SweepBook::Offer again = book.free_worker(1);
    CHECK_FALSE(again.unit);
    CHECK_FALSE(again.side);

    // Worker 2 ends its unit once trial 7 is the best: it runs 7's side task.
    picked = 7;
    book.unit_ended(2);
    SweepBook::Offer side = book.free_worker(2);
    CHECK(side.side == std::optional<std::int64_t>(7));
    CHECK(book.side_task_to_start() == -1);  // 7 runs already: rank 0 does not start it twice
    CHECK_FALSE(book.workers_done());
    CHECK(book.side_tasks_to_cancel().empty());  // still the one picked

    // The best changes: worker 2 is told to cancel, once; rank 0 may start the new one.
    picked = 9;
    CHECK(book.side_tasks_to_cancel() == std::vector<int>{2});
    CHECK(book.side_tasks_to_cancel().empty());
    CHECK(book.cancel_sent(2));
    CHECK(book.side_task_to_start() == 9);
    book.side_started(0, 9);
    CHECK(book.side_task_to_start() == -1);

    // Worker 2 reports its task abandoned; rank 0 completes 9, which is then never started again.
    CHECK(book.side_ended(2, false) == 7);
    CHECK(book.workers_done());
    CHECK(book.side_ended(0, true) == 9);
    CHECK(book.side_task_to_start() == -1);
    picked = 7;  // abandoned, so it may start again if picked again
    CHECK(book.side_task_to_start() == 7);
}

TEST_CASE("SweepBook queues units ahead and closes a worker only when its queue has drained", "[sweep_policy]") {
    Units units(3);
    SweepBook book(2, [&](int r) { return units.next(r); }, {});
    CHECK(book.free_worker(1).unit == std::optional<std::int64_t>(0));
    CHECK(book.free_worker(1).unit == std::optional<std::int64_t>(1));  // a second queued
    CHECK(book.next_own_unit() == 2);
    book.unit_ended(1);
    const SweepBook::Offer closed = book.free_worker(1);
    CHECK(closed.unit == std::optional<std::int64_t>(-1));
    CHECK_FALSE(closed.side);  // one unit still outstanding: not idle yet
    book.unit_ended(1);
    const SweepBook::Offer idle = book.free_worker(1);
    CHECK_FALSE(idle.unit);
    CHECK(idle.side == std::optional<std::int64_t>(-1));  // no side tasks: none
    CHECK(book.workers_done());
}

TEST_CASE("SweepBook's stop tells the workers with units outstanding, once, and ends every hand-out", "[sweep_policy]") {
    Units units(10);
    std::int64_t picked = 3;
    SweepBook book(4, [&](int r) { return units.next(r); }, [&] { return picked; });
    CHECK(book.free_worker(1).unit == std::optional<std::int64_t>(0));
    CHECK(book.free_worker(2).unit == std::optional<std::int64_t>(1));
    CHECK(book.free_worker(3).unit == std::optional<std::int64_t>(2));
    book.unit_ended(2);
    CHECK(book.free_worker(2).unit == std::optional<std::int64_t>(3));
    book.unit_ended(3);  // worker 3 is between units: nothing to stop
    book.unit_ended(2);

    CHECK(book.begin_stop() == std::vector<int>{1});
    CHECK(book.stopping());
    CHECK(book.begin_stop().empty());
    CHECK(book.next_own_unit() == -1);
    const std::size_t asked = units.asked.size();
    const SweepBook::Offer closing = book.free_worker(3);
    CHECK(closing.unit == std::optional<std::int64_t>(-1));
    CHECK(closing.side == std::optional<std::int64_t>(-1));  // no side task once stopping
    CHECK(units.asked.size() == asked);  // the source of units is not consulted any more
    CHECK(book.side_task_to_start() == -1);
}

TEST_CASE("StateStore keeps states by leg until taken", "[sweep_policy]") {
    StateStore store;
    CHECK_FALSE(store.take(3));
    store.put(3, {{1.0, 2.0}, 0.5});
    store.put(5, {{4.0}, 1.5});
    CHECK(store.holds(3));
    CHECK(store.size() == 2);
    const std::optional<TrainedState> taken = store.take(3);
    REQUIRE(taken);
    CHECK(*taken == TrainedState{{1.0, 2.0}, 0.5});
    CHECK_FALSE(store.holds(3));
    CHECK_FALSE(store.take(3));
    CHECK(store.size() == 1);
}
