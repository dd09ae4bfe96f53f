// Tests for SweepProgress: results arriving out of order are kept in trial order, the running best
// follows pick_best's rule (lowest cost, ties to the lowest id, diverged never), and one progress
// line is printed per trial unless the output is null; and the display scales: a bar on a terminal,
// a throttled log for large sweeps (a 10^6-trial sweep's log under 1 MB), chosen by --progress.

#include "hypergrid/errors.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/progress.hpp"
#include "support/synthetic.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
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

TEST_CASE("The progress display follows --progress, the terminal and the sweep's size", "[progress]") {
    CHECK(parse_progress_style("auto") == ProgressStyle::automatic);
    CHECK(parse_progress_style("lines") == ProgressStyle::lines);
    CHECK(parse_progress_style("bar") == ProgressStyle::bar);
    CHECK(parse_progress_style("none") == ProgressStyle::none);
    CHECK_THROWS_AS(parse_progress_style("fancy"), InputError);
    CHECK_THROWS_WITH(parse_progress_style(""), Contains("--progress"));

    CHECK(choose_progress_display(ProgressStyle::automatic, true, 10) == ProgressDisplay::bar);
    CHECK(choose_progress_display(ProgressStyle::automatic, false, kLinePerTrialLimit) == ProgressDisplay::per_trial);
    CHECK(choose_progress_display(ProgressStyle::automatic, false, kLinePerTrialLimit + 1) == ProgressDisplay::throttled);
    CHECK(choose_progress_display(ProgressStyle::lines, true, 10) == ProgressDisplay::per_trial);
    CHECK(choose_progress_display(ProgressStyle::lines, true, 1000000) == ProgressDisplay::throttled);
    CHECK(choose_progress_display(ProgressStyle::bar, false, 10) == ProgressDisplay::bar);
    CHECK(choose_progress_display(ProgressStyle::none, true, 10) == ProgressDisplay::none);
    CHECK(SweepProgress(5, nullptr, ProgressStyle::bar, true).display() == ProgressDisplay::none);
}

namespace {

/// A clock the test moves by hand.
struct FakeClock {
    double now = 1000;
    SweepProgress::Clock clock() {
        return [this] { return now; };
    }
};

}  // namespace

TEST_CASE("A day-long 10^6-trial sweep in a log: throttled status, new bests, under 1 MB", "[progress]") {
    constexpr std::int64_t kTrials = 1000000;
    constexpr double kSecondsPerTrial = 0.0864;  // the whole sweep takes a day
    FakeClock time;
    std::ostringstream out;
    SweepProgress progress(kTrials, &out, ProgressStyle::automatic, false, time.clock());
    REQUIRE(progress.display() == ProgressDisplay::throttled);

    // Trials arrive in batches of 9 in a scrambled order, with random costs (the best improves
    // often early on, rarely later).
    hypergrid::testing::TestRandom random(7);
    std::vector<std::int64_t> order(kTrials);
    for (std::int64_t i = 0; i < kTrials; ++i) order[static_cast<std::size_t>(i)] = i;
    for (std::size_t i = order.size() - 1; i > 0; --i)
        std::swap(order[i], order[static_cast<std::size_t>(random.below(static_cast<std::int64_t>(i) + 1))]);
    double best_cost = 1e300;
    std::int64_t improvements = 0;
    for (std::size_t at = 0; at < order.size(); at += 9) {
        std::vector<TrialResult> batch;
        for (std::size_t k = at; k < std::min(order.size(), at + 9); ++k) {
            batch.push_back(make_result(order[k], random.uniform(0.2, 2.0)));
            if (batch.back().val_cost < best_cost) {
                best_cost = batch.back().val_cost;
                ++improvements;
            }
        }
        time.now += kSecondsPerTrial * static_cast<double>(batch.size());
        progress.add(batch);
    }
    progress.finish_display();

    const std::string log = out.str();
    INFO("log of " << log.size() << " bytes, " << improvements << " improvements");
    CHECK(log.size() < 1000000);
    const std::vector<std::string> lines = lines_of(log);
    std::int64_t status = 0, bests = 0;
    for (const std::string& line : lines) {
        if (line.find("new best: trial") != std::string::npos) ++bests;
        else if (line.find("trials/s") != std::string::npos) ++status;
        else FAIL("unexpected line: " << line);
    }
    // Every 10 s in the first hour (360 lines), then 360 per e-fold of the elapsed time: about
    // 360 (1 + ln 24) = 1504 over the day, plus the final one.
    CHECK(status >= 1400);
    CHECK(status <= 1600);
    CHECK(bests >= 1);
    CHECK(bests <= improvements);
    CHECK_THAT(lines.back(), StartsWith("[1000000/1000000 100.0%"));
    CHECK_THAT(lines.back(), Contains("best trial " + std::to_string(progress.best()->trial)));
    CHECK(progress.best()->val_cost == best_cost);
    CHECK(progress.done() == kTrials);
    CHECK(progress.results().size() == static_cast<std::size_t>(kTrials));  // every trial is kept
}

TEST_CASE("A throttled log reports a new best at once, but at most once a second", "[progress]") {
    FakeClock time;
    std::ostringstream out;
    SweepProgress progress(5000, &out, ProgressStyle::lines, false, time.clock());
    REQUIRE(progress.display() == ProgressDisplay::throttled);
    progress.add({make_result(10, 0.9)});
    CHECK_THAT(out.str(), Contains("[1/5000] new best: trial 10"));
    time.now += 0.5;
    progress.add({make_result(11, 0.5)});  // better, but within a second of the last best line
    CHECK(lines_of(out.str()).size() == 1);
    time.now += 0.6;
    progress.add({make_result(12, 0.7)});  // not better: nothing
    CHECK(lines_of(out.str()).size() == 1);
    progress.add({make_result(13, 0.4)});
    CHECK_THAT(lines_of(out.str()).back(), Contains("new best: trial 13"));
    time.now += 10;
    progress.add({make_result(14, 3.0)});
    CHECK_THAT(lines_of(out.str()).back(), StartsWith("[5/5000 0.1% |"));
    CHECK_THAT(lines_of(out.str()).back(), Contains("best trial 13 (0.400000)"));
    const std::size_t before = out.str().size();
    progress.finish_display();  // the last status was shown already
    CHECK(out.str().size() == before);
}

TEST_CASE("The bar redraws one line in place and ends it when the display finishes", "[progress]") {
    FakeClock time;
    std::ostringstream out;
    SweepProgress progress(50, &out, ProgressStyle::automatic, true, time.clock());
    REQUIRE(progress.display() == ProgressDisplay::bar);
    for (std::int64_t t = 0; t < 49; ++t) {
        time.now += 0.05;  // four trials per redraw interval
        progress.add({make_result(t, 1.0 + static_cast<double>(t % 7))});
    }
    std::string text = out.str();
    CHECK(text.find('\n') == std::string::npos);
    const auto redraws = std::count(text.begin(), text.end(), '\r');
    CHECK(redraws >= 10);
    CHECK(redraws <= 13);
    progress.finish_display();  // 49 of 50 shown? the last state is drawn, then the newline
    text = out.str();
    REQUIRE(text.back() == '\n');
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    const std::string last = text.substr(text.rfind('\r'));
    CHECK_THAT(last, StartsWith("\r[#########.] 49/50 98.0% "));
    CHECK_THAT(last, Contains("/s 2.4s eta 0.0"));  // 49 trials in 2.45 s: 20/s, 1 trial left
    CHECK_THAT(last, Contains("best 1.000000 (#0)"));
    CHECK(last.size() < 80);
}

TEST_CASE("--progress none prints nothing however large the sweep", "[progress]") {
    FakeClock time;
    std::ostringstream out;
    SweepProgress progress(3, &out, ProgressStyle::none, false, time.clock());
    progress.add({make_result(0, 1.0), make_result(1, 0.5)});
    time.now += 100;
    progress.add({make_result(2, 0.25)});
    progress.finish_display();
    CHECK(out.str().empty());
    CHECK(progress.best()->trial == 2);
}

TEST_CASE("Whether stdout is a terminal: as a launcher says, never assumed under Open MPI", "[progress]") {
    // Restores both variables whatever happens.
    struct Saved {
        const char* name;
        std::optional<std::string> value;
        explicit Saved(const char* n) : name(n) {
            if (const char* v = std::getenv(n)) value = v;
        }
        ~Saved() {
            if (value) ::setenv(name, value->c_str(), 1);
            else ::unsetenv(name);
        }
    } told("HYPERGRID_STDOUT_IS_TERMINAL"), open_mpi("OMPI_COMM_WORLD_SIZE");
    ::setenv("HYPERGRID_STDOUT_IS_TERMINAL", "1", 1);
    CHECK(stdout_is_terminal());
    ::setenv("HYPERGRID_STDOUT_IS_TERMINAL", "0", 1);
    CHECK_FALSE(stdout_is_terminal());
    ::unsetenv("HYPERGRID_STDOUT_IS_TERMINAL");
    ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    CHECK_FALSE(stdout_is_terminal());  // the rank's pseudo-terminal says nothing about mpirun's output
}
