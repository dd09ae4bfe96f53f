#pragma once
/// @file results.hpp
/// TrialResult, the record every rank sends to rank 0, and EpochReport, the message that carries
/// it (with the learning curves' points): serializable value types.

#include "hypergrid/curves.hpp"
#include "hypergrid/grid.hpp"
#include "hypergrid/record_fields.hpp"

#include <boost/serialization/access.hpp>
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace hypergrid {

enum class TrialStatus : int { ok = 0, diverged = 1 };

const char* to_string(TrialStatus status);
bool parse_value(const std::string& text, TrialStatus& status);  ///< "ok" or "diverged"

/// The validation outcome of one trial.
struct TrialResult {
    std::int64_t trial = 0;
    Hyperparameters hyper;
    double val_cost = 0;           ///< cross-entropy + alpha/2 ||W||^2
    double val_cross_entropy = 0;
    double val_accuracy = 0;
    TrialStatus status = TrialStatus::ok;
    double seconds = 0;            ///< this trial's share of its unit's training time up to its epoch count
    int rank = 0;                  ///< the rank that trained it
    // k-fold cross-validation (folds.hpp): a fold's result has its fold; a trial's, fold -1 and the
    // spread of its folds' costs.
    int fold = -1;
    double val_cost_std = 0;

    /// The one list of fields, in column order: trials.csv, the journal, summary.json's "best",
    /// equality, printing and the MPI archive all follow it (record_fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& r, Visit&& field) {
        field("trial", r.trial);
        field("epochs", r.hyper.epochs);
        field("alpha", r.hyper.alpha);
        field("learning_rate", r.hyper.learning_rate);
        field("batch_size", r.hyper.batch_size);
        field("val_cost", r.val_cost);
        field("val_cross_entropy", r.val_cross_entropy);
        field("val_accuracy", r.val_accuracy);
        field("status", r.status, field_flags::bookkeeping);
        field("seconds", r.seconds, field_flags::bookkeeping | field_flags::timing);
        field("rank", r.rank, field_flags::bookkeeping);
    }

    /// Every field equal, NaN metrics of diverged trials included (compared by their text).
    friend bool operator==(const TrialResult& a, const TrialResult& b) {
        return same_fields(a, b) && a.fold == b.fold &&
               (a.val_cost_std == b.val_cost_std || (std::isnan(a.val_cost_std) && std::isnan(b.val_cost_std)));
    }
    friend bool operator!=(const TrialResult& a, const TrialResult& b) { return !(a == b); }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned /*version*/) {
        serialize_fields(archive, *this);
        archive & fold & val_cost_std;  // k-fold's, outside the field list: no column or journal key of their own
    }
};

/// What a unit reports after one of its epochs: the curve points of that epoch ([run] curves) and
/// the trials that ended there. One message, points first: rank 0 journals a point no later than
/// the trials after it.
struct EpochReport {
    std::vector<CurvePoint> curve;
    std::vector<TrialResult> trials;

    bool empty() const { return curve.empty() && trials.empty(); }

    template <class Archive>
    void serialize(Archive& archive, const unsigned /*version*/) {
        archive & curve & trials;
    }
};

/// "trial=0 epochs=10 alpha=0.001 ...": every field by name.
std::ostream& operator<<(std::ostream& out, const TrialResult& r);

/// The header line of trials.csv (no newline).
extern const std::string kTrialsCsvHeader;

/// trials.csv: the header and one row per result, in the order given.
std::string format_trials_csv(const std::vector<TrialResult>& results);

/// The columns a search adds to trials.csv: val_cost_std after val_accuracy (k-fold), and rung
/// last (successive halving: the rung = the index of the trial's epochs among the ascending
/// epochs values `rung_epochs`).
struct TrialsCsvExtras {
    bool val_cost_std = false;
    std::vector<int> rung_epochs;  ///< empty: no rung column
};
std::string format_trials_csv(const std::vector<TrialResult>& results, const TrialsCsvExtras& extras);

}  // namespace hypergrid
