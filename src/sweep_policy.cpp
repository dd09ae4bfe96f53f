#include "hypergrid/sweep_policy.hpp"

#include <algorithm>

namespace hypergrid {

int queue_depth(std::size_t legs, int ranks) { return legs >= 16 * static_cast<std::size_t>(ranks) ? 2 : 1; }

SweepBook::SweepBook(int ranks, std::function<std::int64_t(int)> next, std::function<std::int64_t()> pick)
    : next_(std::move(next)), pick_(std::move(pick)), outstanding_(static_cast<std::size_t>(ranks), 0),
      closed_(static_cast<std::size_t>(ranks), false), offered_(static_cast<std::size_t>(ranks), false),
      side_running_(static_cast<std::size_t>(ranks), -1), cancel_sent_(static_cast<std::size_t>(ranks), false) {}

SweepBook::Offer SweepBook::free_worker(int worker) {
    const auto w = static_cast<std::size_t>(worker);
    Offer offer;
    if (!closed_[w]) {
        const std::int64_t unit = stopping_ ? -1 : next_(worker);
        offer.unit = unit;
        if (unit < 0) closed_[w] = true;
        else ++outstanding_[w];
    }
    if (closed_[w] && outstanding_[w] == 0 && !offered_[w]) {  // idle for good: offer a side task
        offered_[w] = true;
        side_running_[w] = side_task_to_start();
        offer.side = side_running_[w];
    }
    return offer;
}

void SweepBook::unit_ended(int worker) { --outstanding_[static_cast<std::size_t>(worker)]; }

std::int64_t SweepBook::next_own_unit() { return stopping_ ? -1 : next_(0); }

std::vector<int> SweepBook::begin_stop() {
    std::vector<int> told;
    if (stopping_) return told;
    stopping_ = true;
    for (std::size_t worker = 1; worker < outstanding_.size(); ++worker)
        if (outstanding_[worker] > 0) told.push_back(static_cast<int>(worker));
    return told;
}

std::int64_t SweepBook::wanted_side_task() const { return stopping_ || !pick_ ? -1 : pick_(); }

std::int64_t SweepBook::side_task_to_start() const {
    const std::int64_t task = wanted_side_task();
    const bool taken = std::count(side_running_.begin(), side_running_.end(), task) > 0 ||
                       std::count(side_done_.begin(), side_done_.end(), task) > 0;
    return taken ? -1 : task;
}

std::vector<int> SweepBook::side_tasks_to_cancel() {
    std::vector<int> told;
    const std::int64_t wanted = wanted_side_task();
    for (std::size_t worker = 1; worker < side_running_.size(); ++worker)
        if (side_running_[worker] >= 0 && side_running_[worker] != wanted && !cancel_sent_[worker]) {
            cancel_sent_[worker] = true;
            told.push_back(static_cast<int>(worker));
        }
    return told;
}

void SweepBook::side_started(int rank, std::int64_t task) { side_running_[static_cast<std::size_t>(rank)] = task; }

std::int64_t SweepBook::side_ended(int rank, bool completed) {
    const auto r = static_cast<std::size_t>(rank);
    const std::int64_t task = side_running_[r];
    if (completed) side_done_.push_back(task);
    side_running_[r] = -1;
    return task;
}

bool SweepBook::workers_done() const {
    for (std::size_t worker = 1; worker < offered_.size(); ++worker)
        if (!offered_[worker] || side_running_[worker] >= 0) return false;
    return true;
}

}  // namespace hypergrid
