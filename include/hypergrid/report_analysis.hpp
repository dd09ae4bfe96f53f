#pragma once
/// @file report_analysis.hpp
/// The figures the HTML report draws, computed from trial records alone: the axes and how to bin
/// them, which axes matter (functional ANOVA), learning curves, the best trials, the ranks' balance.
/// Pure functions of plain data.

#include "hypergrid/report_records.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hypergrid {

/// The hyperparameter axes, in trial-id order: epochs, alpha, learning_rate, batch_size.
constexpr int kReportAxes = 4;
extern const char* const kAxisNames[kReportAxes];

/// Trial `r`'s value on axis `axis` (0..3).
double axis_value(const TrialResult& r, int axis);

/// True when `values` (distinct, ascending) are better drawn on a log scale: all positive and
/// spread over a factor of 10 or more with steps more even in log than in linear terms, or the
/// config declared the axis as a log range.
bool log_spaced(const std::vector<double>& values, bool declared_log);

/// One axis as the report sees it, and how its values fall into bins (a value per bin for a
/// list axis, equal-width bins in display space for a range).
struct ReportAxis {
    int id = 0;                     ///< 0..3, see kAxisNames
    std::vector<double> values;     ///< the distinct values the trials took, ascending
    bool log = false;
    bool discrete = true;           ///< one bin per value
    int bins = 1;
    double lo = 0, hi = 0;          ///< display-space bounds (log10 of the values when log)

    const char* name() const { return kAxisNames[id]; }
    double display(double value) const;  ///< the value in display space
    int bin(double value) const;
    /// The bin's label: the value, or its range.
    std::string bin_label(int b) const;
    /// A short label for an axis tick: the value, or the bin's centre in display space.
    std::string bin_tick(int b) const;
};

/// The axes along which the trials vary (more than one value), binned into at most `max_bins`
/// bins when they hold more distinct values than that. `declared_log` per axis id.
std::vector<ReportAxis> varying_axes(const std::vector<TrialResult>& trials, const bool declared_log[kReportAxes],
                                     int max_bins);

/// A cost every trial has: the validation cost, or for a diverged trial the worst finite cost seen
/// (a diverged trial is as bad as the worst); nullopt when no trial has a finite cost.
std::optional<std::vector<double>> analysis_costs(const std::vector<TrialResult>& trials);

/// Shares of the validation cost's variance: each axis's main effect and each pair's interaction.
struct Importance {
    std::vector<std::pair<std::string, double>> effects;  ///< "alpha", "alpha x learning_rate", ...
    double rest = 0;      ///< higher-order interactions (and, when estimated, what the bins hide)
    bool exact = false;   ///< a full, balanced grid: the functional ANOVA decomposition itself
};

/// Correlation ratios (eta squared) over the axes' bins: on a full grid with one bin per value
/// and every combination equally often, they are exactly the functional-ANOVA shares of the main
/// effects and pairs; otherwise an estimate (`exact` false). nullopt without variance.
std::optional<Importance> variance_shares(const std::vector<TrialResult>& trials, const std::vector<double>& costs,
                                          const std::vector<ReportAxis>& axes);

/// A model's validation cost against its epochs: one (alpha, learning_rate, batch_size) track.
struct LearningCurve {
    Hyperparameters hyper;  ///< the track's; epochs is that of its best trial
    std::vector<std::pair<int, double>> points;  ///< (epochs, val_cost), ascending epochs, finite only
    double best = 0;        ///< its best trial's cost
};

/// The `count` tracks with the lowest best trial among those with two or more points. The points
/// are every epoch's from `every_epoch` (curves.csv) when given, with k-fold each epoch's mean over
/// the folds (summed in fold order, as a trial's cost is; epochs that not every fold reached are
/// left out), else the trials' own: the epoch counts the sweep checked each track at.
std::vector<LearningCurve> best_learning_curves(const std::vector<TrialResult>& trials, std::size_t count,
                                                const std::vector<CurvePoint>* every_epoch = nullptr);

/// Indices of the best `count` trials by pick_best's rule (lowest cost, ties to the lowest id,
/// diverged never), best first.
std::vector<std::size_t> top_trials(const std::vector<TrialResult>& trials, std::size_t count);

/// One rung of a successive-halving search, from trials.csv's rung column.
struct RungSummary {
    int rung = 0;
    int epochs = 0;
    std::size_t trained = 0;    ///< configurations trained to this rung's epochs
    std::size_t promoted = 0;   ///< of those, how many the next rung trained (0 for the last rung)
    std::optional<std::size_t> best;  ///< index into the trials of the rung's best (pick_best's rule)
};

/// Per rung, ascending: `rungs` is parallel to `trials`. A configuration's trial at rung r + 1 is
/// the one with its (alpha, learning_rate, batch_size), so "promoted" counts those.
std::vector<RungSummary> rung_summaries(const std::vector<TrialResult>& trials, const std::vector<int>& rungs);

/// The per-fold figures of one trial, by fold, from folds.csv's rows (empty when it has none).
std::vector<const TrialResult*> folds_of(const std::vector<TrialResult>& folds, std::int64_t trial);

/// How evenly the ranks were kept busy.
struct Balance {
    double span = 0;               ///< from the sweep's start to the last span's end
    std::vector<double> busy;      ///< per rank: seconds inside spans
    double efficiency = 0;         ///< mean busy / span: 1 when no rank ever waits
    double balance = 0;            ///< mean busy / max busy, as `hypergrid plan` predicts it
};

Balance timeline_balance(const std::vector<LegSpan>& spans);

}  // namespace hypergrid
