#include "hypergrid/report_records.hpp"

#include "hypergrid/errors.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace hypergrid {
namespace {

class JsonParser {
public:
    explicit JsonParser(const std::string& text) : text_(text) {}

    JsonValue document() {
        JsonValue value = parse_value();
        skip_space();
        if (at_ != text_.size()) fail("text after the document");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("offset " + std::to_string(at_) + ": " + what);
    }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) ++at_;
    }
    bool take(char ch) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == ch) { ++at_; return true; }
        return false;
    }
    void expect(char ch) {
        if (!take(ch)) fail(std::string("expected '") + ch + "'");
    }
    bool take_word(const char* word) {
        const std::string w(word);
        if (text_.compare(at_, w.size(), w) != 0) return false;
        at_ += w.size();
        return true;
    }

    std::string parse_string() {
        expect('"');
        std::string out;
        while (at_ < text_.size() && text_[at_] != '"') {
            char ch = text_[at_++];
            if (ch == '\\') {
                if (at_ >= text_.size()) break;
                const char escaped = text_[at_++];
                switch (escaped) {
                    case 'n': ch = '\n'; break;
                    case 't': ch = '\t'; break;
                    case 'r': ch = '\r'; break;
                    case 'b': ch = '\b'; break;
                    case 'f': ch = '\f'; break;
                    case 'u': {  // our writers escape only control characters this way
                        if (at_ + 4 > text_.size()) fail("short \\u escape");
                        unsigned code = 0;
                        std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
                        at_ += 4;
                        ch = static_cast<char>(code < 0x80 ? code : '?');
                        break;
                    }
                    default: ch = escaped;
                }
            }
            out += ch;
        }
        if (at_ >= text_.size()) fail("unterminated string");
        ++at_;
        return out;
    }

    JsonValue parse_value() {
        skip_space();
        if (at_ >= text_.size()) fail("unexpected end");
        JsonValue value;
        const char ch = text_[at_];
        if (ch == '{') {
            ++at_;
            value.kind = JsonValue::Kind::object;
            if (take('}')) return value;
            do {
                std::string key = parse_string();
                expect(':');
                value.fields.emplace_back(std::move(key), parse_value());
            } while (take(','));
            expect('}');
        } else if (ch == '[') {
            ++at_;
            value.kind = JsonValue::Kind::array;
            if (take(']')) return value;
            do value.items.push_back(parse_value());
            while (take(','));
            expect(']');
        } else if (ch == '"') {
            value.kind = JsonValue::Kind::string;
            value.string = parse_string();
        } else if (take_word("null")) {
        } else if (take_word("true") || take_word("false")) {
            value.kind = JsonValue::Kind::boolean;
            value.boolean = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
        } else {
            value.kind = JsonValue::Kind::number;
            const auto [end, error] = std::from_chars(text_.data() + at_, text_.data() + text_.size(), value.number);
            if (error != std::errc()) fail("expected a value");
            at_ = static_cast<std::size_t>(end - text_.data());
        }
        return value;
    }

    const std::string& text_;
    std::size_t at_ = 0;
};

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (!in || error) throw InputError(file.string() + ": cannot read");
    std::string text(static_cast<std::size_t>(size), '\0');  // one copy in memory: trials.csv may be 100 MB
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

double to_double(const std::string& text) {
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) throw std::invalid_argument("bad number '" + text + "'");
    return value;
}

std::int64_t to_integer(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) throw std::invalid_argument("bad integer '" + text + "'");
    return value;
}

/// The comma-separated cells of one line (no quoting: our CSV files never quote).
void split_cells(const std::string& line, std::vector<std::string>& cells) {
    cells.clear();
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = line.find(',', start);
        cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (!cells.empty() && !cells.back().empty() && cells.back().back() == '\r') cells.back().pop_back();
}

/// Runs `row(cells, column)` on every data line of a CSV text whose header has `required` columns;
/// `column(name)` gives a column's index, or -1. Errors name the line.
template <class Row>
void for_each_row(const std::string& text, const std::vector<std::string>& required, Row row) {
    std::size_t at = 0;
    std::string line;
    auto next_line = [&] {  // reads the text in place, without a stream's copy of it
        if (at >= text.size()) return false;
        const std::size_t end = std::min(text.find('\n', at), text.size());
        line.assign(text, at, end - at);
        at = end + 1;
        return true;
    };
    std::vector<std::string> header;
    if (!next_line()) throw std::invalid_argument("line 1: no header");
    split_cells(line, header);
    auto column = [&](const std::string& name) -> int {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
        return -1;
    };
    for (const std::string& name : required)
        if (column(name) < 0) throw std::invalid_argument("line 1: no column '" + name + "'");
    std::vector<std::string> cells;
    for (std::int64_t number = 2; next_line(); ++number) {
        if (line.empty()) continue;
        split_cells(line, cells);
        if (cells.size() != header.size())
            throw std::invalid_argument("line " + std::to_string(number) + ": " + std::to_string(cells.size()) +
                                        " cells, the header has " + std::to_string(header.size()));
        try {
            row(cells, column);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("line " + std::to_string(number) + ": " + e.what());
        }
    }
}

/// The shape tuple of a .npy file's header, or empty when the file is absent or unreadable.
std::vector<std::int64_t> npy_shape(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string head(512, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    std::size_t at = head.find("'shape': (");
    std::vector<std::int64_t> shape;
    if (at == std::string::npos) return shape;
    at += 10;
    while (at < head.size() && head[at] != ')') {
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(head.data() + at, head.data() + head.size(), value);
        if (error != std::errc()) break;
        shape.push_back(value);
        at = static_cast<std::size_t>(end - head.data());
        while (at < head.size() && (head[at] == ',' || head[at] == ' ')) ++at;
    }
    return shape;
}

}  // namespace

const JsonValue* JsonValue::find(const std::string& key) const {
    for (const auto& [name, value] : fields)
        if (name == key) return &value;
    return nullptr;
}

const JsonValue* JsonValue::at_path(std::initializer_list<const char*> keys) const {
    const JsonValue* value = this;
    for (const char* key : keys) {
        value = value->find(key);
        if (!value) return nullptr;
    }
    return value;
}

JsonValue parse_json(const std::string& text) { return JsonParser(text).document(); }

std::vector<TrialResult> parse_trials_csv(const std::string& text, TrialsCsvOptional* optional) {
    std::vector<TrialResult> trials;
    int std_column = -1, rung_column = -1;
    const std::vector<std::string> required{"trial", "epochs", "alpha", "learning_rate", "batch_size",
                                            "val_cost", "val_cross_entropy", "val_accuracy", "status"};
    int c[11];
    bool first = true;
    for_each_row(text, required, [&](const std::vector<std::string>& cells, auto column) {
        if (first) {  // the column indices, once
            for (std::size_t i = 0; i < required.size(); ++i) c[i] = column(required[i]);
            c[9] = column("seconds");
            c[10] = column("rank");
            std_column = column("val_cost_std");
            rung_column = column("rung");
            if (optional) optional->val_cost_std = std_column >= 0;
            first = false;
        }
        TrialResult r;
        r.trial = to_integer(cells[c[0]]);
        r.hyper.epochs = static_cast<int>(to_integer(cells[c[1]]));
        r.hyper.alpha = to_double(cells[c[2]]);
        r.hyper.learning_rate = to_double(cells[c[3]]);
        r.hyper.batch_size = static_cast<int>(to_integer(cells[c[4]]));
        r.val_cost = to_double(cells[c[5]]);
        r.val_cross_entropy = to_double(cells[c[6]]);
        r.val_accuracy = to_double(cells[c[7]]);
        if (cells[c[8]] == "ok") r.status = TrialStatus::ok;
        else if (cells[c[8]] == "diverged") r.status = TrialStatus::diverged;
        else throw std::invalid_argument("status '" + cells[c[8]] + "'");
        if (c[9] >= 0) r.seconds = to_double(cells[c[9]]);
        if (c[10] >= 0) r.rank = static_cast<int>(to_integer(cells[c[10]]));
        if (std_column >= 0) r.val_cost_std = to_double(cells[std_column]);
        if (rung_column >= 0 && optional) optional->rungs.push_back(static_cast<int>(to_integer(cells[rung_column])));
        trials.push_back(r);
    });
    return trials;
}

std::vector<TrialResult> parse_folds_csv(const std::string& text) {
    std::vector<TrialResult> folds;
    const std::vector<std::string> required{"trial", "fold", "val_cost", "val_cross_entropy", "val_accuracy"};
    for_each_row(text, required, [&](const std::vector<std::string>& cells, auto column) {
        TrialResult r;
        r.trial = to_integer(cells[column("trial")]);
        r.fold = static_cast<int>(to_integer(cells[column("fold")]));
        if (r.fold < 0) throw std::invalid_argument("fold " + std::to_string(r.fold) + ", expected >= 0");
        r.val_cost = to_double(cells[column("val_cost")]);
        r.val_cross_entropy = to_double(cells[column("val_cross_entropy")]);
        r.val_accuracy = to_double(cells[column("val_accuracy")]);
        folds.push_back(r);
    });
    return folds;
}

std::vector<CurvePoint> parse_curves_csv(const std::string& text) {
    std::vector<std::string> columns;
    split_cells(csv_header<CurvePoint>(), columns);
    std::vector<CurvePoint> points;
    for_each_row(text, columns, [&](const std::vector<std::string>& cells, auto column) {
        CurvePoint p;
        CurvePoint::fields(p, [&](const char* name, auto& value, unsigned = field_flags::none) {
            const std::string& cell = cells[static_cast<std::size_t>(column(name))];
            if (!parse_value(cell, value)) throw std::invalid_argument(std::string("bad ") + name + " '" + cell + "'");
        });
        if (p.epoch < 1) throw std::invalid_argument("epoch " + std::to_string(p.epoch) + ", expected >= 1");
        points.push_back(p);
    });
    return points;
}

std::vector<LegSpan> parse_legs_csv(const std::string& text) {
    std::vector<LegSpan> legs;
    const std::vector<std::string> required{"rank", "leg", "unit", "kind", "start_seconds", "end_seconds"};
    for_each_row(text, required, [&](const std::vector<std::string>& cells, auto column) {
        LegSpan span;
        span.rank = static_cast<int>(to_integer(cells[column("rank")]));
        // A final model's row belongs to no leg or unit: those cells may be empty.
        const std::string &leg = cells[column("leg")], &unit = cells[column("unit")];
        span.leg = leg.empty() ? -1 : to_integer(leg);
        span.unit = unit.empty() ? -1 : to_integer(unit);
        const std::string& kind = cells[column("kind")];
        if (kind != "leg" && kind != "final") throw std::invalid_argument("kind '" + kind + "', expected leg or final");
        span.final_model = kind == "final";
        span.start = to_double(cells[column("start_seconds")]);
        span.end = to_double(cells[column("end_seconds")]);
        if (span.rank < 0 || !(span.end >= span.start) || !std::isfinite(span.end))
            throw std::invalid_argument("a span needs rank >= 0 and finite start <= end");
        legs.push_back(span);
    });
    return legs;
}

RunRecords read_run_records(const std::filesystem::path& directory) {
    RunRecords records;
    records.directory = directory;
    auto parse = [&](const char* name, auto parser) {
        const std::filesystem::path file = directory / name;
        if (!std::filesystem::exists(file))
            throw InputError(file.string() + ": missing: is this a hypergrid run's output directory?");
        try {
            return parser(read_text(file));
        } catch (const std::invalid_argument& e) {
            throw InputError(file.string() + ": " + e.what());
        }
    };
    records.summary = parse("summary.json", parse_json);
    if (records.summary.kind != JsonValue::Kind::object)
        throw InputError((directory / "summary.json").string() + ": not a JSON object");
    TrialsCsvOptional optional;
    records.trials = parse("trials.csv", [&](const std::string& text) { return parse_trials_csv(text, &optional); });
    records.has_val_cost_std = optional.val_cost_std;
    records.rungs = std::move(optional.rungs);
    if (std::filesystem::exists(directory / "folds.csv")) records.folds = parse("folds.csv", parse_folds_csv);
    if (std::filesystem::exists(directory / "legs.csv")) records.legs = parse("legs.csv", parse_legs_csv);
    if (std::filesystem::exists(directory / "curves.csv")) records.curve = parse("curves.csv", parse_curves_csv);
    records.weights_shape = npy_shape(directory / "weights.npy");
    return records;
}

}  // namespace hypergrid
