// Tests for the learning curves' record: its forms (curves.csv, the MPI archive of an EpochReport)
// and the order and uniqueness of curves.csv's rows.

#include "hypergrid/curves.hpp"
#include "hypergrid/results.hpp"

#include <catch2/catch.hpp>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/vector.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using namespace hypergrid;

namespace {

CurvePoint point(double alpha, double rate, int batch, int fold, int epoch, double cost) {
    return {alpha, rate, batch, fold, epoch, cost, cost - 0.5, 0.25};
}

}  // namespace

TEST_CASE("curves.csv: a row per (model, epoch), ordered by its key columns", "[curves]") {
    const std::vector<CurvePoint> points{
        point(0.01, 0.1, 8, -1, 2, 0.75), point(0.001, 0.1, 8, -1, 2, 1.0 / 3.0),
        point(0.001, 0.1, 8, -1, 1, 1.5), point(0.01, 0.1, 8, -1, 1, 0.875),
        point(0.001, 0.1, 8, -1, 1, 1.5),  // again: a resumed sweep retrained that model
        point(0.001, 0.05, 16, -1, 1, std::numeric_limits<double>::quiet_NaN()),
    };
    CHECK(format_curves_csv(points) ==
          "alpha,learning_rate,batch_size,fold,epoch,val_cost,val_cross_entropy,val_accuracy\n"
          "0.001,0.05,16,-1,1,nan,nan,0.25\n"
          "0.001,0.1,8,-1,1,1.5,1,0.25\n"
          "0.001,0.1,8,-1,2,0.3333333333333333,-0.16666666666666669,0.25\n"
          "0.01,0.1,8,-1,1,0.875,0.375,0.25\n"
          "0.01,0.1,8,-1,2,0.75,0.25,0.25\n");
    // The key orders batch size before fold before epoch, and keeps the first of equal keys.
    const std::vector<CurvePoint> distinct = distinct_curve_points(
        {point(0.1, 0.1, 16, 0, 1, 1), point(0.1, 0.1, 8, 1, 1, 2), point(0.1, 0.1, 8, 0, 2, 3), point(0.1, 0.1, 8, 0, 2, 4)});
    REQUIRE(distinct.size() == 3);
    CHECK(distinct[0] == point(0.1, 0.1, 8, 0, 2, 3));
    CHECK(distinct[1] == point(0.1, 0.1, 8, 1, 1, 2));
    CHECK(distinct[2] == point(0.1, 0.1, 16, 0, 1, 1));
}

TEST_CASE("An EpochReport survives Boost serialization, its points NaN included", "[curves]") {
    EpochReport report;
    report.curve = {point(0.001, 0.1, 8, 2, 7, std::numeric_limits<double>::quiet_NaN()), point(0, 1e-5, 1, -1, 1, 1e300)};
    TrialResult trial;
    trial.trial = 42;
    trial.hyper = {7, 0.001, 0.1, 8};
    trial.val_cost = 0.5;
    report.trials = {trial};
    std::stringstream stream;
    {
        boost::archive::binary_oarchive out(stream);
        out << report;
    }
    EpochReport back;
    boost::archive::binary_iarchive in(stream);
    in >> back;
    CHECK(back.curve == report.curve);
    CHECK(back.trials == report.trials);
    CHECK_FALSE(back.empty());
    CHECK(EpochReport{}.empty());
}
