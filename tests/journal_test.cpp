// Tests for the journal's fingerprint and header checks (the kill/resume behaviour is tested end to
// end by tests/scripts/test_resume.sh).

#include "hypergrid/errors.hpp"
#include "hypergrid/journal.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
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
