#pragma once
/// @file curves.hpp
/// Learning curves ([run] curves = true): every model's validation figures after every epoch, one
/// CurvePoint each, on their way from the unit that trains the model to rank 0's curves.csv.

#include "hypergrid/record_fields.hpp"

#include <boost/serialization/access.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace hypergrid {

/// One model's validation figures after `epoch` epochs. A model is its (alpha, learning_rate,
/// batch_size, fold): trials that differ only in their epochs share its curve.
struct CurvePoint {
    double alpha = 0;
    double learning_rate = 0;
    int batch_size = 0;
    int fold = -1;   ///< k-fold: the fold it validates on (folds.hpp); -1: the holdout split
    int epoch = 0;   ///< epochs trained, from 1
    double val_cost = 0;
    double val_cross_entropy = 0;
    double val_accuracy = 0;

    /// The one list of fields, in column order: curves.csv, the journal's curve lines, equality,
    /// printing and the MPI archive follow it (record_fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& p, Visit&& field) {
        field("alpha", p.alpha);
        field("learning_rate", p.learning_rate);
        field("batch_size", p.batch_size);
        field("fold", p.fold);
        field("epoch", p.epoch);
        field("val_cost", p.val_cost);
        field("val_cross_entropy", p.val_cross_entropy);
        field("val_accuracy", p.val_accuracy);
    }

    /// Every field equal, NaN figures of a diverged model included.
    friend bool operator==(const CurvePoint& a, const CurvePoint& b) { return same_fields(a, b); }
    friend bool operator!=(const CurvePoint& a, const CurvePoint& b) { return !(a == b); }

private:
    friend class boost::serialization::access;
    template <class Archive>
    void serialize(Archive& archive, const unsigned /*version*/) {
        serialize_fields(archive, *this);
    }
};

/// "alpha=0.001 learning_rate=0.1 ...": every field by name.
std::ostream& operator<<(std::ostream& out, const CurvePoint& p);

/// curves.csv's row order: by (alpha, learning_rate, batch_size, fold, epoch), the columns before the figures.
bool curve_order(const CurvePoint& a, const CurvePoint& b);

/// The points in curve_order, each (model, epoch) once: a resumed sweep trains again the models
/// whose trials are not all journaled, and reports the points it had journaled again, bit for bit.
std::vector<CurvePoint> distinct_curve_points(std::vector<CurvePoint> points);

/// curves.csv: the header and one row per distinct point (distinct_curve_points).
std::string format_curves_csv(std::vector<CurvePoint> points);

}  // namespace hypergrid
