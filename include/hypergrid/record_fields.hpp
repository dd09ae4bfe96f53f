#pragma once
/// @file record_fields.hpp
/// Every form of a record derived from its one list of fields. A record type lists its fields once,
/// in output order, as a static member
///
///     template <class Self, class Visit> static void fields(Self& record, Visit&& field) {
///         field("trial", record.trial);
///         field("seconds", record.seconds, field_flags::bookkeeping | field_flags::timing);
///     }
///
/// and the CSV header and rows, the JSON objects (journal and summary), the JSON reader, equality,
/// printing and the Boost.Serialization archive (MPI) all follow that list: a new field is one line.
/// A field's type is an integer, a double, or an enum with `to_string(E)` and `parse_value(text, E&)`.

#include "hypergrid/text_format.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace hypergrid {

/// Where a field departs from the common forms.
namespace field_flags {
constexpr unsigned none = 0;
constexpr unsigned bookkeeping = 1;  ///< how the record came about (status, time, rank): not in summary.json
constexpr unsigned timing = 2;       ///< a wall time: CSV rounds it to 4 decimals
}  // namespace field_flags

/// Which JSON a record is written as.
enum class JsonForm {
    exact,    ///< every field, numbers that read back exactly, non-finite ones as strings ("nan")
    summary,  ///< the fields without bookkeeping; non-finite numbers as null
};

/// Reads a number's text as written by format_number ("nan", "inf", "-inf" included); false if it is not one.
bool parse_value(const std::string& text, double& value);

/// Reads an integer's whole text; false if it is not one or does not fit. (No bool: a flag field
/// is an enum with names, so its CSV and JSON say what it means.)
template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
bool parse_value(const std::string& text, T& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

/// The fields of a flat JSON object (string, number or null values) as raw text, strings unquoted.
/// Throws std::invalid_argument saying what is wrong.
std::map<std::string, std::string> parse_flat_json_object(const std::string& line);

namespace record_detail {

/// A field's value as exact text: numbers read back as the same value, enums by name.
template <class T>
std::string exact_text(const T& value) {
    if constexpr (std::is_floating_point_v<T>) {
        return format_number(value);
    } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(value);
    } else {
        return to_string(value);
    }
}

/// Appends a field's value as JSON.
template <class T>
void append_json(std::string& out, const T& value, JsonForm form) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isfinite(value)) {
            append_number(out, value);
        } else if (form == JsonForm::exact) {
            out += '"';
            append_number(out, value);
            out += '"';
        } else {
            out += "null";
        }
    } else if constexpr (std::is_integral_v<T>) {
        char buffer[24];
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
    } else {
        out += json_string(to_string(value));
    }
}

/// Calls `visit(name, text)` with each field's exact text.
template <class Record, class Visit>
void for_each_text(const Record& record, Visit&& visit) {
    Record::fields(record, [&](const char* name, const auto& value, unsigned = field_flags::none) {
        visit(name, exact_text(value));
    });
}

}  // namespace record_detail

/// The CSV header: the field names, comma-separated (no newline).
template <class Record>
std::string csv_header() {
    static const Record blank{};
    std::string header;
    Record::fields(blank, [&](const char* name, const auto&, unsigned = field_flags::none) {
        if (!header.empty()) header += ',';
        header += name;
    });
    return header;
}

/// One CSV row (no newline): exact numbers ("nan" as text), timings to 4 decimals.
template <class Record>
std::string csv_row(const Record& record) {
    std::string row;
    bool first = true;
    Record::fields(record, [&](const char*, const auto& value, unsigned flags = field_flags::none) {
        if (!first) row += ',';
        first = false;
        if constexpr (std::is_floating_point_v<std::decay_t<decltype(value)>>) {
            if (flags & field_flags::timing) {
                row += format_fixed(value, 4);
                return;
            }
        }
        row += record_detail::exact_text(value);
    });
    return row;
}

/// One JSON object on one line: {"name": value, ...}.
template <class Record>
std::string json_object(const Record& record, JsonForm form) {
    std::string json = "{";
    json.reserve(256);
    Record::fields(record, [&](const char* name, const auto& value, unsigned flags = field_flags::none) {
        if (form == JsonForm::summary && (flags & field_flags::bookkeeping)) return;
        // Field names are identifiers: no escaping needed.
        json += json.size() > 1 ? ", \"" : "\"";
        json += name;
        json += "\": ";
        record_detail::append_json(json, value, form);
    });
    return json + "}";
}

/// A record from parse_flat_json_object's fields. Throws std::invalid_argument naming a missing or bad field.
template <class Record>
Record record_from_json_fields(const std::map<std::string, std::string>& fields) {
    Record record;
    Record::fields(record, [&](const char* name, auto& value, unsigned = field_flags::none) {
        const auto found = fields.find(name);
        if (found == fields.end()) throw std::invalid_argument(std::string("missing \"") + name + "\"");
        if (!parse_value(found->second, value))
            throw std::invalid_argument(std::string("bad ") + name + " '" + found->second + "'");
    });
    return record;
}

/// Field-by-field equality by exact text: NaN equals NaN, so records compare equal after a round trip.
template <class Record>
bool same_fields(const Record& a, const Record& b) {
    std::string texts_a, texts_b;
    record_detail::for_each_text(a, [&](const char*, const std::string& text) { texts_a += text + ','; });
    record_detail::for_each_text(b, [&](const char*, const std::string& text) { texts_b += text + ','; });
    return texts_a == texts_b;
}

/// "name=value name=value ...", for logs and failed test reports.
template <class Record>
std::ostream& print_fields(std::ostream& out, const Record& record) {
    const char* separator = "";
    record_detail::for_each_text(record, [&](const char* name, const std::string& text) {
        out << separator << name << '=' << text;
        separator = " ";
    });
    return out;
}

/// Boost.Serialization over the fields, in their order (what MPI sends).
template <class Archive, class Record>
void serialize_fields(Archive& archive, Record& record) {
    Record::fields(record, [&](const char*, auto& value, unsigned = field_flags::none) { archive & value; });
}

}  // namespace hypergrid
