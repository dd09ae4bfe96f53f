#include "hypergrid/progress.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <string>
#include <unistd.h>

namespace hypergrid {
namespace {

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// "42.0 s", "12.5 min", "3.20 h".
std::string duration_text(double s) {
    if (!(s < 1e9)) return "?";
    if (s < 120) return format_fixed(s, 1) + " s";
    if (s < 7200) return format_fixed(s / 60, 1) + " min";
    return format_fixed(s / 3600, 2) + " h";
}

/// The same, for the bar: "42.0s", "12.5m", "3.20h".
std::string compact(double s) {
    std::string text = duration_text(s);
    if (text.size() > 4 && text.compare(text.size() - 4, 4, " min") == 0) return text.substr(0, text.size() - 4) + "m";
    const std::size_t space = text.find(' ');
    return space == std::string::npos ? text : text.erase(space, 1);
}

}  // namespace

ProgressStyle parse_progress_style(const std::string& text) {
    if (text == "auto") return ProgressStyle::automatic;
    if (text == "lines") return ProgressStyle::lines;
    if (text == "bar") return ProgressStyle::bar;
    if (text == "none") return ProgressStyle::none;
    throw InputError("--progress: expected auto, lines, bar or none, got '" + text + "'");
}

ProgressDisplay choose_progress_display(ProgressStyle style, bool terminal, std::int64_t total) {
    switch (style) {
        case ProgressStyle::none: return ProgressDisplay::none;
        case ProgressStyle::bar: return ProgressDisplay::bar;
        case ProgressStyle::automatic:
            if (terminal) return ProgressDisplay::bar;
            [[fallthrough]];
        case ProgressStyle::lines: break;
    }
    return total <= kLinePerTrialLimit ? ProgressDisplay::per_trial : ProgressDisplay::throttled;
}

bool stdout_is_terminal() {
    if (const char* told = std::getenv("HYPERGRID_STDOUT_IS_TERMINAL")) return std::string(told) == "1";
    // Open MPI gives each rank a pseudo-terminal for stdout whether mpirun writes to a terminal or to
    // a file, so under mpirun isatty says nothing: assume a log unless told (scripts/mpirun.sh tells).
    if (std::getenv("OMPI_COMM_WORLD_SIZE")) return false;
    return ::isatty(STDOUT_FILENO) == 1;
}

SweepProgress::SweepProgress(std::int64_t total, std::ostream* out, ProgressStyle style, bool terminal, Clock clock)
    : total_(total),
      out_(out),
      display_(out ? choose_progress_display(style, terminal, total) : ProgressDisplay::none),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      start_(clock_()),
      last_status_(start_),
      finished_(static_cast<std::size_t>(total)) {
    last_best_line_ += start_;
    last_bar_ += start_;
}

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
    if (finished_.at(slot)) return false;  // at(): an id outside the space is a bug, never a silent write
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

std::string SweepProgress::status_text(double now) const {
    const double elapsed = now - start_;
    const double rate = elapsed > 0 ? static_cast<double>(fresh_done_) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 1e300;
    std::string text = std::to_string(done_) + "/" + std::to_string(total_) + " " +
                       format_fixed(total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100, 1) +
                       "% | " + format_fixed(rate, rate < 10 ? 2 : 1) + " trials/s | elapsed " + duration_text(elapsed) +
                       ", eta " + (done_ == total_ ? "0.0 s" : duration_text(eta)) + " | best ";
    if (best_)
        text += "trial " + std::to_string(results_[*best_].trial) + " (" + format_fixed(results_[*best_].val_cost, 6) + ')';
    else
        text += "none yet";
    return text;
}

void SweepProgress::trial_line(const TrialResult& r, double now) {
    const double elapsed = now - start_;
    const double eta = elapsed / static_cast<double>(fresh_done_) * static_cast<double>(total_ - done_);
    *out_ << '[' << done_ << '/' << total_ << "] trial " << r.trial << " (" << r.hyper << ") " << to_string(r.status)
          << " val_cost " << format_fixed(r.val_cost, 6) << " acc " << format_fixed(100 * r.val_accuracy, 2)
          << "% | elapsed " << format_fixed(elapsed, 1) << " s, eta " << format_fixed(eta, 1) << " s | best ";
    if (best_)
        *out_ << "trial " << results_[*best_].trial << " (" << format_fixed(results_[*best_].val_cost, 6) << ')';
    else
        *out_ << "none yet";
    *out_ << '\n';
}

std::vector<TrialResult> SweepProgress::add(const std::vector<TrialResult>& results) {
    std::vector<TrialResult> fresh;
    const std::optional<std::size_t> best_before = best_;
    const double now = display_ == ProgressDisplay::none ? 0 : clock_();
    for (const TrialResult& r : results) {
        if (!record(r)) continue;
        fresh.push_back(r);
        ++fresh_done_;
        if (display_ == ProgressDisplay::per_trial) trial_line(r, now);
    }
    if (fresh.empty() || display_ == ProgressDisplay::none) return fresh;
    switch (display_) {
        case ProgressDisplay::none: break;
        case ProgressDisplay::per_trial: break;
        case ProgressDisplay::throttled:
            if (best_ != best_before && best_ && now - last_best_line_ >= kBestLineInterval) {
                const TrialResult& b = results_[*best_];
                *out_ << '[' << done_ << '/' << total_ << "] new best: trial " << b.trial << " (" << b.hyper << ") val_cost "
                      << format_fixed(b.val_cost, 6) << " acc " << format_fixed(100 * b.val_accuracy, 2) << "%\n";
                last_best_line_ = now;
            }
            if (now - last_status_ >= std::max(kStatusInterval, (now - start_) / kStatusPerEFold) || done_ == total_) {
                *out_ << '[' << status_text(now) << "]\n";
                last_status_ = now;
                shown_done_ = done_;
            }
            break;
        case ProgressDisplay::bar:
            if (now - last_bar_ >= kBarInterval || done_ == total_) draw_bar(now);
            break;
    }
    *out_ << std::flush;
    return fresh;
}

void SweepProgress::draw_bar(double now) {
    // Compact, to fit an 80-column terminal: a wrapped line would not redraw in place.
    constexpr int kWidth = 10;
    const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
    const double elapsed = now - start_;
    const double rate = elapsed > 0 ? static_cast<double>(fresh_done_) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 1e300;
    // Back to the line's start, draw, and clear what a longer previous state left.
    *out_ << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(kWidth - filled), '.')
          << "] " << done_ << '/' << total_ << ' '
          << format_fixed(total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100, 1) << "% "
          << format_fixed(rate, rate < 10 ? 2 : 0) << "/s " << compact(elapsed) << " eta "
          << (done_ == total_ ? std::string("0s") : compact(eta));
    if (best_) *out_ << " best " << format_fixed(results_[*best_].val_cost, 6) << " (#" << results_[*best_].trial << ')';
    *out_ << "\x1b[K";
    bar_drawn_ = true;
    last_bar_ = now;
    shown_done_ = done_;
}

void SweepProgress::finish_display() {
    if (!out_ || display_ == ProgressDisplay::none || display_ == ProgressDisplay::per_trial) return;
    if (display_ == ProgressDisplay::bar && bar_drawn_) {
        if (shown_done_ != done_) draw_bar(clock_());
        *out_ << '\n' << std::flush;
        bar_drawn_ = false;
    } else if (display_ == ProgressDisplay::throttled && shown_done_ != done_) {
        *out_ << '[' << status_text(clock_()) << "]\n" << std::flush;
        shown_done_ = done_;
    }
}

}  // namespace hypergrid
