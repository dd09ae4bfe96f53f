#pragma once
/// @file progress.hpp
/// Rank 0's record of the sweep as results arrive: the results by trial id, the best so far, and a
/// plain progress line per finished trial (SLURM logs read well).

#include "hypergrid/results.hpp"

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <vector>

namespace hypergrid {

class SweepProgress {
public:
    /// `out` receives one line per trial; nullptr keeps quiet.
    SweepProgress(std::int64_t total, std::ostream* out);

    /// Records finished trials (any order) and prints their lines. Trials already recorded are
    /// ignored (a resumed unit passes again through checkpoints it had finished). Returns the
    /// newly recorded ones.
    std::vector<TrialResult> add(const std::vector<TrialResult>& results);

    /// Records trials finished by an earlier run (from the journal), without printing them.
    void restore(const std::vector<TrialResult>& results);

    std::int64_t done() const { return done_; }
    std::int64_t total() const { return total_; }
    /// The finished trials, in trial-id order.
    std::vector<TrialResult> results() const;
    /// The best finished trial so far, by the rule of pick_best.
    std::optional<TrialResult> best() const;

private:
    bool record(const TrialResult& result);

    std::int64_t total_;
    std::int64_t done_ = 0;
    std::int64_t fresh_done_ = 0;  // finished in this run: the rate for the ETA
    std::ostream* out_;
    std::vector<TrialResult> results_;  // the finished trials, in arrival order
    std::vector<bool> finished_;        // by trial id
    std::optional<std::size_t> best_;   // index into results_
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace hypergrid
