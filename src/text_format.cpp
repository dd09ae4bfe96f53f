#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace hypergrid {

void append_number(std::string& out, double value, NumberForm form) {
    if (std::isnan(value)) {
        out += "nan";
    } else if (std::isinf(value)) {
        out += value > 0 ? "inf" : "-inf";
    } else {
        // std::to_chars never consults the locale. Shortest text that round-trips (at most 24
        // characters); general is %g style: 0.0001 rather than 1e-04, 1e-05 below that.
        char buffer[32];
        const auto end = form == NumberForm::general
                             ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general).ptr
                             : std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
        out.append(buffer, end);
    }
}

std::string format_number(double value, NumberForm form) {
    std::string text;
    append_number(text, value, form);
    return text;
}

std::string format_fixed(double value, int digits) {
    // Room for the longest result: 1e308 in fixed form has 309 digits before the point.
    std::string text(330 + static_cast<std::size_t>(std::max(digits, 0)), '\0');
    const auto end = std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed, digits).ptr;
    text.resize(static_cast<std::size_t>(end - text.data()));
    return text;
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
