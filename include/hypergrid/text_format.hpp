#pragma once
/// @file text_format.hpp
/// Locale-independent number and string formatting shared by the CSV and JSON writers.

#include <string>

namespace hypergrid {

/// Shortest text that reads back as the same double ("0.0001", "0.4123456789012345", "nan", "inf").
std::string format_number(double value);

/// Fixed-point text with `digits` decimals ("1.2500").
std::string format_fixed(double value, int digits);

/// A JSON number: like format_number, but non-finite values become null.
std::string json_number(double value);

/// A JSON string literal with quotes and escapes.
std::string json_string(const std::string& text);

}  // namespace hypergrid
