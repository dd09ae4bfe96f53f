// Tests for the softmax objective: the double-precision cost and gradient against finite
// differences, and evaluate_side_by_side (float, k models at once) against hand-computed values,
// against itself one model at a time, and against the double cost.

#include "hypergrid/softmax.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

using namespace hypergrid;
using namespace hypergrid::testing;

namespace {

/// Random labels in [0, c).
std::vector<std::int32_t> random_labels(std::int64_t n, int c, TestRandom& random) {
    std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
    for (std::int32_t& label : labels) label = static_cast<std::int32_t>(random.below(c));
    return labels;
}

/// Central finite differences of softmax_cost_gradient's cost with respect to every weight and bias.
void finite_difference_gradient(const Eigen::MatrixXd& w, const Eigen::VectorXd& b, const Eigen::MatrixXd& x,
                                const std::vector<std::int32_t>& y, double alpha, double h, Eigen::MatrixXd& gw,
                                Eigen::VectorXd& gb) {
    auto cost = [&](const Eigen::MatrixXd& w2, const Eigen::VectorXd& b2) {
        return softmax_cost_gradient(w2, b2, x, y, alpha, nullptr, nullptr);
    };
    gw.resize(w.rows(), w.cols());
    for (Eigen::Index i = 0; i < w.rows(); ++i)
        for (Eigen::Index j = 0; j < w.cols(); ++j) {
            Eigen::MatrixXd plus = w, minus = w;
            plus(i, j) += h;
            minus(i, j) -= h;
            gw(i, j) = (cost(plus, b) - cost(minus, b)) / (2 * h);
        }
    gb.resize(b.size());
    for (Eigen::Index k = 0; k < b.size(); ++k) {
        Eigen::VectorXd plus = b, minus = b;
        plus(k) += h;
        minus(k) -= h;
        gb(k) = (cost(w, plus) - cost(w, minus)) / (2 * h);
    }
}

/// -log softmax(z)_label, written out directly in long double.
double neg_log_softmax(const std::vector<double>& z, int label) {
    long double sum = 0;
    for (const double v : z) sum += std::exp(static_cast<long double>(v));
    return static_cast<double>(std::log(sum) - z[static_cast<std::size_t>(label)]);
}

}  // namespace

TEST_CASE("softmax_cost_gradient matches central finite differences", "[softmax]") {
    constexpr Eigen::Index d = 5, c = 4, n = 13;
    constexpr double alpha = 0.3, h = 1e-6;
    TestRandom random(7);
    const Eigen::MatrixXd w = random_matrix(d, c, 1.0, random).cast<double>();
    const Eigen::VectorXd b = random_matrix(c, 1, 1.0, random).cast<double>();
    const Eigen::MatrixXd x = random_matrix(d, n, 2.0, random).cast<double>();
    const std::vector<std::int32_t> y = random_labels(n, c, random);

    Eigen::MatrixXd gw;
    Eigen::VectorXd gb;
    const double cost = softmax_cost_gradient(w, b, x, y, alpha, &gw, &gb);
    REQUIRE(gw.rows() == d);
    REQUIRE(gw.cols() == c);
    REQUIRE(gb.size() == c);

    Eigen::MatrixXd fw;
    Eigen::VectorXd fb;
    finite_difference_gradient(w, b, x, y, alpha, h, fw, fb);
    CHECK(relative_difference(gw, fw) < 1e-6);
    CHECK(relative_difference(gb, fb) < 1e-6);
    for (Eigen::Index i = 0; i < d; ++i)
        for (Eigen::Index j = 0; j < c; ++j) CHECK(gw(i, j) == Approx(fw(i, j)).epsilon(1e-6).margin(1e-8));
    for (Eigen::Index k = 0; k < c; ++k) CHECK(gb(k) == Approx(fb(k)).epsilon(1e-6).margin(1e-8));

    // The cost itself, written out: mean -log p_y + alpha/2 ||W||^2 (the bias is not penalised).
    double expected = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::VectorXd z = w.transpose() * x.col(i) + b;
        expected += neg_log_softmax({z.data(), z.data() + c}, y[static_cast<std::size_t>(i)]);
    }
    expected = expected / n + 0.5 * alpha * w.squaredNorm();
    CHECK(cost == Approx(expected).epsilon(1e-12));

    SECTION("the pointers are optional and do not change the cost") {
        Eigen::MatrixXd only_w;
        CHECK(softmax_cost_gradient(w, b, x, y, alpha, &only_w, nullptr) == cost);
        CHECK(only_w == gw);
        Eigen::VectorXd only_b;
        CHECK(softmax_cost_gradient(w, b, x, y, alpha, nullptr, &only_b) == cost);
        CHECK(only_b == gb);
    }
}

TEST_CASE("at W = 0, b = 0 the cost is log c and the bias gradient is 1/c minus the class frequencies",
          "[softmax]") {
    for (const int c : {2, 3, 7}) {
        INFO(c << " classes");
        TestRandom random(static_cast<std::uint64_t>(c));
        const Eigen::Index d = 4, n = 11;
        const Eigen::MatrixXd x = random_matrix(d, n, 3.0, random).cast<double>();
        const std::vector<std::int32_t> y = random_labels(n, c, random);
        Eigen::MatrixXd gw;
        Eigen::VectorXd gb;
        const double cost =
            softmax_cost_gradient(Eigen::MatrixXd::Zero(d, c), Eigen::VectorXd::Zero(c), x, y, 0.9, &gw, &gb);
        CHECK(cost == Approx(std::log(static_cast<double>(c))).epsilon(1e-12));
        for (int k = 0; k < c; ++k) {
            const double frequency = static_cast<double>(std::count(y.begin(), y.end(), k)) / static_cast<double>(n);
            CHECK(gb(k) == Approx(1.0 / c - frequency).margin(1e-12));
        }
    }
}

TEST_CASE("evaluate_side_by_side on a hand-made case", "[softmax]") {
    // d = 2, c = 3. Scores z = W^T x + b with W = [[1, 0, 0], [0, 1, 0]], b = (0, 0, 0.5).
    const std::vector<float> features{2, 0, 0, 2, 0, 0, 2, 0};  // examples (2,0) (0,2) (0,0) (2,0)
    const std::vector<std::int32_t> labels{0, 1, 2, 1};         // the last one is misclassified as 0
    const DatasetView data{features.data(), labels.data(), 4, 2};
    Eigen::MatrixXf w(2, 3);
    w << 1, 0, 0, 0, 1, 0;
    Eigen::VectorXf b(3);
    b << 0, 0, 0.5f;
    const std::vector<std::vector<double>> scores{{2, 0, 0.5}, {0, 2, 0.5}, {0, 0, 0.5}, {2, 0, 0.5}};
    double cross_entropy = 0;
    for (std::size_t i = 0; i < 4; ++i) cross_entropy += neg_log_softmax(scores[i], labels[i]);
    cross_entropy /= 4;

    Eigen::MatrixXi confusion;
    const std::vector<Metrics> metrics = evaluate_side_by_side(w, b, {0.5}, data, &confusion);
    REQUIRE(metrics.size() == 1);
    CHECK(metrics[0].accuracy == 0.75);
    CHECK(metrics[0].cross_entropy == Approx(cross_entropy).epsilon(1e-6));
    CHECK(metrics[0].cost == Approx(cross_entropy + 0.5 * 0.5 * 2.0).epsilon(1e-6));  // ||W||^2 = 2

    Eigen::MatrixXi expected(3, 3);  // rows: true label, columns: predicted
    expected << 1, 0, 0,
                1, 1, 0,
                0, 0, 1;
    REQUIRE(confusion.rows() == 3);
    REQUIRE(confusion.cols() == 3);
    CHECK(confusion == expected);
    CHECK(confusion.sum() == 4);

    SECTION("a confusion matrix needs exactly one model") {
        Eigen::MatrixXf two(2, 6);
        two << w, w;
        Eigen::VectorXf two_b(6);
        two_b << b, b;
        CHECK_THROWS_AS(evaluate_side_by_side(two, two_b, {0.0, 0.0}, data, &confusion), std::logic_error);
    }
}

TEST_CASE("evaluate_side_by_side: models side by side equal each model alone", "[softmax]") {
    constexpr int c = 3;
    const Dataset data = make_synthetic(37, 6, c, 11);
    TestRandom random(3);
    const std::vector<Eigen::MatrixXf> ws{random_matrix(6, c, 0.5, random), random_matrix(6, c, 0.5, random),
                                          random_matrix(6, c, 0.5, random)};
    const std::vector<Eigen::VectorXf> bs{random_matrix(c, 1, 0.5, random), random_matrix(c, 1, 0.5, random),
                                          random_matrix(c, 1, 0.5, random)};
    const std::vector<double> alphas{0.0, 0.1, 2.0};
    Eigen::MatrixXf w(6, 3 * c);
    w << ws[0], ws[1], ws[2];
    Eigen::VectorXf b(3 * c);
    b << bs[0], bs[1], bs[2];

    const std::vector<Metrics> together = evaluate_side_by_side(w, b, alphas, data.view());
    REQUIRE(together.size() == 3);
    for (std::size_t m = 0; m < 3; ++m) {
        INFO("model " << m);
        const std::vector<Metrics> alone = evaluate_side_by_side(ws[m], bs[m], {alphas[m]}, data.view());
        REQUIRE(alone.size() == 1);
        CHECK(together[m].cost == Approx(alone[0].cost).epsilon(1e-6));
        CHECK(together[m].cross_entropy == Approx(alone[0].cross_entropy).epsilon(1e-6));
        CHECK(together[m].accuracy == alone[0].accuracy);
    }
    CHECK(together[0].cost != Approx(together[1].cost).epsilon(1e-3));  // the models really differ
}

TEST_CASE("evaluate_side_by_side agrees with the double cost", "[softmax]") {
    constexpr int c = 4;
    TestRandom random(5);
    // 2500 examples span several of the evaluation's internal chunks.
    for (const std::int64_t n : {std::int64_t{1}, std::int64_t{29}, std::int64_t{2500}}) {
        INFO(n << " examples");
        const Dataset data = make_synthetic(n, 5, c, 21);
        const Eigen::MatrixXf w = random_matrix(5, c, 0.7, random);
        const Eigen::VectorXf b = random_matrix(c, 1, 0.7, random);
        const Eigen::MatrixXd x = features_double(data.view());
        const std::vector<std::int32_t> y = labels_of(data.view());
        for (const double alpha : {0.0, 0.3}) {
            INFO("alpha " << alpha);
            const double reference =
                softmax_cost_gradient(w.cast<double>(), b.cast<double>(), x, y, alpha, nullptr, nullptr);
            const std::vector<Metrics> metrics = evaluate_side_by_side(w, b, {alpha}, data.view());
            CHECK(metrics[0].cost == Approx(reference).epsilon(1e-5));
            if (alpha == 0.0) CHECK(metrics[0].cross_entropy == Approx(reference).epsilon(1e-5));
        }
        // Accuracy: the argmax of the double scores.
        const Eigen::MatrixXd scores = (w.cast<double>().transpose() * x).colwise() + b.cast<double>();
        std::int64_t correct = 0;
        for (Eigen::Index i = 0; i < scores.cols(); ++i) {
            Eigen::Index predicted = 0;
            scores.col(i).maxCoeff(&predicted);
            correct += predicted == y[static_cast<std::size_t>(i)];
        }
        CHECK(evaluate_side_by_side(w, b, {0.0}, data.view())[0].accuracy ==
              Approx(static_cast<double>(correct) / static_cast<double>(n)).margin(1.5 / static_cast<double>(n)));
    }
}

TEST_CASE("softmax is numerically stable for huge scores", "[softmax]") {
    constexpr int c = 3;
    const Dataset data = make_synthetic(20, 4, c, 8);
    TestRandom random(9);
    const Eigen::MatrixXf w = random_matrix(4, c, 1e4, random);  // scores in the tens of thousands
    const Eigen::VectorXf b = Eigen::VectorXf::Zero(c);

    const std::vector<Metrics> metrics = evaluate_side_by_side(w, b, {0.001}, data.view());
    CHECK(std::isfinite(metrics[0].cost));
    CHECK(std::isfinite(metrics[0].cross_entropy));
    CHECK(metrics[0].cross_entropy >= 0);
    CHECK(metrics[0].accuracy >= 0);
    CHECK(metrics[0].accuracy <= 1);

    Eigen::MatrixXd gw;
    Eigen::VectorXd gb;
    const double reference = softmax_cost_gradient(w.cast<double>(), b.cast<double>(), features_double(data.view()),
                                                   labels_of(data.view()), 0.0, &gw, &gb);
    CHECK(std::isfinite(reference));
    CHECK(gw.allFinite());
    CHECK(gb.allFinite());
    // The float evaluation still tracks the double one (float scores carry ~1e-3 absolute error here).
    CHECK(metrics[0].cross_entropy == Approx(reference).epsilon(1e-4).margin(0.1));

    SECTION("one example scored 1000 below the top class") {
        // z = (0, 1000), label 0: -log p_0 = log(1 + e^1000) = 1000 (to double precision).
        Eigen::MatrixXf w1(1, 2);
        w1 << 0, 1000;
        const Eigen::VectorXf b1 = Eigen::VectorXf::Zero(2);
        const std::vector<float> x1{1};
        const std::vector<std::int32_t> y1{0};
        CHECK(softmax_cost_gradient(w1.cast<double>(), b1.cast<double>(), Eigen::MatrixXd::Ones(1, 1), y1, 0.0,
                                    nullptr, nullptr) == Approx(1000.0).epsilon(1e-12));
        const DatasetView one{x1.data(), y1.data(), 1, 1};
        const std::vector<Metrics> m1 = evaluate_side_by_side(w1, b1, {0.0}, one);
        CHECK(m1[0].cross_entropy == Approx(1000.0).epsilon(1e-6));
        CHECK(m1[0].accuracy == 0.0);
    }
}
