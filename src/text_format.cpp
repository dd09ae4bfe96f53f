#include "hypergrid/text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace hypergrid {

namespace {

/// std::to_chars never consults the locale; every number the program writes goes through here.
/// Room for the longest result: 1e308 in fixed form has 309 digits before the point.
template <class... Format>
std::string to_text(double value, std::size_t decimals, Format... format) {
    std::string text(330 + decimals, '\0');
    const auto end = std::to_chars(text.data(), text.data() + text.size(), value, format...).ptr;
    text.resize(static_cast<std::size_t>(end - text.data()));
    return text;
}

}  // namespace

std::string format_number(double value, NumberForm form) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    // Shortest text that round-trips; general is %g style: 0.0001 rather than 1e-04, 1e-05 below that.
    return form == NumberForm::general ? to_text(value, 0, std::chars_format::general) : to_text(value, 0);
}

std::string format_fixed(double value, int digits) {
    return to_text(value, static_cast<std::size_t>(digits), std::chars_format::fixed, digits);
}

std::string json_number(double value) { return std::isfinite(value) ? format_number(value) : "null"; }

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char ch : text) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(ch));
                    out += escaped;
                } else {
                    out += ch;
                }
        }
    }
    return out + '"';
}

}  // namespace hypergrid
