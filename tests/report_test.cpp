// Tests for the HTML report's parts: the readers of a run's records (summary.json, trials.csv,
// legs.csv), the analysis (log axes, the variance decomposition checked against functional ANOVA
// computed by its definition, learning curves, the best trials, the ranks' balance), and the page
// itself: its sections, a timeline only when legs are recorded, and its size for 10^6 trials.

#include "hypergrid/html_report.hpp"
#include "hypergrid/report_analysis.hpp"
#include "hypergrid/report_records.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

using namespace hypergrid;
using Catch::Contains;
using hypergrid::testing::make_result;

namespace {

TrialResult trial(std::int64_t id, int epochs, double alpha, double rate, int batch, double cost,
                  TrialStatus status = TrialStatus::ok) {
    TrialResult r = make_result(id, cost, status);
    r.hyper = {epochs, alpha, rate, batch};
    return r;
}

// A full grid over epochs {1, 2, 4} x alpha {1e-4, 1e-2} x rate {0.01, 0.1, 1} x batch {16},
// with a cost that has main effects and an alpha x rate interaction.
const std::vector<int> kEpochs{1, 2, 4};
const std::vector<double> kAlphas{1e-4, 1e-2};
const std::vector<double> kRates{0.01, 0.1, 1.0};

double grid_cost(std::size_t e, std::size_t a, std::size_t l) {
    return 1.0 + 0.3 / static_cast<double>(kEpochs[e]) + 0.05 * static_cast<double>(a) + 0.2 * std::abs(static_cast<double>(l) - 1.2) +
           0.1 * static_cast<double>(a) * static_cast<double>(l) + 0.02 * static_cast<double>(e * l);
}

std::vector<TrialResult> full_grid() {
    std::vector<TrialResult> trials;
    for (std::size_t e = 0; e < kEpochs.size(); ++e)
        for (std::size_t a = 0; a < kAlphas.size(); ++a)
            for (std::size_t l = 0; l < kRates.size(); ++l)
                trials.push_back(trial(static_cast<std::int64_t>(trials.size()), kEpochs[e], kAlphas[a], kRates[l], 16,
                                       grid_cost(e, a, l)));
    return trials;
}

/// Functional ANOVA by its definition on the 3-axis grid: f0 the mean, f_i(x) the mean over the
/// other axes less f0, f_ij the mean over the third axis less f_i, f_j and f0; shares are the
/// mean squares over the variance.
std::map<std::string, double> anova_by_definition() {
    const std::size_t n[3] = {kEpochs.size(), kAlphas.size(), kRates.size()};
    double y[3][2][3];
    double f0 = 0;
    for (std::size_t e = 0; e < n[0]; ++e)
        for (std::size_t a = 0; a < n[1]; ++a)
            for (std::size_t l = 0; l < n[2]; ++l) f0 += (y[e][a][l] = grid_cost(e, a, l)) / 18;
    double variance = 0, fe[3] = {}, fa[2] = {}, fl[3] = {}, fea[3][2] = {}, fel[3][3] = {}, fal[2][3] = {};
    for (std::size_t e = 0; e < 3; ++e)
        for (std::size_t a = 0; a < 2; ++a)
            for (std::size_t l = 0; l < 3; ++l) {
                const double v = y[e][a][l];
                variance += (v - f0) * (v - f0) / 18;
                fe[e] += v / 6; fa[a] += v / 9; fl[l] += v / 6;
                fea[e][a] += v / 3; fel[e][l] += v / 2; fal[a][l] += v / 3;
            }
    std::map<std::string, double> share;
    for (std::size_t e = 0; e < 3; ++e) share["epochs"] += (fe[e] - f0) * (fe[e] - f0) / 3 / variance;
    for (std::size_t a = 0; a < 2; ++a) share["alpha"] += (fa[a] - f0) * (fa[a] - f0) / 2 / variance;
    for (std::size_t l = 0; l < 3; ++l) share["learning_rate"] += (fl[l] - f0) * (fl[l] - f0) / 3 / variance;
    for (std::size_t e = 0; e < 3; ++e)
        for (std::size_t a = 0; a < 2; ++a) {
            const double f = fea[e][a] - fe[e] - fa[a] + f0;
            share["epochs \u00d7 alpha"] += f * f / 6 / variance;
        }
    for (std::size_t e = 0; e < 3; ++e)
        for (std::size_t l = 0; l < 3; ++l) {
            const double f = fel[e][l] - fe[e] - fl[l] + f0;
            share["epochs \u00d7 learning_rate"] += f * f / 9 / variance;
        }
    for (std::size_t a = 0; a < 2; ++a)
        for (std::size_t l = 0; l < 3; ++l) {
            const double f = fal[a][l] - fa[a] - fl[l] + f0;
            share["alpha \u00d7 learning_rate"] += f * f / 6 / variance;
        }
    return share;
}

const char* const kSummary = R"({
  "version": "9.9.9", "ranks": 2, "trials": 18, "finished": 18, "complete": true, "shard": "0/1",
  "config": {"data": {"train": {"images": "train.npy", "labels": "train_labels.npy"}, "test": {"csv": "test.csv"},
             "scale": null, "validation_fraction": 0.25, "limit_train": 0, "limit_test": 0},
             "grid": {"epochs": [1, 2, 4], "alpha": [0.0001, 0.01], "learning_rate": [0.01, 0.1, 1], "batch_size": [16]},
             "search": {"mode": "grid"}, "run": {"seed": 1, "output": "out", "models_per_unit": 9, "schedule": "dynamic"}},
  "best": {"trial": 13, "epochs": 4, "alpha": 0.0001, "learning_rate": 0.1, "batch_size": 16, "val_cost": 1.1,
           "val_cross_entropy": 1.0, "val_accuracy": 0.5},
  "test": {"cross_entropy": 0.4321, "accuracy": 0.875},
  "confusion_matrix": [
    [5, 1, 0],
    [0, 7, 1],
    [1, 0, 9]],
  "final_trained_ahead": false,
  "peak_memory_mb": [12.5, 11.0],
  "seconds": {"configure": 0.01, "load": 0.02, "sweep": 1.5, "final": 0.3, "total": 1.83}
}
)";

RunRecords grid_records() {
    RunRecords records;
    records.directory = "runs/example";
    records.trials = full_grid();
    records.summary = parse_json(kSummary);
    return records;
}

}  // namespace

TEST_CASE("parse_json reads nested objects, arrays, strings, numbers and literals", "[report]") {
    const JsonValue doc = parse_json(R"({"a": {"b": [1, 2.5e-3, -4]}, "s": "x\"y\\n", "t": true, "f": false, "n": null})");
    REQUIRE(doc.at_path({"a", "b"}) != nullptr);
    const JsonValue& b = *doc.at_path({"a", "b"});
    REQUIRE(b.items.size() == 3);
    CHECK(b.items[1].number == 2.5e-3);
    CHECK(b.items[2].number == -4);
    CHECK(doc.find("s")->string == "x\"y\\n");
    CHECK(doc.find("t")->boolean);
    CHECK_FALSE(doc.find("f")->boolean);
    CHECK(doc.find("n")->kind == JsonValue::Kind::null);
    CHECK(doc.at_path({"a", "missing"}) == nullptr);
    CHECK_THROWS_WITH(parse_json("{\"a\": }"), Contains("offset 6"));
    CHECK_THROWS(parse_json("{\"a\": 1} x"));
    CHECK_THROWS(parse_json("[1, 2"));
    const JsonValue summary = parse_json(kSummary);
    CHECK(summary.at_path({"confusion_matrix"})->items.size() == 3);
}

TEST_CASE("trials.csv reads back what format_trials_csv writes, by column name", "[report]") {
    std::vector<TrialResult> trials = full_grid();
    trials[3] = trial(3, 1, 1e-2, 1.0, 16, std::nan(""), TrialStatus::diverged);
    trials[5].seconds = 1.25;
    trials[5].rank = 3;
    const std::vector<TrialResult> back = parse_trials_csv(format_trials_csv(trials));
    REQUIRE(back.size() == trials.size());
    for (std::size_t i = 0; i < trials.size(); ++i) CHECK(back[i] == trials[i]);

    // Columns it does not know (a later fold or rung, say) are skipped; missing ones are named.
    const std::string extra = "fold,trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,status\n"
                              "2,7,3,0.5,0.1,8,1.5,1.4,0.25,ok\n";
    const std::vector<TrialResult> read = parse_trials_csv(extra);
    REQUIRE(read.size() == 1);
    CHECK(read[0].trial == 7);
    CHECK(read[0].hyper.batch_size == 8);
    CHECK(read[0].val_cost == 1.5);
    CHECK_THROWS_WITH(parse_trials_csv("trial,epochs\n1,2\n"), Contains("no column 'alpha'"));
    CHECK_THROWS_WITH(parse_trials_csv(std::string(kTrialsCsvHeader) + "\n1,2,3\n"), Contains("line 2"));
}

TEST_CASE("k-fold's val_cost_std, halving's rung and folds.csv are read; rungs are summarised", "[report]") {
    // 3 configurations at rung 0 (1 epoch), the best 2 continued to rung 1 (3 epochs), 1 of them to rung 2.
    std::vector<TrialResult> trials = {trial(0, 1, 0.1, 0.1, 8, 0.9), trial(1, 1, 0.2, 0.1, 8, 0.7), trial(2, 1, 0.3, 0.1, 8, 0.8),
                                       trial(4, 3, 0.2, 0.1, 8, 0.5), trial(5, 3, 0.3, 0.1, 8, 0.6), trial(7, 9, 0.2, 0.1, 8, 0.45)};
    trials[1].val_cost_std = 0.125;
    TrialsCsvExtras extras;
    extras.val_cost_std = true;
    extras.rung_epochs = {1, 3, 9};
    TrialsCsvOptional optional;
    const std::vector<TrialResult> back = parse_trials_csv(format_trials_csv(trials, extras), &optional);
    REQUIRE(back.size() == trials.size());
    for (std::size_t i = 0; i < trials.size(); ++i) CHECK(back[i] == trials[i]);
    CHECK(optional.val_cost_std);
    CHECK(optional.rungs == std::vector<int>{0, 0, 0, 1, 1, 2});
    TrialsCsvOptional none;
    parse_trials_csv(format_trials_csv(trials), &none);
    CHECK(!none.val_cost_std);
    CHECK(none.rungs.empty());

    const std::vector<RungSummary> rungs = rung_summaries(back, optional.rungs);
    REQUIRE(rungs.size() == 3);
    CHECK((rungs[0].epochs == 1 && rungs[0].trained == 3 && rungs[0].promoted == 2 && rungs[0].best == std::size_t{1}));
    CHECK((rungs[1].epochs == 3 && rungs[1].trained == 2 && rungs[1].promoted == 1 && rungs[1].best == std::size_t{3}));
    CHECK((rungs[2].epochs == 9 && rungs[2].trained == 1 && rungs[2].promoted == 0 && rungs[2].best == std::size_t{5}));
    CHECK(rung_summaries(back, {}).empty());

    const std::vector<TrialResult> folds = parse_folds_csv(
        "trial,fold,val_cost,val_cross_entropy,val_accuracy\n1,1,0.8,0.7,0.5\n1,0,0.6,0.5,0.75\n2,0,0.9,0.9,0.25\n");
    const std::vector<const TrialResult*> of_one = folds_of(folds, 1);
    REQUIRE(of_one.size() == 2);
    CHECK((of_one[0]->fold == 0 && of_one[0]->val_cost == 0.6 && of_one[1]->fold == 1 && of_one[1]->val_accuracy == 0.5));
    CHECK_THROWS_WITH(parse_folds_csv("trial,fold,val_cost,val_cross_entropy,val_accuracy\n1,-1,0,0,0\n"), Contains("line 2"));

    // The page: a Rungs table for halving, a std column and per-fold costs for k-fold; neither otherwise.
    RunRecords records = grid_records();
    const std::string plain = format_html_report(records);
    CHECK_THAT(plain, !Contains("<h2>Rungs</h2>") && !Contains("Spread over folds") && !Contains("std over folds"));
    records.trials = back;
    records.rungs = optional.rungs;
    records.has_val_cost_std = true;
    records.folds = folds;
    const std::string page = format_html_report(records);
    CHECK_THAT(page, Contains("<tr><td>0</td><td>1</td><td>3</td><td>2</td><td>0.700000</td><td>1</td></tr>"));
    CHECK_THAT(page, Contains("successive halving"));
    CHECK_THAT(page, Contains("<th>&plusmn; std over folds</th>"));
    CHECK_THAT(page, Contains("<tr><td>1</td><td>0.600000</td><td>0.800000</td><td>0.700000</td><td>0.125000</td></tr>"));
}

TEST_CASE("legs.csv gives each rank's spans; bad rows are named", "[report]") {
    const std::vector<LegSpan> legs = parse_legs_csv(
        "rank,leg,unit,kind,start_seconds,end_seconds\n0,0,0,leg,0.5,2\n1,1,0,leg,0,3\n0,,,final,2,3.5\n");
    REQUIRE(legs.size() == 3);
    CHECK(legs[2].final_model);
    CHECK(legs[2].leg == -1);
    CHECK(legs[1].end == 3);
    CHECK_THROWS_WITH(parse_legs_csv("rank,leg,unit,kind,start_seconds,end_seconds\n0,0,0,idle,0,1\n"),
                      Contains("line 2") && Contains("kind 'idle'"));
    CHECK_THROWS_WITH(parse_legs_csv("rank,leg,unit,kind,start_seconds,end_seconds\n0,0,0,leg,2,1\n"), Contains("line 2"));

    const Balance balance = timeline_balance(legs);
    CHECK(balance.span == 3.5);
    REQUIRE(balance.busy.size() == 2);
    CHECK(balance.busy[0] == Approx(3.0).epsilon(1e-12));
    CHECK(balance.busy[1] == Approx(3.0).epsilon(1e-12));
    CHECK(balance.efficiency == Approx(3.0 / 3.5).epsilon(1e-12));
    CHECK(balance.balance == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("Axes spread over decades in even ratios are drawn on a log scale", "[report]") {
    CHECK(log_spaced({1e-4, 1e-3, 1e-2, 1e-1}, false));
    CHECK(log_spaced({0.01, 0.1}, false));
    CHECK(log_spaced({1, 2, 4, 8, 16, 32, 64, 128, 256}, false));
    CHECK_FALSE(log_spaced({1, 2, 3, 4}, false));
    CHECK_FALSE(log_spaced({10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, false));
    CHECK_FALSE(log_spaced({0, 0.1, 1}, false));
    CHECK(log_spaced({0.5, 0.6}, true));  // declared as a log range
    CHECK_FALSE(log_spaced({-1, 1}, true));
}

TEST_CASE("On a full grid the variance shares are functional ANOVA's, exactly", "[report]") {
    const std::vector<TrialResult> trials = full_grid();
    const bool no_log[kReportAxes] = {};
    const std::vector<ReportAxis> axes = varying_axes(trials, no_log, 24);
    REQUIRE(axes.size() == 3);  // batch_size does not vary
    CHECK(axes[1].log);         // alpha: 1e-4, 1e-2
    const std::optional<Importance> shares = variance_shares(trials, *analysis_costs(trials), axes);
    REQUIRE(shares.has_value());
    CHECK(shares->exact);
    const std::map<std::string, double> expected = anova_by_definition();
    double sum = shares->rest;
    REQUIRE(shares->effects.size() == expected.size());
    for (const auto& [name, share] : shares->effects) {
        INFO(name);
        REQUIRE(expected.count(name) == 1);
        CHECK(share == Approx(expected.at(name)).margin(1e-12));
        sum += share;
    }
    CHECK(sum == Approx(1.0).epsilon(1e-12));
    CHECK(expected.at("alpha \u00d7 learning_rate") > 0.001);  // the fixture does have interactions

    SECTION("a grid with a trial missing is only estimated") {
        std::vector<TrialResult> partial = trials;
        partial.pop_back();
        const std::optional<Importance> estimate = variance_shares(partial, *analysis_costs(partial), varying_axes(partial, no_log, 24));
        REQUIRE(estimate.has_value());
        CHECK_FALSE(estimate->exact);
    }
    SECTION("range axes are binned and estimated") {
        hypergrid::testing::TestRandom random(3);
        std::vector<TrialResult> sampled;
        for (std::int64_t t = 0; t < 400; ++t) {
            const double rate = std::pow(10.0, random.uniform(-3, 0));
            sampled.push_back(trial(t, 1 + static_cast<int>(random.below(5)), 1e-4, rate, 16, 1 + std::abs(std::log10(rate) + 1.5)));
        }
        const bool log_rate[kReportAxes] = {false, false, true, false};
        const std::vector<ReportAxis> sampled_axes = varying_axes(sampled, log_rate, 10);
        REQUIRE(sampled_axes.size() == 2);
        CHECK(sampled_axes[0].discrete);   // epochs: 5 values
        CHECK_FALSE(sampled_axes[1].discrete);
        const std::optional<Importance> estimate = variance_shares(sampled, *analysis_costs(sampled), sampled_axes);
        REQUIRE(estimate.has_value());
        CHECK_FALSE(estimate->exact);
        CHECK(estimate->effects[1].first == "learning_rate");
        CHECK(estimate->effects[1].second > 0.9);  // the cost depends on the rate alone
        CHECK(estimate->effects[0].second < 0.05);
    }
}

TEST_CASE("Diverged trials count at the worst finite cost; curves and the top skip them", "[report]") {
    std::vector<TrialResult> trials = full_grid();
    trials[17] = trial(17, 4, 1e-2, 1.0, 16, std::nan(""), TrialStatus::diverged);
    const std::vector<double> costs = *analysis_costs(trials);
    double worst = 0;
    for (std::size_t i = 0; i < 17; ++i) worst = std::max(worst, trials[i].val_cost);
    CHECK(costs[17] == worst);

    const std::vector<std::size_t> top = top_trials(trials, 10);
    REQUIRE(top.size() == 10);
    for (std::size_t k = 1; k < top.size(); ++k) CHECK(trials[top[k - 1]].val_cost <= trials[top[k]].val_cost);
    CHECK(trials[top[0]].val_cost == *std::min_element(costs.begin(), costs.end()));

    const std::vector<LearningCurve> curves = best_learning_curves(trials, 3);
    REQUIRE(curves.size() == 3);
    CHECK(curves[0].points.size() == 3);  // epochs 1, 2, 4
    CHECK(curves[0].points[0].first == 1);
    CHECK(curves[0].points[2].first == 4);
    CHECK(curves[0].best == trials[top[0]].val_cost);
    CHECK(curves[0].best <= curves[1].best);
    for (const LearningCurve& curve : curves) CHECK((curve.hyper.alpha != 1e-2 || curve.hyper.learning_rate != 1.0 || curve.points.size() == 2));
}

TEST_CASE("curves.csv reads back; its every-epoch points draw the best tracks' curves", "[report]") {
    // Every (alpha, rate) track of the grid at epochs 1..4 (k-fold: two folds), the cost falling with the epochs.
    const auto curve_cost = [](std::size_t a, std::size_t l, int epoch, int fold) {
        return grid_cost(0, a, l) + 0.5 / epoch + 0.125 * fold;
    };
    const int folds = GENERATE(1, 2);
    INFO(folds << " fold(s)");
    std::vector<CurvePoint> points;
    for (int epoch = 4; epoch >= 1; --epoch)  // out of order: the reader sorts nothing, the analysis does
        for (std::size_t a = 0; a < kAlphas.size(); ++a)
            for (std::size_t l = 0; l < kRates.size(); ++l)
                for (int fold = 0; fold < folds; ++fold)
                    points.push_back({kAlphas[a], kRates[l], 16, folds > 1 ? fold : -1, epoch, curve_cost(a, l, epoch, fold),
                                      curve_cost(a, l, epoch, fold) - 0.01, 0.5});
    if (folds > 1) points.pop_back();  // the last track's fold 1 never reached epoch 1: that epoch is left out
    const std::vector<CurvePoint> read = parse_curves_csv(format_curves_csv(points));
    CHECK(read == distinct_curve_points(points));
    CHECK(read.size() == points.size());

    const std::vector<TrialResult> trials = full_grid();
    const std::vector<LearningCurve> checkpoints = best_learning_curves(trials, 3);
    const std::vector<LearningCurve> every = best_learning_curves(trials, 3, &read);
    REQUIRE(every.size() == 3);
    for (std::size_t k = 0; k < every.size(); ++k) {  // the same tracks, ranked by their best trial
        INFO("curve " << k);
        CHECK(every[k].hyper.alpha == checkpoints[k].hyper.alpha);
        CHECK(every[k].hyper.learning_rate == checkpoints[k].hyper.learning_rate);
        CHECK(every[k].hyper.epochs == checkpoints[k].hyper.epochs);
        CHECK(every[k].best == checkpoints[k].best);
        const std::size_t a = every[k].hyper.alpha == kAlphas[0] ? 0 : 1;
        const std::size_t l = std::find(kRates.begin(), kRates.end(), every[k].hyper.learning_rate) - kRates.begin();
        REQUIRE(every[k].points.size() == 4);
        for (int epoch = 1; epoch <= 4; ++epoch) {
            const double mean = folds > 1 ? (curve_cost(a, l, epoch, 0) + curve_cost(a, l, epoch, 1)) / 2 : curve_cost(a, l, epoch, 0);
            CHECK(every[k].points[static_cast<std::size_t>(epoch - 1)] == std::pair<int, double>{epoch, mean});
        }
    }
    if (folds > 1) {  // the track missing a fold at epoch 1 is drawn from epoch 2
        const std::vector<LearningCurve> all = best_learning_curves(trials, 6, &read);
        const auto last = std::find_if(all.begin(), all.end(), [](const LearningCurve& c) {
            return c.hyper.alpha == kAlphas.back() && c.hyper.learning_rate == kRates.back();
        });
        REQUIRE(last != all.end());
        CHECK(last->points.front().first == 2);
    }
    CHECK_THROWS_WITH(parse_curves_csv(csv_header<CurvePoint>() + "\n0.1,0.1,8,-1,0,1,1,0.5\n"),
                      Contains("line 2: epoch 0, expected >= 1"));
    CHECK_THROWS_WITH(parse_curves_csv("alpha,epoch\n0.1,1\n"), Contains("no column 'learning_rate'"));
}

TEST_CASE("The page draws every epoch from curves.csv, the checkpoints otherwise, and says which", "[report]") {
    RunRecords records = grid_records();
    std::string page = format_html_report(records);
    CHECK_THAT(page, Contains("from the checkpoints the sweep evaluated each model at"));
    CHECK_THAT(page, Contains("<code>[run] curves = true</code> records every epoch"));

    records.curve.emplace();
    for (const TrialResult& r : records.trials)
        for (int epoch = 1; epoch <= 5 && r.hyper.epochs == 1; ++epoch)  // once per track
            records.curve->push_back({r.hyper.alpha, r.hyper.learning_rate, r.hyper.batch_size, -1, epoch, 2.0 - 0.1 * epoch, 1, 0.5});
    page = format_html_report(records);
    const std::string section = page.substr(page.find("<h2>Learning curves</h2>"));
    CHECK_THAT(section, Contains("after every epoch (curves.csv"));
    const std::size_t at = section.find("points=\"") + 8;
    const std::string line = section.substr(at, section.find('"', at) - at);
    CHECK(std::count(line.begin(), line.end(), ',') == 5);  // epochs 1..5: x,y pairs

    records.curve->clear();
    CHECK_THAT(format_html_report(records), Contains("No configuration has two or more epochs in curves.csv yet"));
}

TEST_CASE("The data card shows the examples and shape of summary.json's data", "[report]") {
    RunRecords records = grid_records();
    std::string page = format_html_report(records);
    CHECK(page.find("<dt>examples</dt>") == std::string::npos);  // an older summary has no counts
    records.weights_shape = {784, 10};
    CHECK_THAT(format_html_report(records), Contains("<dt>shape</dt><dd>784 features, 10 classes</dd>"));

    std::string summary = kSummary;
    summary.insert(summary.find("\"best\""), "\"data\": {\"train_examples\": 450, \"validation_examples\": 150, "
                                              "\"test_examples\": 16, \"features\": 8, \"classes\": 3},\n  ");
    records.summary = parse_json(summary);
    page = format_html_report(records);
    CHECK_THAT(page, Contains("<dt>examples</dt><dd>450 train, 150 validation, 16 test</dd>"));
    CHECK_THAT(page, Contains("<dt>shape</dt><dd>8 features, 3 classes</dd>"));

    summary.replace(summary.find("\"validation_examples\": 150"), 26, "\"validation_examples\": null");
    records.summary = parse_json(summary);
    CHECK_THAT(format_html_report(records), Contains("<dt>examples</dt><dd>450 train in the folds, 16 test</dd>"));
}

TEST_CASE("The page has every section, a timeline only when legs are recorded", "[report]") {
    RunRecords records = grid_records();
    std::string page = format_html_report(records);
    for (const char* heading : {"Validation cost against each axis", "Best validation cost over pairs of axes",
                                "Learning curves", "Which axes matter", "Confusion matrix", "Ranks' timeline",
                                "The best 10 trials"})
        CHECK_THAT(page, Contains(heading));
    CHECK_THAT(page, Contains("Exact functional-ANOVA"));
    CHECK_THAT(page, Contains("No timeline recorded"));
    CHECK_THAT(page, Contains("87.50% accuracy"));
    CHECK_THAT(page, Contains("83.3%"));  // class 0: 5 of 6
    CHECK_THAT(page, Contains("90.0%"));  // class 2: 9 of 10
    CHECK_THAT(page, Contains("9.9.9"));
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page == format_html_report(records));  // no clock, no randomness

    records.legs = parse_legs_csv("rank,leg,unit,kind,start_seconds,end_seconds\n0,0,0,leg,0,2\n1,1,1,leg,0,1\n0,-1,-1,final,2,3\n");
    page = format_html_report(records);
    CHECK(page.find("No timeline recorded") == std::string::npos);
    CHECK_THAT(page, Contains("rank 1: leg 1 of unit 1"));
    CHECK_THAT(page, Contains("busy 66.7% of the sweep"));  // (3 + 1) / 2 over 3 s
    CHECK_THAT(page, Contains("predicts): <b>66.7%</b>"));   // mean 2 over max 3

    SECTION("a stopped sweep says what is done") {
        records.summary = parse_json(std::string(kSummary).replace(std::string(kSummary).find("\"complete\": true"), 16, "\"complete\": false"));
        const std::string stopped = format_html_report(records);
        CHECK_THAT(stopped, Contains("What is done so far"));
        CHECK_THAT(stopped, Contains("--resume"));
    }
}

TEST_CASE("A page is drawn for no trials, one trial, or only diverged ones", "[report]") {
    RunRecords records = grid_records();
    records.trials.clear();
    CHECK_THAT(format_html_report(records), Contains("No trial has a finite validation cost yet"));
    records.trials = {trial(0, 1, 0.1, 0.1, 8, 0.5)};
    std::string page = format_html_report(records);
    CHECK_THAT(page, Contains("Every trial has the same hyperparameters"));
    CHECK_THAT(page, Contains("No axis varies"));
    records.trials = {trial(0, 1, 0.1, 0.1, 8, std::nan(""), TrialStatus::diverged),
                      trial(1, 2, 0.1, 0.1, 8, std::nan(""), TrialStatus::diverged)};
    page = format_html_report(records);
    CHECK_THAT(page, Contains("No trial has a finite validation cost yet"));
    CHECK_THAT(page, Contains("<dt>diverged</dt><dd>2</dd>"));
}

TEST_CASE("The report of 10^6 random-search trials stays under 2 MB", "[report]") {
    RunRecords records;
    records.directory = "big";
    std::string summary = kSummary;
    summary.replace(summary.find("\"search\": {\"mode\": \"grid\"}"), 26,
                    R"("search": {"mode": "random", "samples": 1000000, "ranges": {"alpha": {"start": 1e-6, "stop": 1, "scale": "log"}, "learning_rate": {"start": 0.001, "stop": 1, "scale": "log"}}})");
    records.summary = parse_json(summary);
    hypergrid::testing::TestRandom random(11);
    records.trials.reserve(1000000);
    for (std::int64_t t = 0; t < 1000000; ++t) {
        const double alpha = std::pow(10.0, random.uniform(-6, 0)), rate = std::pow(10.0, random.uniform(-3, 0));
        const int epochs = 1 + static_cast<int>(random.below(20));
        records.trials.push_back(trial(t, epochs, alpha, rate, 1 << (4 + random.below(4)),
                                       0.3 + alpha + std::abs(std::log10(rate) + 1) / epochs + 0.05 * random.uniform()));
    }
    std::string legs = "rank,leg,unit,kind,start_seconds,end_seconds\n";
    for (int rank = 0; rank < 64; ++rank)
        for (int k = 0; k < 2000; ++k)
            legs += std::to_string(rank) + "," + std::to_string(k) + "," + std::to_string(k) + ",leg," +
                    std::to_string(k * 0.5) + "," + std::to_string(k * 0.5 + 0.49) + "\n";
    records.legs = parse_legs_csv(legs);
    const std::string page = format_html_report(records);
    INFO("report of " << page.size() << " bytes");
    CHECK(page.size() < 2000000);
    CHECK_THAT(page, Contains("<b>Estimate</b>"));
    CHECK_THAT(page, Contains("1000000 trials"));
}

TEST_CASE("The report of a 32^4 grid (10^6 trials) is exact and stays under 2 MB", "[report]") {
    RunRecords records = grid_records();
    records.directory = "grid";
    records.trials.clear();
    records.trials.reserve(1 << 20);
    for (int e = 0; e < 32; ++e)
        for (int a = 0; a < 32; ++a)
            for (int l = 0; l < 32; ++l)
                for (int b = 0; b < 32; ++b) {
                    const double alpha = std::pow(10.0, -6 + a * 0.15), rate = std::pow(10.0, -3 + l * 0.09);
                    records.trials.push_back(trial(static_cast<std::int64_t>(records.trials.size()), 1 + e, alpha, rate, 8 + 8 * b,
                                                   0.3 + alpha + std::abs(std::log10(rate) + 1) / (1 + e) + 0.001 * b));
                }
    const std::string page = format_html_report(records);
    INFO("report of " << page.size() << " bytes");
    CHECK(page.size() < 2000000);
    CHECK_THAT(page, Contains("Exact functional-ANOVA"));
    CHECK_THAT(page, Contains("1048576 trials"));
}
