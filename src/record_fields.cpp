#include "hypergrid/record_fields.hpp"

#include <limits>

namespace hypergrid {

bool parse_value(const std::string& text, double& value) {
    if (text == "nan") {
        value = std::numeric_limits<double>::quiet_NaN();
    } else if (text == "inf" || text == "-inf") {
        value = (text[0] == '-' ? -1 : 1) * std::numeric_limits<double>::infinity();
    } else {
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        return error == std::errc() && end == text.data() + text.size();
    }
    return true;
}

std::map<std::string, std::string> parse_flat_json_object(const std::string& line) {
    std::map<std::string, std::string> fields;
    std::size_t at = 0;
    auto skip_space = [&] {
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    };
    auto expect = [&](char ch) {
        skip_space();
        if (at >= line.size() || line[at] != ch) throw std::invalid_argument(std::string("expected '") + ch + "'");
        ++at;
    };
    auto read_string = [&] {
        expect('"');
        std::string text;
        while (at < line.size() && line[at] != '"') {
            if (line[at] == '\\' && at + 1 < line.size()) ++at;  // our strings escape only quotes and backslashes
            text += line[at++];
        }
        if (at >= line.size()) throw std::invalid_argument("unterminated string");
        ++at;
        return text;
    };
    expect('{');
    skip_space();
    if (at < line.size() && line[at] == '}') return fields;
    while (true) {
        const std::string key = read_string();
        expect(':');
        skip_space();
        if (at < line.size() && line[at] == '"') {
            fields[key] = read_string();
        } else {
            const std::size_t start = at;
            while (at < line.size() && line[at] != ',' && line[at] != '}' && line[at] != ' ') ++at;
            fields[key] = line.substr(start, at - start);
        }
        skip_space();
        if (at < line.size() && line[at] == ',') { ++at; continue; }
        expect('}');
        skip_space();
        if (at != line.size()) throw std::invalid_argument("text after the object");
        return fields;
    }
}

}  // namespace hypergrid
