#include "hypergrid/progress.hpp"

#include "hypergrid/plan.hpp"
#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace hypergrid {

SweepProgress::SweepProgress(std::int64_t total, std::ostream* out)
    : total_(total), out_(out), finished_(static_cast<std::size_t>(total)) {}

std::optional<TrialResult> SweepProgress::best() const {
    if (!best_) return std::nullopt;
    return results_[*best_];
}

std::vector<TrialResult> SweepProgress::results() const {
    std::vector<TrialResult> finished = results_;
    std::sort(finished.begin(), finished.end(), [](const TrialResult& a, const TrialResult& b) { return a.trial < b.trial; });
    return finished;
}

bool SweepProgress::record(const TrialResult& r) {
    const auto slot = static_cast<std::size_t>(r.trial);
    if (finished_[slot]) return false;
    finished_[slot] = true;
    results_.push_back(r);
    ++done_;
    // The incremental best applies pick_best's rule to the two candidates.
    if (!best_) {
        if (r.status == TrialStatus::ok) best_ = results_.size() - 1;
    } else if (const auto pick = pick_best({results_[*best_], r}); pick && *pick == 1) {
        best_ = results_.size() - 1;
    }
    return true;
}

void SweepProgress::restore(const std::vector<TrialResult>& results) {
    for (const TrialResult& r : results) record(r);
}

std::vector<TrialResult> SweepProgress::add(const std::vector<TrialResult>& results) {
    std::vector<TrialResult> fresh;
    for (const TrialResult& r : results) {
        if (!record(r)) continue;
        fresh.push_back(r);
        ++fresh_done_;
        if (!out_) continue;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const double eta = elapsed / static_cast<double>(fresh_done_) * static_cast<double>(total_ - done_);
        *out_ << '[' << done_ << '/' << total_ << "] trial " << r.trial << " (" << r.hyper << ") "
              << to_string(r.status) << " val_cost " << format_fixed(r.val_cost, 6) << " acc "
              << format_fixed(100 * r.val_accuracy, 2) << "% | elapsed " << format_fixed(elapsed, 1) << " s, eta "
              << format_fixed(eta, 1) << " s | best ";
        if (best_)
            *out_ << "trial " << results_[*best_].trial << " (" << format_fixed(results_[*best_].val_cost, 6) << ')';
        else
            *out_ << "none yet";
        *out_ << '\n' << std::flush;
    }
    return fresh;
}

}  // namespace hypergrid
