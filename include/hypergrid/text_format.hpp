#pragma once
/// @file text_format.hpp
/// The one place numbers become text: locale-independent formatting shared by the CSV and JSON
/// writers, the config's JSON and error messages.

#include <string>

namespace hypergrid {

/// How format_number writes a finite double. Both forms read back as the same double.
enum class NumberForm {
    general,   ///< printf %g style: "0.0001", "1e-05", "1.23456789e+08" (records, journal)
    shortest,  ///< fewest characters: "1e-04", "123456789" (the resolved config in summary.json)
};

/// Shortest text that reads back as the same double ("0.0001", "0.4123456789012345", "nan", "inf").
std::string format_number(double value, NumberForm form = NumberForm::general);

/// format_number appended to `out`, without a temporary string (the journal writes one line per trial).
void append_number(std::string& out, double value, NumberForm form = NumberForm::general);

/// Fixed-point text with `digits` decimals ("1.2500").
std::string format_fixed(double value, int digits);

/// A JSON number: like format_number, but non-finite values become null.
std::string json_number(double value);

/// A JSON string literal with quotes and escapes.
std::string json_string(const std::string& text);

}  // namespace hypergrid
