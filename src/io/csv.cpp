#include "hypergrid/io/csv.hpp"

#include "file_bytes.hpp"
#include "hypergrid/digest.hpp"
#include "hypergrid/errors.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>

namespace hypergrid::io {

namespace {

// A field or line as a view into the file buffer (no allocation while parsing).
struct Span {
    const char* begin;
    const char* end;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

Span trim(Span s) {
    while (s.begin < s.end && is_blank(*s.begin)) ++s.begin;
    while (s.end > s.begin && is_blank(s.end[-1])) --s.end;
    return s;
}

bool is_empty(Span line) {
    const Span trimmed = trim(line);
    return trimmed.begin == trimmed.end;
}

const char* find_char(Span s, char c) {
    const void* hit = std::memchr(s.begin, c, static_cast<std::size_t>(s.end - s.begin));
    return hit ? static_cast<const char*>(hit) : s.end;
}

std::int64_t count_fields(Span line) { return 1 + std::count(line.begin, line.end, ','); }

std::string quote(Span field) {
    return detail::quoted({field.begin, static_cast<std::size_t>(field.end - field.begin)});
}

enum class NumberStatus { ok, empty, not_a_number, not_finite, out_of_range };

// Parses a whole trimmed field as a finite double.
NumberStatus parse_number(Span field, double& value) {
    if (field.begin == field.end) return NumberStatus::empty;
    // Fast path for short unsigned integers (pixel values), which dominate typical files; exact in a double.
    if (field.end - field.begin <= 9) {
        std::int32_t integer = 0;
        const char* p = field.begin;
        while (p < field.end && *p >= '0' && *p <= '9') integer = integer * 10 + (*p++ - '0');
        if (p == field.end) {
            value = integer;
            return NumberStatus::ok;
        }
    }
    const char* start = field.begin;
    // from_chars rejects a leading '+' that strtod would accept; allow it, but not "+-1".
    if (*start == '+' && field.end - start > 1 && start[1] != '-') ++start;
    const auto [stop, error] = std::from_chars(start, field.end, value);
    if (error == std::errc::result_out_of_range) return NumberStatus::out_of_range;
    if (error != std::errc() || stop != field.end) return NumberStatus::not_a_number;
    if (!std::isfinite(value)) return NumberStatus::not_finite;
    return NumberStatus::ok;
}

class CsvReader {
public:
    CsvReader(const std::filesystem::path& file, std::int64_t unlabelled_fields)
        : file_(file), unlabelled_fields_(unlabelled_fields) {}

    CsvData read() {
        const detail::Bytes bytes = detail::read_file_bytes(file_);
        const auto* text = reinterpret_cast<const char*>(bytes.data());
        Span rest{text, text + bytes.size()};
        const char utf8_bom[] = "\xEF\xBB\xBF";  // written by some spreadsheet programs
        if (bytes.size() >= 3 && std::memcmp(text, utf8_bom, 3) == 0) rest.begin += 3;
        // Trailing blank lines (and a final newline) are not rows.
        while (rest.end > rest.begin && (is_blank(rest.end[-1]) || rest.end[-1] == '\n')) --rest.end;
        if (rest.begin == rest.end) detail::fail(file_, "empty file");

        const Span first = next_line(rest);
        if (is_empty(first)) fail_line("empty line");
        expected_fields_ = count_fields(first);
        labelled_ = expected_fields_ != unlabelled_fields_;
        if (labelled_ && expected_fields_ < 2) fail_line("1 field, expected a label and at least one feature");
        double ignored = 0;
        const NumberStatus first_field = parse_number(trim({first.begin, find_char(first, ',')}), ignored);
        const bool has_header = first_field == NumberStatus::not_a_number || first_field == NumberStatus::empty;

        CsvData data;
        data.features.cols = expected_fields_ - (labelled_ ? 1 : 0);
        const auto lines = static_cast<std::size_t>(1 + std::count(rest.begin, rest.end, '\n'));
        values_.reserve(lines * static_cast<std::size_t>(data.features.cols));
        data.labels.reserve(lines);

        if (!has_header) parse_row(first, data);
        while (rest.begin < rest.end) parse_row(next_line(rest), data);
        if (rows_ == 0) fail_line("header only, no data rows");

        data.features.rows = rows_;
        data.features.integer_source = all_integral_;
        data.features.digest = Digest().add(bytes.data(), bytes.size()).value();
        data.features.decode_into = [values = std::make_shared<const std::vector<float>>(std::move(values_))](
                                        float* out, double divisor) {
            std::transform(values->begin(), values->end(), out, [divisor](float v) { return scaled(v, divisor); });
        };
        return data;
    }

private:
    [[noreturn]] void fail_line(const std::string& what) const {
        throw InputError(file_.string() + ":" + std::to_string(line_number_) + ": " + what);
    }

    std::string expected_text() const { return std::to_string(expected_fields_) + " (as on line 1)"; }

    // Cuts the next line off `rest`, advancing the line number.
    Span next_line(Span& rest) {
        const char* newline = find_char(rest, '\n');
        Span line{rest.begin, newline};
        rest.begin = newline == rest.end ? rest.end : newline + 1;
        ++line_number_;
        return line;
    }

    void parse_row(Span line, CsvData& data) {
        if (is_empty(line)) fail_line("empty line");
        std::int64_t index = 0;
        Span rest = line;
        for (;;) {
            const char* comma = find_char(rest, ',');
            if (index == expected_fields_) {
                fail_line(std::to_string(count_fields(line)) + " fields, expected " + expected_text());
            }
            const Span field = trim({rest.begin, comma});
            if (index == 0 && labelled_) {
                data.labels.push_back(parse_label(field));
            } else {
                values_.push_back(parse_feature(field, index));
            }
            ++index;
            if (comma == rest.end) break;
            rest.begin = comma + 1;
        }
        if (index != expected_fields_) {
            fail_line(std::to_string(index) + (index == 1 ? " field" : " fields") + ", expected " + expected_text());
        }
        ++rows_;
    }

    double parse_value(Span field, std::int64_t column) const {
        double value = 0;
        switch (parse_number(field, value)) {
            case NumberStatus::ok: return value;
            case NumberStatus::empty: fail_line("column " + std::to_string(column + 1) + " is empty");
            case NumberStatus::not_a_number:
                fail_line(quote(field) + " in column " + std::to_string(column + 1) + " is not a number");
            case NumberStatus::not_finite:
                fail_line(quote(field) + " in column " + std::to_string(column + 1) + " is not a finite number");
            case NumberStatus::out_of_range:
                fail_line(quote(field) + " in column " + std::to_string(column + 1) + " is out of range");
        }
        return value;
    }

    std::int32_t parse_label(Span field) const {
        const double value = parse_value(field, 0);
        if (value < 0) fail_line("negative label " + std::string(field.begin, field.end));  // a valid number: printable
        if (value != std::trunc(value)) fail_line("label " + quote(field) + " is not an integer");
        if (value > std::numeric_limits<std::int32_t>::max()) {
            fail_line("label " + quote(field) + " is too large (the maximum is 2147483647)");
        }
        return static_cast<std::int32_t>(value);
    }

    float parse_feature(Span field, std::int64_t column) {
        const double value = parse_value(field, column);
        const auto converted = static_cast<float>(value);
        if (!std::isfinite(converted)) {
            fail_line(quote(field) + " in column " + std::to_string(column + 1) + " is out of float range");
        }
        all_integral_ = all_integral_ && value == std::trunc(value);
        return converted;
    }

    const std::filesystem::path& file_;
    std::int64_t line_number_ = 0;
    std::int64_t unlabelled_fields_ = 0;
    std::int64_t expected_fields_ = 0;
    bool labelled_ = true;   // the first column holds the label
    std::int64_t rows_ = 0;
    bool all_integral_ = true;
    std::vector<float> values_;  // the features, row after row
};

}  // namespace

CsvData read_csv(const std::filesystem::path& file, std::int64_t unlabelled_fields) {
    return CsvReader(file, unlabelled_fields).read();
}

}  // namespace hypergrid::io
