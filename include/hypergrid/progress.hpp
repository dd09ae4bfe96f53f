#pragma once
/// @file progress.hpp
/// Rank 0's record of the sweep as results arrive: the results by trial id, the best so far, and
/// the progress shown to the user, in a form that scales: a live bar on a terminal; in a log, a line
/// per trial for small sweeps, otherwise a status line every 10 s and a line when the best improves,
/// so a 10^6-trial job's log stays small (trials.csv and the journal keep every trial).

#include "hypergrid/results.hpp"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace hypergrid {

/// What --progress asks for.
enum class ProgressStyle {
    automatic,  ///< bar on a terminal, lines otherwise
    lines,      ///< log lines: one per trial up to kLinePerTrialLimit trials, throttled status beyond
    bar,        ///< a bar redrawn in place
    none        ///< nothing
};

/// Parses "auto", "lines", "bar" or "none"; throws InputError naming --progress otherwise.
ProgressStyle parse_progress_style(const std::string& text);

/// How progress is actually shown.
enum class ProgressDisplay { per_trial, throttled, bar, none };

/// Sweeps of at most this many trials print a line per trial in a log.
constexpr std::int64_t kLinePerTrialLimit = 1000;
/// Throttled logs print a status line at most this often, in seconds ...
constexpr double kStatusInterval = 10;
/// ... and, in long sweeps, at most this many per e-fold of the elapsed time (every 10 s in the
/// first hour, every 4 min after a day), so the log grows with the log of the run time.
constexpr double kStatusPerEFold = 360;
/// ... and a new-best line at most this often, so a cascade of improvements stays a few lines.
constexpr double kBestLineInterval = 1;
/// The bar is redrawn at most this often, in seconds.
constexpr double kBarInterval = 0.2;

/// The display for `style` when the output is (or is not) a terminal and the sweep has `total` trials.
ProgressDisplay choose_progress_display(ProgressStyle style, bool terminal, std::int64_t total);

/// Whether standard output is a terminal: HYPERGRID_STDOUT_IS_TERMINAL=1 or 0 when set (a launcher
/// that knows says so), false under Open MPI otherwise (its ranks' stdout is a pseudo-terminal even
/// when mpirun's is a file), else isatty.
bool stdout_is_terminal();

class SweepProgress {
public:
    /// Seconds on a monotonic clock; tests pass a fake one.
    using Clock = std::function<double()>;

    /// `out` receives the progress; nullptr keeps quiet. `terminal` says whether `out` is one.
    SweepProgress(std::int64_t total, std::ostream* out, ProgressStyle style = ProgressStyle::automatic,
                  bool terminal = false, Clock clock = {});

    /// Records finished trials (any order) and shows progress. Trials already recorded are ignored
    /// (a resumed unit passes again through checkpoints it had finished). Returns the newly recorded ones.
    std::vector<TrialResult> add(const std::vector<TrialResult>& results);

    /// Records trials finished by an earlier run (from the journal), without showing them.
    void restore(const std::vector<TrialResult>& results);

    /// Ends the display: the bar's last state and its newline, or a last status line.
    void finish_display();

    /// The number of trials progress is shown against when it is not the ids' span (successive
    /// halving runs only some trials; the constructor's `total` still bounds the ids).
    void expect_total(std::int64_t total) { total_ = total; }

    std::int64_t done() const { return done_; }
    std::int64_t total() const { return total_; }
    ProgressDisplay display() const { return display_; }
    /// The finished trials, in trial-id order.
    std::vector<TrialResult> results() const;
    /// The best finished trial so far, by the rule of pick_best.
    std::optional<TrialResult> best() const;

private:
    bool record(const TrialResult& result);
    void trial_line(const TrialResult& r, double now);
    std::string status_text(double now) const;
    void draw_bar(double now);

    std::int64_t total_;
    std::int64_t done_ = 0;
    std::int64_t fresh_done_ = 0;  // finished in this run: the rate for the ETA
    std::ostream* out_;
    ProgressDisplay display_;
    Clock clock_;
    double start_ = 0;
    double last_status_ = 0;                  // throttled: when the last status line was printed
    double last_best_line_ = -kBestLineInterval;
    double last_bar_ = -kBarInterval;
    bool bar_drawn_ = false;
    std::int64_t shown_done_ = -1;            // done_ when progress was last shown
    std::vector<TrialResult> results_;  // the finished trials, in arrival order
    std::vector<bool> finished_;        // by trial id
    std::optional<std::size_t> best_;   // index into results_
};

}  // namespace hypergrid
