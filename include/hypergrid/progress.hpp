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

    /// Records finished trials (any order) and prints their lines.
    void add(const std::vector<TrialResult>& results);

    std::int64_t done() const { return done_; }
    std::int64_t total() const { return total_; }
    /// Every result, in trial-id order; only meaningful once done() == total().
    const std::vector<TrialResult>& results() const { return results_; }
    /// The best finished trial so far, by the rule of pick_best.
    std::optional<TrialResult> best() const;

private:
    std::int64_t total_;
    std::int64_t done_ = 0;
    std::ostream* out_;
    std::vector<TrialResult> results_;
    std::optional<std::size_t> best_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace hypergrid
