#include "hypergrid/curves.hpp"

#include <algorithm>
#include <ostream>
#include <tuple>

namespace hypergrid {

std::ostream& operator<<(std::ostream& out, const CurvePoint& p) { return print_fields(out, p); }

bool curve_order(const CurvePoint& a, const CurvePoint& b) {
    return std::tie(a.alpha, a.learning_rate, a.batch_size, a.fold, a.epoch) <
           std::tie(b.alpha, b.learning_rate, b.batch_size, b.fold, b.epoch);
}

std::vector<CurvePoint> distinct_curve_points(std::vector<CurvePoint> points) {
    std::stable_sort(points.begin(), points.end(), curve_order);
    const auto same_key = [](const CurvePoint& a, const CurvePoint& b) { return !curve_order(a, b) && !curve_order(b, a); };
    points.erase(std::unique(points.begin(), points.end(), same_key), points.end());
    return points;
}

std::string format_curves_csv(std::vector<CurvePoint> points) {
    std::string csv = csv_header<CurvePoint>() + '\n';
    for (const CurvePoint& p : distinct_curve_points(std::move(points))) csv += csv_row(p) + '\n';
    return csv;
}

}  // namespace hypergrid
