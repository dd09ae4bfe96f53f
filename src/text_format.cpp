#include "hypergrid/text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace hypergrid {

std::string format_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[32];
    // Shortest text that round-trips, in %g style: 0.0001 rather than 1e-04, 1e-05 below that.
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general).ptr;
    return std::string(buffer, end);
}

std::string format_fixed(double value, int digits) {
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, digits).ptr;
    return std::string(buffer, end);
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
