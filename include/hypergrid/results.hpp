#pragma once
/// @file results.hpp
/// TrialResult, the record every rank sends to rank 0: a serializable value type.

#include "hypergrid/grid.hpp"

#include <boost/serialization/access.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace hypergrid {

enum class TrialStatus : int { ok = 0, diverged = 1 };

const char* to_string(TrialStatus status);

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

    friend bool operator==(const TrialResult& a, const TrialResult& b);
    friend bool operator!=(const TrialResult& a, const TrialResult& b) { return !(a == b); }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& ar, const unsigned /*version*/) {
        ar & trial & hyper.epochs & hyper.alpha & hyper.learning_rate & hyper.batch_size;
        ar & val_cost & val_cross_entropy & val_accuracy & status & seconds & rank;
    }
};

std::ostream& operator<<(std::ostream& out, const TrialResult& r);

/// The header line of trials.csv (no newline).
extern const char* const kTrialsCsvHeader;

/// trials.csv: the header and one row per result, in the order given.
std::string format_trials_csv(const std::vector<TrialResult>& results);

}  // namespace hypergrid
