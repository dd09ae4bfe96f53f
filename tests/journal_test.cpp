// Tests for the journal: its fingerprint, header checks, torn and corrupt lines, and the lock against
// a second writer (the kill/resume behaviour is tested end to end by tests/scripts/test_resume.sh).

#include "hypergrid/config_fields.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/journal.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <sys/wait.h>
#include <unistd.h>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using namespace hypergrid;
using Catch::Matchers::Contains;
using hypergrid::testing::TempDir;

namespace {

std::string digest(const std::string& text, const std::vector<std::string>& parts) {
    std::vector<std::pair<const void*, std::size_t>> bytes;
    for (const std::string& part : parts) bytes.emplace_back(part.data(), part.size());
    return fingerprint(text, bytes);
}

TrialResult trial(std::int64_t id) {
    TrialResult r;
    r.trial = id;
    r.hyper = {int(id) + 1, 0.001 * double(id), 0.1, 8};
    r.val_cost = 0.5 + double(id);
    r.val_cross_entropy = 0.25;
    r.val_accuracy = 0.75;
    r.seconds = 1.25;
    r.rank = int(id % 3);
    return r;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const JournalHeader kHeader{"0123456789abcdef", 10, "0/1"};

/// A journal holding the header and trials 0, 1 and 2, one line each.
std::string journal_with_three(const std::filesystem::path& file) {
    {
        JournalWriter writer(file, kHeader);
        writer.append({trial(0), trial(1)});
        writer.append({trial(2)});
    }
    return read_text(file);
}

}  // namespace

TEST_CASE("fingerprint: 16 hex digits that change with any byte, its position or the split", "[journal]") {
    std::string data(1000, '\0');
    std::iota(data.begin(), data.end(), '\0');
    const std::string base = digest("settings", {data});
    CHECK(base.size() == 16);
    CHECK(base.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(digest("settings", {data}) == base);  // deterministic

    std::set<std::string> seen{base};
    // Every byte of every lane and of the tail counts (1000 bytes: 31 blocks of 32, then 8 and 0).
    for (const std::size_t at : {std::size_t{0}, std::size_t{8}, std::size_t{16}, std::size_t{24}, std::size_t{31},
                                 std::size_t{500}, std::size_t{991}, std::size_t{999}}) {
        std::string changed = data;
        changed[at] = static_cast<char>(changed[at] ^ 1);
        CHECK(seen.insert(digest("settings", {changed})).second);
    }
    std::string swapped = data;  // the same bytes, two words exchanged between lanes
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    CHECK(seen.insert(digest("settings", {swapped})).second);
    CHECK(seen.insert(digest("settingz", {data})).second);
    CHECK(seen.insert(digest("settings", {data.substr(0, 500), data.substr(500)})).second);
    CHECK(seen.insert(digest("settings", {data.substr(0, 501), data.substr(501)})).second);
    CHECK(seen.insert(digest("settings", {data, ""})).second);
}

TEST_CASE("read_journal refuses a journal of another format or sweep, naming the file", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    const JournalHeader header{digest("x", {"y"}), 10, "0/1"};
    { JournalWriter writer(file, header); }
    CHECK(read_journal(file, header).empty());

    JournalHeader other = header;
    other.fingerprint = digest("x", {"z"});
    REQUIRE_THROWS_AS(read_journal(file, other), InputError);
    REQUIRE_THROWS_WITH(read_journal(file, other), Contains(file.string() + ":1: journal of another sweep"));

    std::string text;
    {
        std::ifstream in(file);
        std::getline(in, text);
    }
    const std::string current = "\"format\": \"hypergrid-journal-3\"";
    REQUIRE(text.find(current) != std::string::npos);
    std::ofstream(file) << text.replace(text.find(current), current.size(), "\"format\": \"hypergrid-journal-2\"") << "\n";
    REQUIRE_THROWS_WITH(read_journal(file, header),
                        Contains(file.string() + ":1: a journal of format hypergrid-journal-2, this hypergrid's is "
                                                 "hypergrid-journal-3: finish that sweep with the hypergrid that started it"));
    std::ofstream(file) << "{\"format\": \"something-else\"}\n";
    REQUIRE_THROWS_WITH(read_journal(file, header), Contains(file.string() + ":1: corrupt journal line: not a hypergrid journal"));
}

TEST_CASE("read_journal drops a torn last line and cuts it from the file", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    const std::string whole = journal_with_three(file);
    REQUIRE(read_journal(file, kHeader) == std::vector<TrialResult>{trial(0), trial(1), trial(2)});
    const std::string line3 = trial_to_json(trial(3)) + "\n";

    SECTION("a line cut mid-write") {
        hypergrid::testing::write_bytes(file, whole + line3.substr(0, line3.size() / 2));
    }
    SECTION("a whole object whose newline was not written") {
        hypergrid::testing::write_bytes(file, whole + line3.substr(0, line3.size() - 1));
    }
    CHECK(read_journal(file, kHeader) == std::vector<TrialResult>{trial(0), trial(1), trial(2)});
    CHECK(read_text(file) == whole);  // cut back to the last complete line

    // Appending continues on a clean line.
    { JournalWriter(file, kHeader).append({trial(3)}); }
    CHECK(read_journal(file, kHeader) == std::vector<TrialResult>{trial(0), trial(1), trial(2), trial(3)});
}

TEST_CASE("read_journal refuses a corrupt line before the last, naming its line number", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    const std::string whole = journal_with_three(file);
    // Line 3 (trial 1) damaged in place; lines 1, 2 and 4 stay good.
    const std::size_t line3 = whole.find('\n', whole.find('\n') + 1) + 1;
    std::string damaged = whole;

    SECTION("cut short") { damaged.erase(line3 + 10, whole.find('\n', line3) - line3 - 10); }
    SECTION("a field missing") {
        const std::size_t rank = damaged.find(", \"rank\"", line3);
        damaged.erase(rank, damaged.find('}', rank) - rank);
    }
    SECTION("a trial id outside the search space") {
        damaged.replace(line3, std::string("{\"trial\": 1").size(), "{\"trial\": 10");
    }
    hypergrid::testing::write_bytes(file, damaged);
    REQUIRE_THROWS_AS(read_journal(file, kHeader), InputError);
    REQUIRE_THROWS_WITH(read_journal(file, kHeader), Contains(file.string() + ":3: corrupt journal line"));
    CHECK(read_text(file) == damaged);  // refused, not repaired
}

TEST_CASE("read_journal refuses a foreign header", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    const std::string whole = journal_with_three(file);
    const std::string trials = whole.substr(whole.find('\n') + 1);

    SECTION("another shard of the same sweep") {
        JournalHeader other = kHeader;
        other.shard = "1/2";
        REQUIRE_THROWS_WITH(read_journal(file, other), Contains(file.string() + ":1: journal of another sweep") &&
                                                            Contains("shard 0/1; this config, data and shard give "
                                                                     "0123456789abcdef, 1/2"));
    }
    SECTION("a file that is not a journal") {
        hypergrid::testing::write_bytes(file, "trial,epochs,alpha\n" + trials);
        REQUIRE_THROWS_WITH(read_journal(file, kHeader), Contains(file.string() + ":1: corrupt journal line"));
    }
    SECTION("a header without its fingerprint") {
        hypergrid::testing::write_bytes(file, "{\"format\": \"hypergrid-journal-3\", \"shard\": \"0/1\"}\n" + trials);
        REQUIRE_THROWS_WITH(read_journal(file, kHeader),
                            Contains(file.string() + ":1: corrupt journal line: missing \"fingerprint\""));
    }
    SECTION("trial lines with no header at all") {
        hypergrid::testing::write_bytes(file, trials);
        REQUIRE_THROWS_WITH(read_journal(file, kHeader), Contains(file.string() + ":1: corrupt journal line"));
    }
}

TEST_CASE("JournalWriter holds its lock against a second writer", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    const std::string in_use = file.string() + ": in use by another running hypergrid";
    {
        JournalWriter first(file, kHeader);
        first.append({trial(0)});

        // flock locks belong to the open file, so a second open in this process is refused like
        // another process would be.
        REQUIRE_THROWS_WITH(JournalWriter(file, kHeader), Contains(in_use));

        // And another process: a forked child tries, and reports by its exit status.
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            int status = 1;
            try {
                JournalWriter second(file, kHeader);
                second.append({trial(1)});
            } catch (const InputError& error) {
                status = std::string(error.what()).find(in_use) == 0 ? 0 : 2;
            } catch (...) {
                status = 3;
            }
            ::_exit(status);
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);  // 1: the child got the lock and wrote
        first.append({trial(2)});
    }
    // Nothing interleaved; once the first writer is gone the lock is free again.
    CHECK(read_journal(file, kHeader) == std::vector<TrialResult>{trial(0), trial(2)});
    { JournalWriter(file, kHeader).append({trial(3)}); }
    CHECK(read_journal(file, kHeader) == std::vector<TrialResult>{trial(0), trial(2), trial(3)});
}

TEST_CASE("journal_header fingerprints every setting that changes results, and nothing else", "[journal]") {
    RunConfig base;
    base.data.train.csv = "train.csv";
    base.data.test.csv = "test.csv";
    base.grid.epochs = {1, 2};
    base.grid.alpha = {0.0, 0.01};
    base.grid.learning_rate = {0.1};
    base.grid.batch_size = {8};
    const std::vector<std::uint64_t> digests{11, 22};
    const auto print = [&](const RunConfig& config) { return journal_header(config, digests, 4, 0, 1).fingerprint; };
    const std::string fingerprint = print(base);

    // A journal of the same sweep under another name, place or schedule still resumes.
    const std::vector<std::function<void(RunConfig&)>> same{
        [](RunConfig& c) { c.file = "elsewhere/config.toml"; },
        [](RunConfig& c) { c.data.train.csv = "copy/train.csv"; },  // the data counts by its digest
        [](RunConfig& c) { c.run.output = "other"; },
        [](RunConfig& c) { c.run.models_per_unit = 1; },
        [](RunConfig& c) { c.run.dynamic_schedule = false; },
        [](RunConfig& c) { c.run.curves = true; },  // the header says it instead (see below)
    };
    for (std::size_t i = 0; i < same.size(); ++i) {
        RunConfig changed = base;
        same[i](changed);
        INFO("same sweep " << i);
        CHECK(print(changed) == fingerprint);
    }
    // Every setting that changes a trial's numbers, or which trials exist, changes the fingerprint.
    const std::vector<std::function<void(RunConfig&)>> other{
        [](RunConfig& c) { c.data.scale = 255.0; },
        [](RunConfig& c) { c.data.validation_fraction = 0.25; },
        [](RunConfig& c) { c.data.limit_train = 100; },
        [](RunConfig& c) { c.data.limit_test = 100; },
        [](RunConfig& c) { c.run.seed = 2; },
        [](RunConfig& c) { c.grid.epochs = {2, 1}; },
        [](RunConfig& c) { c.grid.alpha.push_back(0.1); },
        [](RunConfig& c) { c.grid.learning_rate = {0.2}; },
        [](RunConfig& c) { c.grid.batch_size = {16}; },
        [](RunConfig& c) { c.grid.random = true; },
    };
    std::set<std::string> seen{fingerprint};
    for (std::size_t i = 0; i < other.size(); ++i) {
        RunConfig changed = base;
        other[i](changed);
        INFO("other sweep " << i);
        CHECK(seen.insert(print(changed)).second);
    }
    RunConfig random = base;
    random.grid.random = true;
    random.grid.samples = 5;
    for (const auto& change : std::vector<std::function<void(RunConfig&)>>{
             [](RunConfig& c) { c.grid.samples = 6; }, [](RunConfig& c) { c.grid.search_seed = 3; },
             [](RunConfig& c) { c.grid.ranges[1] = AxisRange{0.001, 0.1, true}; },
             [](RunConfig& c) { c.grid.ranges[1] = AxisRange{0.001, 0.1, false}; }}) {
        RunConfig changed = random;
        change(changed);
        CHECK(seen.insert(print(changed)).second);
    }
    CHECK(journal_header(base, {11, 23}, 4, 0, 1).fingerprint != fingerprint);  // other data

    // No setting is flagged config_flags::results yet: fingerprints are those of format 3.
    CHECK(results_settings_json(base).empty());
    CHECK(results_settings_json(random).empty());

    CHECK_FALSE(journal_header(base, digests, 4, 0, 1).curves);
    RunConfig curves = base;
    curves.run.curves = true;
    CHECK(journal_header(curves, digests, 4, 0, 1).curves);
}

TEST_CASE("Curve points: journaled before the trials after them, read back, refused across settings", "[journal]") {
    TempDir dir;
    const auto file = dir / "journal.jsonl";
    JournalHeader header = kHeader;
    header.curves = true;
    const CurvePoint first{0.001, 0.1, 8, -1, 1, 0.5, 0.25, 0.75}, second{0.001, 0.1, 8, -1, 2, 0.375, 0.25, 0.875};
    CHECK(curve_point_to_json(first) ==
          "{\"kind\": \"curve\", \"alpha\": 0.001, \"learning_rate\": 0.1, \"batch_size\": 8, \"fold\": -1, \"epoch\": 1, "
          "\"val_cost\": 0.5, \"val_cross_entropy\": 0.25, \"val_accuracy\": 0.75}");
    CHECK(curve_point_from_json(curve_point_to_json(second)) == second);
    CHECK_THROWS_WITH(curve_point_from_json(trial_to_json(trial(0))), Contains("not a curve point"));
    {
        JournalWriter writer(file, header);
        writer.append({}, {first});  // a point alone waits in memory
        CHECK(read_text(file).find("\"kind\"") == std::string::npos);
        writer.append({trial(0)}, {second});
    }
    const std::string text = read_text(file);
    INFO(text);
    CHECK(text.find("\"curves\": true}") < text.find('\n'));
    CHECK(text.find("\"epoch\": 1") < text.find("\"epoch\": 2"));  // the points in order, then the trial
    CHECK(text.find("\"epoch\": 2") < text.find("\"trial\": 0"));
    std::vector<CurvePoint> points;
    CHECK(read_journal(file, header, &points) == std::vector<TrialResult>{trial(0)});
    CHECK(points == std::vector<CurvePoint>{first, second});
    CHECK(read_journal(file, header) == std::vector<TrialResult>{trial(0)});  // points skipped when not asked for

    // A sweep resumes only with the curves setting it started with, either way round.
    REQUIRE_THROWS_WITH(read_journal(file, kHeader),
                        Contains(file.string() + ":1: this sweep started with [run] curves = true: resume it with that setting"));
    const auto plain = dir / "plain.jsonl";
    { JournalWriter(plain, kHeader).append({trial(0)}); }
    CHECK(read_text(plain).find("curves") == std::string::npos);  // the header format 3 always wrote
    REQUIRE_THROWS_WITH(read_journal(plain, header), Contains(plain.string() + ":1: this sweep started with [run] curves = false"));
}
