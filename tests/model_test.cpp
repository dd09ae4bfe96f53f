// Tests for the model value: predict's classes and probabilities against a double-precision
// softmax and against evaluate(), and save (files + summary entry) / load round trips and refusals.

#include "hypergrid/errors.hpp"
#include "hypergrid/model.hpp"
#include "support/synthetic.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

using namespace hypergrid;
using namespace hypergrid::testing;

namespace {

/// A d x c model with weights and bias drawn from `seed`, not trained: every class gets predicted.
SoftmaxModel random_model(std::int64_t d, int c, std::uint64_t seed, double scale = 255) {
    TestRandom random(seed);
    SoftmaxModel model;
    model.weights.resize(d, c);
    model.bias.resize(c);
    for (Eigen::Index i = 0; i < model.weights.size(); ++i) model.weights.data()[i] = static_cast<float>(random.normal());
    for (Eigen::Index j = 0; j < c; ++j) model.bias(j) = static_cast<float>(random.normal());
    model.feature_scale = scale;
    return model;
}

/// What write_run_outputs does with a model: its files, then summary.json holding its entry.
void save(const SoftmaxModel& model, const TempDir& dir) {
    for (const auto& [name, bytes] : model.files()) write_bytes(dir / name, bytes);
    write_bytes(dir / "summary.json", "{\n  \"test\": {},\n  \"model\": " + model.summary_json() + ",\n  \"seconds\": {}\n}\n");
}

}  // namespace

TEST_CASE("predict: the probabilities of a double softmax, classes counted by evaluate", "[model]") {
    // d and c not multiples of any vector width; more examples than one evaluation chunk (512).
    const Dataset data = make_synthetic(1100, 7, 5, 3);
    const SoftmaxModel model = random_model(7, 5, 11);
    const Predictions predictions = model.predict(data.view());
    REQUIRE(predictions.classes.size() == 1100);
    REQUIRE(predictions.probabilities.rows() == 1100);
    REQUIRE(predictions.probabilities.cols() == 5);

    const Eigen::MatrixXd x = data.view().matrix().cast<double>();
    Eigen::MatrixXd z = model.weights.cast<double>().transpose() * x;
    z.colwise() += model.bias.cast<double>();
    std::int64_t correct = 0;
    std::vector<int> seen(5, 0);
    for (Eigen::Index i = 0; i < z.cols(); ++i) {
        const Eigen::VectorXd p = (z.col(i).array() - z.col(i).maxCoeff()).exp().matrix();
        for (Eigen::Index j = 0; j < 5; ++j)
            CHECK(predictions.probabilities(i, j) == Approx(p(j) / p.sum()).margin(1e-6));
        const std::int32_t predicted = predictions.classes[static_cast<std::size_t>(i)];
        Eigen::Index best = 0;
        z.col(i).maxCoeff(&best);
        if (std::abs(z(best, i) - z(predicted, i)) > 1e-5) CHECK(predicted == best);  // near ties may differ
        correct += predicted == data.labels[static_cast<std::size_t>(i)];
        ++seen[static_cast<std::size_t>(predicted)];
    }
    for (const int count : seen) CHECK(count > 0);
    const Evaluation evaluation = model.evaluate(data.view());
    CHECK(evaluation.metrics.accuracy == static_cast<double>(correct) / 1100.0);  // exact: the same classes
    CHECK(evaluation.metrics.cost == evaluation.metrics.cross_entropy);
    CHECK(evaluation.confusion.sum() == 1100);
}

TEST_CASE("save and load: weights, bias and feature scale round-trip exactly", "[model]") {
    const TempDir dir;
    const SoftmaxModel model = random_model(6, 3, 5, 127.5);
    save(model, dir);
    const SoftmaxModel loaded = SoftmaxModel::load(dir.path());
    CHECK(loaded.weights == model.weights);
    CHECK(loaded.bias == model.bias);
    CHECK(loaded.feature_scale == 127.5);
    CHECK(model.summary_json() ==
          R"({"weights": "weights.npy", "bias": "bias.npy", "features": 6, "classes": 3, "feature_scale": 127.5})");
}

TEST_CASE("load refuses a run without a final model and inconsistent files", "[model]") {
    const TempDir dir;
    REQUIRE_THROWS_WITH(SoftmaxModel::load(dir.path()), Catch::Contains("summary.json: cannot read it"));
    write_bytes(dir / "summary.json", "{\"test\": null, \"confusion_matrix\": null}\n");
    REQUIRE_THROWS_WITH(SoftmaxModel::load(dir.path()), Catch::Contains("the run has no final model"));

    save(random_model(4, 3, 1), dir);
    write_bytes(dir / "bias.npy", random_model(4, 2, 1).files()[1].second);
    REQUIRE_THROWS_WITH(SoftmaxModel::load(dir.path()), Catch::Contains("bias.npy: expected 3 values"));
    save(random_model(4, 3, 1), dir);
    write_bytes(dir / "weights.npy", random_model(5, 3, 1).files()[0].second);
    REQUIRE_THROWS_WITH(SoftmaxModel::load(dir.path()), Catch::Contains("weights.npy: shape does not match the 4 x 3 model"));
    std::filesystem::remove(dir / "weights.npy");
    REQUIRE_THROWS_AS(SoftmaxModel::load(dir.path()), InputError);
}
