// Tests for TrialResult (equality, Boost.Serialization round trips without MPI), trials.csv, and the
// locale-independent number and string formatting of text_format.hpp.

#include "hypergrid/results.hpp"
#include "hypergrid/text_format.hpp"

#include <catch2/catch.hpp>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/math/special_functions/nonfinite_num_facets.hpp>
#include <boost/serialization/vector.hpp>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <locale>
#include <sstream>
#include <string>
#include <vector>

using namespace hypergrid;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TrialResult finished_record() {
    TrialResult r;
    r.trial = 0;
    r.hyper = {10, 0.001, 0.1, 32};
    r.val_cost = 0.25;
    r.val_cross_entropy = 0.125;
    r.val_accuracy = 2.0 / 3.0;
    r.status = TrialStatus::ok;
    r.seconds = 1.5;
    r.rank = 0;
    return r;
}

TrialResult diverged_record() {
    TrialResult r;
    r.trial = 17;
    r.hyper = {5, 0.0, 10.0, 1};
    r.val_cost = kNan;
    r.val_cross_entropy = kNan;
    r.val_accuracy = 0.1;
    r.status = TrialStatus::diverged;
    r.seconds = 12.34567;
    r.rank = 3;
    return r;
}

/// Awkward but finite values: none has a short decimal form.
TrialResult awkward_record() {
    TrialResult r;
    r.trial = 1234567890123;
    r.hyper = {1000, 1.0 / 3.0, 0.1 + 0.2, 2147483647};
    r.val_cost = 1e300;
    r.val_cross_entropy = DBL_MIN;
    r.val_accuracy = 0.7;
    r.seconds = 5e-324;
    r.rank = 63;
    return r;
}

template <class OArchive, class IArchive>
std::vector<TrialResult> round_trip(const std::vector<TrialResult>& records, std::stringstream& stream) {
    {
        OArchive out(stream);
        out << records;
    }
    std::vector<TrialResult> back;
    IArchive in(stream);
    in >> back;
    return back;
}

/// A stream that writes and reads "nan" and "inf": Boost's documented way to put non-finite
/// values in text archives (the default facets cannot read them back).
std::stringstream nonfinite_stream() {
    std::stringstream stream;
    std::locale with_put(std::locale::classic(), new boost::math::nonfinite_num_put<char>);
    stream.imbue(std::locale(with_put, new boost::math::nonfinite_num_get<char>));
    return stream;
}

double read_double(const std::string& text) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    REQUIRE(end == text.c_str() + text.size());  // the whole text is the number
    return value;
}

}  // namespace

TEST_CASE("TrialResult equality compares every field and NaN metrics by their text", "[results]") {
    CHECK(finished_record() == finished_record());
    CHECK(diverged_record() == diverged_record());  // NaN != NaN as doubles, but equal as records
    CHECK(diverged_record() != finished_record());

    const std::vector<std::function<void(TrialResult&)>> changes{
        [](TrialResult& r) { r.trial += 1; },
        [](TrialResult& r) { r.hyper.epochs += 1; },
        [](TrialResult& r) { r.hyper.alpha = 0.002; },
        [](TrialResult& r) { r.hyper.learning_rate = 0.2; },
        [](TrialResult& r) { r.hyper.batch_size = 33; },
        [](TrialResult& r) { r.val_cost = kNan; },
        [](TrialResult& r) { r.val_cross_entropy = 0.126; },
        [](TrialResult& r) { r.val_accuracy = 0.5; },
        [](TrialResult& r) { r.status = TrialStatus::diverged; },
        [](TrialResult& r) { r.seconds = 1.25; },
        [](TrialResult& r) { r.rank = 1; },
    };
    for (std::size_t i = 0; i < changes.size(); ++i) {
        INFO("change " << i);
        TrialResult changed = finished_record();
        changes[i](changed);
        CHECK(changed != finished_record());
        CHECK_FALSE(changed == finished_record());
    }
}

TEST_CASE("TrialResult survives Boost serialization", "[results]") {
    const std::vector<TrialResult> records{finished_record(), diverged_record(), awkward_record()};

    SECTION("binary archive, including NaN metrics") {
        std::stringstream stream;
        const auto back = round_trip<boost::archive::binary_oarchive, boost::archive::binary_iarchive>(records, stream);
        REQUIRE(back.size() == records.size());
        for (std::size_t i = 0; i < records.size(); ++i) CHECK(back[i] == records[i]);
        CHECK(back[1].status == TrialStatus::diverged);
        CHECK(std::isnan(back[1].val_cost));
        CHECK(back[2].hyper.alpha == 1.0 / 3.0);  // bit-exact doubles
        CHECK(back[2].seconds == 5e-324);
    }
    SECTION("text archive of finite records is exact") {
        const std::vector<TrialResult> finite{finished_record(), awkward_record()};
        std::stringstream stream;
        const auto back = round_trip<boost::archive::text_oarchive, boost::archive::text_iarchive>(finite, stream);
        REQUIRE(back.size() == finite.size());
        for (std::size_t i = 0; i < finite.size(); ++i) CHECK(back[i] == finite[i]);
        CHECK(back[1].hyper.learning_rate == 0.1 + 0.2);
        CHECK(back[1].val_cost == 1e300);
    }
    SECTION("text archive with non-finite facets, including NaN and infinite metrics") {
        TrialResult infinite = diverged_record();
        infinite.val_cost = kInf;
        infinite.val_cross_entropy = -kInf;
        std::vector<TrialResult> with_nonfinite = records;
        with_nonfinite.push_back(infinite);
        std::stringstream stream = nonfinite_stream();
        const auto back = round_trip<boost::archive::text_oarchive, boost::archive::text_iarchive>(with_nonfinite, stream);
        REQUIRE(back.size() == with_nonfinite.size());
        for (std::size_t i = 0; i < with_nonfinite.size(); ++i) CHECK(back[i] == with_nonfinite[i]);
        CHECK(back[3].val_cost == kInf);
        CHECK(back[3].val_cross_entropy == -kInf);
    }
}

TEST_CASE("format_trials_csv writes the header and one exact row per record", "[results]") {
    const std::string header =
        "trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,status,seconds,rank";
    CHECK(std::string(kTrialsCsvHeader) == header);
    CHECK(format_trials_csv({}) == header + "\n");
    CHECK(format_trials_csv({finished_record(), diverged_record()}) ==
          header + "\n" +
          "0,10,0.001,0.1,32,0.25,0.125,0.6666666666666666,ok,1.5000,0\n"
          "17,5,0,10,1,nan,nan,0.1,diverged,12.3457,3\n");
    // Rows follow the order given, not trial order.
    CHECK(format_trials_csv({diverged_record(), finished_record()}) ==
          header + "\n" +
          "17,5,0,10,1,nan,nan,0.1,diverged,12.3457,3\n"
          "0,10,0.001,0.1,32,0.25,0.125,0.6666666666666666,ok,1.5000,0\n");
}

TEST_CASE("format_number writes the shortest text that reads back exactly", "[results]") {
    for (const double value : {0.1, 1e-4, 1.0 / 3.0, 1e300, -2.5, 0.1 + 0.2, 5e-324, DBL_MAX, DBL_MIN, 123456789.0,
                               -0.0, 0.0, 1e-7, 2.0 / 3.0}) {
        const std::string text = format_number(value);
        INFO(text);
        CHECK(read_double(text) == value);
        CHECK(text.find(',') == std::string::npos);  // never a decimal comma
    }
    CHECK(format_number(0.1) == "0.1");
    CHECK(format_number(1.0 / 3.0) == "0.3333333333333333");
    CHECK(format_number(0.1 + 0.2) == "0.30000000000000004");
    CHECK(format_number(0.0) == "0");
    CHECK(format_number(2.0) == "2");
    CHECK(format_number(kNan) == "nan");
    CHECK(format_number(-kNan) == "nan");
    CHECK(format_number(kInf) == "inf");
    CHECK(format_number(-kInf) == "-inf");
}

TEST_CASE("format_number gives the forms text_format.hpp documents", "[results]") {
    // The header's own examples: "0.0001", "0.4123456789012345".
    CHECK(format_number(0.0001) == "0.0001");
    CHECK(format_number(0.4123456789012345) == "0.4123456789012345");
}

TEST_CASE("format_fixed rounds to the given decimals", "[results]") {
    CHECK(format_fixed(1.25, 4) == "1.2500");
    CHECK(format_fixed(12.34567, 4) == "12.3457");
    CHECK(format_fixed(0.0, 1) == "0.0");
    CHECK(format_fixed(-3.0, 2) == "-3.00");
    CHECK(format_fixed(99.999, 1) == "100.0");
}

TEST_CASE("json_number and json_string", "[results]") {
    CHECK(json_number(kNan) == "null");
    CHECK(json_number(kInf) == "null");
    CHECK(json_number(-kInf) == "null");
    CHECK(json_number(0.5) == "0.5");
    CHECK(json_number(1.0 / 3.0) == "0.3333333333333333");

    CHECK(json_string("") == "\"\"");
    CHECK(json_string("plain text") == "\"plain text\"");
    CHECK(json_string("say \"hi\"") == "\"say \\\"hi\\\"\"");
    CHECK(json_string("C:\\data") == "\"C:\\\\data\"");
    CHECK(json_string("two\nlines") == "\"two\\nlines\"");
    CHECK(json_string("tab\there\r") == "\"tab\\there\\r\"");
    CHECK(json_string(std::string("a\x01z")) == "\"a\\u0001z\"");
    CHECK(json_string(std::string("\x1f")) == "\"\\u001f\"");
    CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // UTF-8 passes through untouched
}

namespace {

/// A record as a colleague would add one: each form below follows its field list alone.
struct ProbeRecord {
    std::int64_t id = 0;
    double score = 0;
    TrialStatus status = TrialStatus::ok;
    double seconds = 0;
    int fold = 0;

    template <class Self, class Visit>
    static void fields(Self& r, Visit&& field) {
        field("id", r.id);
        field("score", r.score);
        field("status", r.status, field_flags::bookkeeping);
        field("seconds", r.seconds, field_flags::bookkeeping | field_flags::timing);
        field("fold", r.fold);
    }
};

}  // namespace

TEST_CASE("record_fields derives every form from one field list", "[results]") {
    ProbeRecord r{7, kNan, TrialStatus::diverged, 2.5, 3};
    CHECK(csv_header<ProbeRecord>() == "id,score,status,seconds,fold");
    CHECK(csv_row(r) == "7,nan,diverged,2.5000,3");
    CHECK(json_object(r, JsonForm::exact) ==
          "{\"id\": 7, \"score\": \"nan\", \"status\": \"diverged\", \"seconds\": 2.5, \"fold\": 3}");
    CHECK(json_object(r, JsonForm::summary) == "{\"id\": 7, \"score\": null, \"fold\": 3}");

    const ProbeRecord back = record_from_json_fields<ProbeRecord>(parse_flat_json_object(json_object(r, JsonForm::exact)));
    CHECK(same_fields(back, r));
    CHECK(std::isnan(back.score));
    CHECK(back.fold == 3);
    ProbeRecord other = r;
    other.fold = 4;
    CHECK_FALSE(same_fields(other, r));

    std::ostringstream printed;
    print_fields(printed, r);
    CHECK(printed.str() == "id=7 score=nan status=diverged seconds=2.5 fold=3");

    auto fields = parse_flat_json_object(json_object(r, JsonForm::exact));
    fields.erase("fold");
    REQUIRE_THROWS_WITH(record_from_json_fields<ProbeRecord>(fields), "missing \"fold\"");
    fields["fold"] = "3.5";
    REQUIRE_THROWS_WITH(record_from_json_fields<ProbeRecord>(fields), "bad fold '3.5'");
    fields["fold"] = "99999999999";  // does not fit an int
    REQUIRE_THROWS_WITH(record_from_json_fields<ProbeRecord>(fields), "bad fold '99999999999'");
}

TEST_CASE("TrialResult's forms agree: CSV columns, JSON keys and the summary's subset", "[results]") {
    const TrialResult r = diverged_record();
    const auto journal = parse_flat_json_object(json_object(r, JsonForm::exact));
    const auto summary = parse_flat_json_object(json_object(r, JsonForm::summary));
    std::string keys;
    for (const char* name : {"trial", "epochs", "alpha", "learning_rate", "batch_size", "val_cost", "val_cross_entropy",
                             "val_accuracy", "status", "seconds", "rank"}) {
        keys += std::string(keys.empty() ? "" : ",") + name;
        CHECK(journal.count(name) == 1);
    }
    CHECK(keys == kTrialsCsvHeader);
    CHECK(journal.size() == 11);
    CHECK(summary.size() == 8);  // status, seconds and rank are bookkeeping
    CHECK(summary.count("rank") == 0);
    CHECK(record_from_json_fields<TrialResult>(journal) == r);
}
