// Tests for summary.json's data counts (the run's outputs as files are tested end to end by the
// scripts in tests/scripts/).

#include "hypergrid/outputs.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hypergrid;
using Catch::Matchers::Contains;
using hypergrid::testing::TrainingProblem;

TEST_CASE("summary.json's data counts the split, or the examples cut into folds", "[outputs]") {
    const TrainingProblem problem(60, 20, 5, 3, 8);
    TrainingData data = problem.training();
    RunSummary summary;
    summary.data = data_counts(data);
    CHECK(summary.data.train_examples == 40);
    CHECK(summary.data.validation_examples == 20);
    CHECK(summary.data.test_examples == data.test.count);
    CHECK(summary.data.features == 5);
    CHECK(summary.data.classes == 3);
    CHECK_THAT(format_summary_json(summary),
               Contains("\n  \"data\": {\"train_examples\": 40, \"validation_examples\": 20, \"test_examples\": " +
                        std::to_string(data.test.count) + ", \"features\": 5, \"classes\": 3},\n"));

    data.folds = 3;  // k-fold: every example is cut into the folds, none held out
    summary.data = data_counts(data);
    CHECK(summary.data.train_examples == 60);
    CHECK_FALSE(summary.data.validation_examples);
    CHECK_THAT(format_summary_json(summary), Contains("\"train_examples\": 60, \"validation_examples\": null,"));
}
