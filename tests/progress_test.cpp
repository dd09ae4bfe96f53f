// Tests for SweepProgress: results arriving out of order are kept in trial order, the running best
// follows pick_best's rule (lowest cost, ties to the lowest id, diverged never), and one progress
// line is printed per trial unless the output is null.

#include "hypergrid/plan.hpp"
#include "hypergrid/progress.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace hypergrid;
using hypergrid::testing::make_result;
using Catch::Contains;
using Catch::StartsWith;

namespace {

// Seven trials: three tie at 0.4 (ids 0, 2, 4, 6), one worse, two diverged with "better" costs.
std::vector<TrialResult> sweep_records() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {make_result(0, 0.4), make_result(1, 0.6), make_result(2, 0.4),
            make_result(3, 0.2, TrialStatus::diverged), make_result(4, 0.4),
            make_result(5, nan, TrialStatus::diverged), make_result(6, 0.4)};
}

// The arrival order, in batches as add() receives them, and the best trial expected after each batch.
const std::vector<std::vector<std::int64_t>> kBatches{{1}, {4, 5}, {2}, {3, 0}, {6}};
const std::vector<std::int64_t> kBestAfterBatch{1, 4, 2, 0, 0};
// Per record in arrival order 1, 4, 5, 2, 3, 0, 6: the best after it.
const std::vector<std::int64_t> kBestAfterRecord{1, 4, 4, 2, 2, 0, 0};
const std::vector<std::int64_t> kArrival{1, 4, 5, 2, 3, 0, 6};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

/// Sends a standard stream into a string stream for its lifetime (restored even if a check throws).
class Redirect {
public:
    Redirect(std::ostream& stream, std::ostringstream& into) : stream_(stream), old_(stream.rdbuf(into.rdbuf())) {}
    ~Redirect() { stream_.rdbuf(old_); }
    Redirect(const Redirect&) = delete;
    Redirect& operator=(const Redirect&) = delete;

private:
    std::ostream& stream_;
    std::streambuf* old_;
};

/// Feeds the batches to `progress`, checking done() and best() after each one.
void feed(SweepProgress& progress) {
    const std::vector<TrialResult> records = sweep_records();
    std::vector<TrialResult> received;
    std::int64_t done = 0;
    for (std::size_t b = 0; b < kBatches.size(); ++b) {
        INFO("after batch " << b);
        std::vector<TrialResult> batch;
        for (const std::int64_t id : kBatches[b]) batch.push_back(records[static_cast<std::size_t>(id)]);
        progress.add(batch);
        received.insert(received.end(), batch.begin(), batch.end());
        done += static_cast<std::int64_t>(batch.size());
        CHECK(progress.done() == done);
        CHECK(progress.total() == 7);
        const std::optional<TrialResult> best = progress.best();
        REQUIRE(best.has_value());
        CHECK(best->trial == kBestAfterBatch[b]);
        const std::optional<std::size_t> rule = pick_best(received);  // the same rule over everything so far
        REQUIRE(rule.has_value());
        CHECK(*best == received[*rule]);
    }
}

}  // namespace

TEST_CASE("SweepProgress keeps results in trial order and the best by pick_best's rule", "[progress]") {
    std::ostringstream out;
    SweepProgress progress(7, &out);
    CHECK(progress.done() == 0);
    CHECK_FALSE(progress.best().has_value());
    feed(progress);

    const std::vector<TrialResult> records = sweep_records();
    REQUIRE(progress.results().size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) CHECK(progress.results()[i] == records[i]);
    CHECK(progress.best()->val_cost == 0.4);

    SECTION("one line per trial with its count and the best so far") {
        const std::vector<std::string> lines = lines_of(out.str());
        REQUIRE(lines.size() == 7);
        for (std::size_t k = 0; k < lines.size(); ++k) {
            INFO(lines[k]);
            CHECK_THAT(lines[k], StartsWith("[" + std::to_string(k + 1) + "/7]"));
            CHECK_THAT(lines[k], Contains("trial " + std::to_string(kArrival[k])));
            CHECK_THAT(lines[k], Contains("best trial " + std::to_string(kBestAfterRecord[k])));
        }
        CHECK_THAT(lines[2], Contains("diverged"));  // trial 5
        CHECK_THAT(lines[4], Contains("diverged"));  // trial 3
    }
}

TEST_CASE("SweepProgress has no best while every trial so far diverged", "[progress]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::ostringstream out;
    SweepProgress progress(3, &out);
    progress.add({make_result(2, nan, TrialStatus::diverged), make_result(0, 0.1, TrialStatus::diverged)});
    CHECK(progress.done() == 2);
    CHECK_FALSE(progress.best().has_value());
    progress.add({make_result(1, 5.0)});
    CHECK(progress.done() == 3);
    REQUIRE(progress.best().has_value());
    CHECK(progress.best()->trial == 1);

    const std::vector<std::string> lines = lines_of(out.str());
    REQUIRE(lines.size() == 3);
    CHECK_THAT(lines[0], StartsWith("[1/3]"));
    CHECK_THAT(lines[0], !Contains("best trial"));
    CHECK_THAT(lines[1], !Contains("best trial"));
    CHECK_THAT(lines[2], StartsWith("[3/3]"));
    CHECK_THAT(lines[2], Contains("best trial 1"));
}

TEST_CASE("SweepProgress with a null output is quiet", "[progress]") {
    const std::vector<TrialResult> records = sweep_records();
    std::ostringstream captured_out;
    std::ostringstream captured_err;
    SweepProgress progress(7, nullptr);
    {
        const Redirect out(std::cout, captured_out);
        const Redirect err(std::cerr, captured_err);
        for (const std::vector<std::int64_t>& ids : kBatches) {  // no checks here: they would print
            std::vector<TrialResult> batch;
            for (const std::int64_t id : ids) batch.push_back(records[static_cast<std::size_t>(id)]);
            progress.add(batch);
        }
    }
    CHECK(captured_out.str().empty());
    CHECK(captured_err.str().empty());
    CHECK(progress.done() == 7);
    REQUIRE(progress.best().has_value());
    CHECK(progress.best()->trial == 0);
    for (std::size_t i = 0; i < records.size(); ++i) CHECK(progress.results()[i] == records[i]);
}
