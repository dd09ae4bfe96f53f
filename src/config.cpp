/// @file config.cpp
/// Reads the TOML run configuration and validates every value before any work starts, so a typo
/// fails in a second with "<file>:<line>: <key>: <what>" instead of hours into a grid search.

#include "hypergrid/config.hpp"
#include "hypergrid/config_fields.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/text_format.hpp"

#include <toml++/toml.h>

#include <climits>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace hypergrid {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Text

/// Shortest text that reads back as the same double (summary.json's config has always used this form).
std::string number_text(double value) { return format_number(value, NumberForm::shortest); }

std::string number_text(std::int64_t value) { return std::to_string(value); }

/// Error messages must stay on one line, but quoted TOML keys may contain control characters.
std::string one_line(std::string text) {
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return text;
}

std::string type_name(toml::node_type type) {
    switch (type) {
        case toml::node_type::table: return "table";
        case toml::node_type::array: return "array";
        case toml::node_type::string: return "string";
        case toml::node_type::integer: return "integer";
        case toml::node_type::floating_point: return "float";
        case toml::node_type::boolean: return "boolean";
        case toml::node_type::date: return "date";
        case toml::node_type::time: return "time";
        case toml::node_type::date_time: return "date-time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

std::string dotted(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

/// Line of a node; 1 when toml++ has no position for it (tables created implicitly by dotted keys).
std::int64_t line_of(const toml::node& node) {
    const auto line = node.source().begin.line;
    return line > 0 ? static_cast<std::int64_t>(line) : 1;
}

// ---------------------------------------------------------------------------------------------
// The file being read: names it in errors and anchors its relative paths.

class Source {
public:
    explicit Source(const fs::path& file) : name_(file.string()) {
        std::error_code error;  // an unusable path is reported when the file fails to open
        dir_ = fs::absolute(file, error).parent_path();
    }

    [[noreturn]] void fail(std::int64_t line, const std::string& key, const std::string& what) const {
        throw InputError(one_line(name_ + ":" + std::to_string(line) + ": " + key + ": " + what));
    }
    [[noreturn]] void fail(const toml::node& node, const std::string& key, const std::string& what) const {
        fail(line_of(node), key, what);
    }

    /// Relative paths mean "next to the config", so a config works whatever the working directory.
    fs::path resolve(const fs::path& path) const {
        return (path.is_absolute() ? path : dir_ / path).lexically_normal();
    }

private:
    std::string name_;
    fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Typed values

/// An allowed range for a value; either side may be absent, open (<, >) or closed (<=, >=).
template <class T>
struct Range {
    std::optional<T> low;
    bool low_open = false;
    std::optional<T> high;
    bool high_open = false;
};

template <class T>
Range<T> at_least(T low) { return {low, false, std::nullopt, false}; }
template <class T>
Range<T> above(T low) { return {low, true, std::nullopt, false}; }

/// Positive integers that must also fit the int fields of GridConfig and RunSettings.
const Range<std::int64_t> kPositiveInt{1, false, INT_MAX, false};

[[noreturn]] void fail_type(const Source& src, const toml::node& node, const std::string& key,
                            const std::string& expected) {
    src.fail(node, key, "expected " + expected + ", got " + type_name(node.type()));
}

/// Names only the side that was violated ("must be >= 1, got 0"): the other side, such as the
/// INT_MAX limit on epochs, is noise to someone who wrote 0.
template <class T>
void check_range(const Source& src, const toml::node& node, const std::string& key, T value,
                 const Range<T>& range) {
    if (range.low && !(range.low_open ? value > *range.low : value >= *range.low)) {
        src.fail(node, key, std::string("must be ") + (range.low_open ? "> " : ">= ") + number_text(*range.low) +
                                ", got " + number_text(value));
    }
    if (range.high && !(range.high_open ? value < *range.high : value <= *range.high)) {
        src.fail(node, key, std::string("must be ") + (range.high_open ? "< " : "<= ") +
                                number_text(*range.high) + ", got " + number_text(value));
    }
}

/// Reads one value as T (std::int64_t: a TOML integer; double: an integer or a float;
/// std::string: a string; bool: a boolean) and checks it against `range`. A float is never accepted as an integer:
/// epochs = 5.5 is a mistake, not something to round.
template <class T>
T read_value(const Source& src, const toml::node& node, const std::string& key,
             const Range<T>& range = {}) {
    if constexpr (std::is_same_v<T, std::string>) {
        const auto* value = node.as_string();
        if (!value) fail_type(src, node, key, "a string");
        return value->get();
    } else if constexpr (std::is_same_v<T, bool>) {
        const auto* value = node.as_boolean();
        if (!value) fail_type(src, node, key, "true or false");
        return value->get();
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        const auto* value = node.as_integer();
        if (!value) fail_type(src, node, key, "an integer");
        check_range(src, node, key, value->get(), range);
        return value->get();
    } else {
        static_assert(std::is_same_v<T, double>, "read_value: unsupported type");
        double value = 0;
        if (const auto* integer = node.as_integer()) {
            value = static_cast<double>(integer->get());
        } else if (const auto* floating = node.as_floating_point()) {
            value = floating->get();
        } else {
            fail_type(src, node, key, "a number");
        }
        // TOML allows inf and nan; neither is a usable hyperparameter or scale.
        if (!std::isfinite(value)) src.fail(node, key, "must be finite, got " + number_text(value));
        check_range(src, node, key, value, range);
        return value;
    }
}

/// Reads a non-empty array of distinct values, each checked like read_value; element errors name
/// their index ("grid.epochs[1]") and their own line, which matters for multi-line arrays.
template <class T>
std::vector<T> read_array(const Source& src, const toml::node& node, const std::string& key,
                          const Range<T>& range) {
    const auto* array = node.as_array();
    if (!array) src.fail(node, key, "expected an array, got " + type_name(node.type()));
    if (array->empty()) src.fail(node, key, "must not be empty");
    std::vector<T> values;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string element_key = key + "[" + std::to_string(i) + "]";
        const T value = read_value<T>(src, element, element_key, range);
        // A repeated value would run two identical trials: wasted work and a confusing result table.
        for (std::size_t j = 0; j < values.size(); ++j) {
            if (values[j] == value) {
                src.fail(element, element_key,
                         "duplicate value " + number_text(value) + " (same as [" + std::to_string(j) + "])");
            }
        }
        values.push_back(value);
    }
    return values;
}

template <class To>
std::vector<To> narrow_all(const std::vector<std::int64_t>& values) {
    return std::vector<To>(values.begin(), values.end());  // ranges were checked against INT_MAX
}

// ---------------------------------------------------------------------------------------------
// Tables and keys

/// A misspelt optional key would otherwise be silently ignored and its default used, so anything
/// not in `allowed` is an error. Reports the first offender in file order (toml++ iterates sorted).
void reject_unknown_keys(const Source& src, const toml::table& table, const std::string& prefix,
                         std::initializer_list<std::string_view> allowed) {
    const toml::key* first = nullptr;
    std::int64_t first_line = 0;
    for (auto&& [key, node] : table) {
        bool known = false;
        for (std::string_view name : allowed) known = known || key.str() == name;
        if (known) continue;
        const auto key_line = key.source().begin.line;
        const std::int64_t line = key_line > 0 ? static_cast<std::int64_t>(key_line) : line_of(node);
        if (!first || line < first_line) {
            first = &key;
            first_line = line;
        }
    }
    if (first) src.fail(first_line, dotted(prefix, first->str()), "unknown key");
}

/// The table `name` inside `root`, or nullptr when absent; present but not a table is an error.
const toml::table* find_table(const Source& src, const toml::table& root, std::string_view name) {
    const toml::node* node = root.get(name);
    if (!node) return nullptr;
    const auto* table = node->as_table();
    if (!table) src.fail(*node, std::string(name), "expected a table, got " + type_name(node->type()));
    return table;
}

const toml::table& require_table(const Source& src, const toml::table& root, std::string_view name) {
    const toml::table* table = find_table(src, root, name);
    if (!table) src.fail(1, std::string(name), "missing required table");
    return *table;
}

/// A required key; when missing, the error points at the header of the table that should hold it.
const toml::node& require_key(const Source& src, const toml::table& table, const std::string& prefix,
                              std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) src.fail(table, dotted(prefix, key), "missing required key");
    return *node;
}

/// A data file: a non-empty path, resolved against the config, naming an existing regular file.
/// Checking here rather than at load time reports a wrong path before any process starts work.
fs::path read_data_file(const Source& src, const toml::node& node, const std::string& key) {
    const std::string text = read_value<std::string>(src, node, key);
    if (text.empty()) src.fail(node, key, "must not be empty");
    const fs::path path = src.resolve(text);
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found) src.fail(node, key, "file not found: " + path.string());
    if (error) src.fail(node, key, "cannot access " + path.string() + ": " + error.message());
    if (!fs::is_regular_file(status)) src.fail(node, key, "not a regular file: " + path.string());
    return path;
}

/// One of [data]'s two sources, `name` being "train" or "test": `<name>_images` + `<name>_labels`,
/// or `<name>` (CSV). Exactly one form must be given, and the first completely.
DataSource read_source(const Source& src, const toml::table& data, const std::string& name) {
    const std::string images_key = name + "_images";
    const std::string labels_key = name + "_labels";
    const toml::node* images = data.get(images_key);
    const toml::node* labels = data.get(labels_key);
    const toml::node* csv = data.get(name);

    DataSource source;
    if (csv) {
        if (images || labels) {
            src.fail(*csv, "data." + name,
                     "give either " + name + " (CSV) or " + images_key + " + " + labels_key + ", not both");
        }
        source.csv = read_data_file(src, *csv, "data." + name);
        return source;
    }
    if (!images && !labels) {
        src.fail(data, "data",
                 "missing " + name + " data: give " + images_key + " + " + labels_key + ", or " + name + " (CSV)");
    }
    if (!images) src.fail(data, "data." + images_key, "missing required key (" + labels_key + " is given)");
    if (!labels) src.fail(data, "data." + labels_key, "missing required key (" + images_key + " is given)");
    source.images = read_data_file(src, *images, "data." + images_key);
    source.labels = read_data_file(src, *labels, "data." + labels_key);
    return source;
}

// ---------------------------------------------------------------------------------------------
// Sections

DataConfig read_data(const Source& src, const toml::table& table) {
    reject_unknown_keys(src, table, "data",
                        {"train_images", "train_labels", "test_images", "test_labels", "train", "test",
                         "scale", "validation_fraction", "limit_train", "limit_test", "folds"});
    DataConfig data;
    data.train = read_source(src, table, "train");
    data.test = read_source(src, table, "test");
    if (const toml::node* node = table.get("scale")) {
        data.scale = read_value<double>(src, *node, "data.scale", above(0.0));
    }
    if (const toml::node* node = table.get("validation_fraction")) {
        // Both parts of the split must be able to hold examples.
        data.validation_fraction =
            read_value<double>(src, *node, "data.validation_fraction", Range<double>{0.0, true, 1.0, true});
    }
    if (const toml::node* node = table.get("limit_train")) {
        data.limit_train = read_value<std::int64_t>(src, *node, "data.limit_train", at_least<std::int64_t>(0));
    }
    if (const toml::node* node = table.get("limit_test")) {
        data.limit_test = read_value<std::int64_t>(src, *node, "data.limit_test", at_least<std::int64_t>(0));
    }
    // k-fold cross-validation (folds.hpp); that it is at most the examples is checked with the data.
    if (const toml::node* node = table.get("folds")) {
        data.folds = static_cast<int>(read_value<std::int64_t>(src, *node, "data.folds", Range<std::int64_t>{2, false, INT_MAX, false}));
        if (table.get("validation_fraction"))
            src.fail(*node, "data.folds", "cross-validation replaces the holdout split: remove data.validation_fraction");
    }
    return data;
}

/// The `num` points of a range, endpoints exact: evenly spaced, or evenly spaced in log scale.
std::vector<double> range_points(const AxisRange& range, std::int64_t num) {
    std::vector<double> points;
    for (std::int64_t i = 0; i < num; ++i) {
        const double t = num == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(num - 1);
        if (i == 0) {
            points.push_back(range.start);
        } else if (i == num - 1) {
            points.push_back(range.stop);
        } else if (range.log) {
            points.push_back(std::exp(std::log(range.start) + t * (std::log(range.stop) - std::log(range.start))));
        } else {
            points.push_back(range.start + t * (range.stop - range.start));
        }
    }
    return points;
}

/// An axis: an array of values, or an inline table { start, stop, num, scale } expanded to its
/// points (rounded for integer axes). In random mode `num` may be left out: ranges are sampled
/// continuously then. Returns the values and, for a range, the range.
template <class T>
std::pair<std::vector<T>, std::optional<AxisRange>> read_axis(const Source& src, const toml::table& table,
                                                              const char* name, const Range<double>& limits,
                                                              bool random) {
    const std::string key = std::string("grid.") + name;
    const toml::node& node = require_key(src, table, "grid", name);
    if (!node.is_table()) {
        const Range<std::int64_t> int_limits{kPositiveInt};
        if constexpr (std::is_same_v<T, int>) {
            return {narrow_all<int>(read_array<std::int64_t>(src, node, key, int_limits)), std::nullopt};
        } else {
            return {read_array<double>(src, node, key, limits), std::nullopt};
        }
    }
    const toml::table& spec = *node.as_table();
    reject_unknown_keys(src, spec, key, {"start", "stop", "num", "scale"});
    AxisRange range;
    if constexpr (std::is_same_v<T, int>) {  // an integer axis has integer ends
        range.start = static_cast<double>(read_value<std::int64_t>(src, require_key(src, spec, key, "start"), key + ".start", kPositiveInt));
        range.stop = static_cast<double>(read_value<std::int64_t>(src, require_key(src, spec, key, "stop"), key + ".stop", kPositiveInt));
    } else {
        range.start = read_value<double>(src, require_key(src, spec, key, "start"), key + ".start", limits);
        range.stop = read_value<double>(src, require_key(src, spec, key, "stop"), key + ".stop", limits);
    }
    if (range.stop < range.start) src.fail(node, key + ".stop", "must be >= start (" + number_text(range.start) + ")");
    if (const toml::node* scale = spec.get("scale")) {
        const std::string text = read_value<std::string>(src, *scale, key + ".scale");
        if (text != "log" && text != "linear") src.fail(*scale, key + ".scale", "must be \"log\" or \"linear\", got \"" + text + "\"");
        range.log = text == "log";
        if (range.log && range.start <= 0) src.fail(*scale, key + ".scale", "a log range needs start > 0");
    }
    std::vector<T> values;
    const toml::node* num = spec.get("num");
    if (!num && !random) src.fail(node, key + ".num", "missing required key (a grid range needs its number of points)");
    if (num) {
        const std::int64_t count = read_value<std::int64_t>(src, *num, key + ".num", Range<std::int64_t>{1, false, 1000000, false});
        for (const double point : range_points(range, count))
            values.push_back(std::is_same_v<T, int> ? static_cast<T>(std::llround(point)) : static_cast<T>(point));
        // Sorted, a repeat sits next to its twin (log points need not ascend exactly: exp(log(x)) != x).
        std::vector<T> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        const auto repeat = std::adjacent_find(sorted.begin(), sorted.end());
        if (repeat != sorted.end())
            src.fail(node, key, "range gives the value " + number_text(static_cast<double>(*repeat)) +
                                    " twice (integer axis: fewer points or a wider range)");
    }
    return {values, range};
}

GridConfig read_grid(const Source& src, const toml::table& table, const toml::table* search, std::uint64_t run_seed) {
    reject_unknown_keys(src, table, "grid", {"epochs", "alpha", "learning_rate", "batch_size"});
    GridConfig grid;
    grid.search_seed = run_seed;
    if (search) {
        reject_unknown_keys(src, *search, "search", {"mode", "samples", "seed", "factor"});
        if (const toml::node* mode = search->get("mode")) {
            const std::string text = read_value<std::string>(src, *mode, "search.mode");
            if (text != "grid" && text != "random" && text != "halving")
                src.fail(*mode, "search.mode", "must be \"grid\", \"random\" or \"halving\", got \"" + text + "\"");
            grid.random = text == "random";
            grid.halving = text == "halving";
        }
        if (const toml::node* factor = search->get("factor")) {
            if (!grid.halving) src.fail(*factor, "search.factor", "only in halving mode (search.mode = \"halving\")");
            grid.factor = static_cast<int>(read_value<std::int64_t>(src, *factor, "search.factor", Range<std::int64_t>{2, false, INT_MAX, false}));
        }
        if (const toml::node* seed = search->get("seed"))
            grid.search_seed = static_cast<std::uint64_t>(read_value<std::int64_t>(src, *seed, "search.seed", at_least<std::int64_t>(0)));
        if (grid.random || (grid.halving && search->get("samples"))) {  // halving: random configurations
            grid.samples = read_value<std::int64_t>(src, require_key(src, *search, "search", "samples"), "search.samples",
                                                    Range<std::int64_t>{1, false, std::int64_t{1} << 40, false});
        } else if (const toml::node* samples = search->get("samples")) {
            src.fail(*samples, "search.samples", "only in random mode (search.mode = \"random\") or halving mode");
        }
    }
    const Range<double> positive_int{1.0, false, static_cast<double>(INT_MAX), false};
    // Halving with samples draws its configurations as random mode does; its epochs are the rungs.
    const bool drawn = grid.random || grid.samples > 0;
    std::tie(grid.epochs, grid.ranges[0]) = read_axis<int>(src, table, "epochs", positive_int, grid.random);
    std::tie(grid.alpha, grid.ranges[1]) = read_axis<double>(src, table, "alpha", at_least(0.0), drawn);
    std::tie(grid.learning_rate, grid.ranges[2]) = read_axis<double>(src, table, "learning_rate", above(0.0), drawn);
    std::tie(grid.batch_size, grid.ranges[3]) = read_axis<int>(src, table, "batch_size", positive_int, drawn);
    if (grid.halving && grid.epochs.size() < 2)
        src.fail(require_key(src, table, "grid", "epochs"), "grid.epochs",
                 "halving needs at least 2 epochs values (its rungs), got " + std::to_string(grid.epochs.size()));
    return grid;
}

RunSettings read_run(const Source& src, const toml::table* table) {
    RunSettings run;
    if (table) {
        reject_unknown_keys(src, *table, "run", {"seed", "output", "models_per_unit", "schedule", "precision", "curves"});
        if (const toml::node* node = table->get("seed")) {
            run.seed = static_cast<std::uint64_t>(
                read_value<std::int64_t>(src, *node, "run.seed", at_least<std::int64_t>(0)));
        }
        if (const toml::node* node = table->get("output")) {
            run.output = read_value<std::string>(src, *node, "run.output");
            if (run.output.empty()) src.fail(*node, "run.output", "must not be empty");
        }
        if (const toml::node* node = table->get("models_per_unit")) {
            run.models_per_unit =
                static_cast<int>(read_value<std::int64_t>(src, *node, "run.models_per_unit", kPositiveInt));
        }
        if (const toml::node* node = table->get("schedule")) {
            const std::string schedule = read_value<std::string>(src, *node, "run.schedule");
            if (schedule != "dynamic" && schedule != "static")
                src.fail(*node, "run.schedule", "must be \"dynamic\" or \"static\", got \"" + schedule + "\"");
            run.dynamic_schedule = schedule == "dynamic";
        }
        if (const toml::node* node = table->get("precision")) {
            const std::string precision = read_value<std::string>(src, *node, "run.precision");
            if (precision != "float32" && precision != "bf16")
                src.fail(*node, "run.precision", "must be \"float32\" or \"bf16\", got \"" + precision + "\"");
            run.precision = precision == "bf16" ? kernels::Precision::bf16 : kernels::Precision::float32;
        }
        if (const toml::node* node = table->get("curves")) run.curves = read_value<bool>(src, *node, "run.curves");
    }
    run.output = src.resolve(run.output);  // the default is relative to the config too
    return run;
}

/// Reads the whole file first so that "cannot open" and "bad TOML" are distinct errors.
toml::table parse_file(const Source& src, const fs::path& file) {
    std::error_code error;
    const bool regular = fs::is_regular_file(file, error);
    std::ifstream in(file, std::ios::binary);
    if (!regular || !in) {
        const bool missing = !fs::exists(file, error);
        throw InputError(one_line(file.string() + ": cannot open config" +
                                  (missing ? " (no such file)" : regular ? "" : " (not a regular file)")));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw InputError(one_line(file.string() + ": cannot read config"));
    try {
        return toml::parse(text.str(), file.string());
    } catch (const toml::parse_error& e) {
        const auto line = e.source().begin.line;
        src.fail(line > 0 ? line : 1, "invalid TOML", std::string(e.description()));
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

void append_json_string(std::string& out, std::string_view text) { out += json_string(std::string(text)); }

/// Round-trip digits; ".0" keeps integral doubles floats for JSON readers; JSON has no inf or nan.
void append_json_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    const std::string text = number_text(value);
    out += text;
    if (text.find_first_of(".e") == std::string::npos) out += ".0";
}

void append_json_number(std::string& out, std::int64_t value) { out += std::to_string(value); }
void append_json_number(std::string& out, int value) { out += std::to_string(value); }
void append_json_number(std::string& out, std::uint64_t value) { out += std::to_string(value); }

template <class T>
void append_json_array(std::string& out, const std::vector<T>& values) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        append_json_number(out, values[i]);
    }
    out += ']';
}

/// Writes `"name":` preceded by a comma unless it opens an object.
void append_json_key(std::string& out, std::string_view name) {
    if (out.back() != '{') out += ',';
    append_json_string(out, name);
    out += ':';
}

/// A source as an object of path strings: {"csv": ...} or {"images": ..., "labels": ...}.
void append_json_source(std::string& out, const DataSource& source) {
    out += '{';
    if (!source.csv.empty()) {
        append_json_key(out, "csv");
        append_json_string(out, source.csv.string());
    } else {
        append_json_key(out, "images");
        append_json_string(out, source.images.string());
        append_json_key(out, "labels");
        append_json_string(out, source.labels.string());
    }
    out += '}';
}

void append_json_value(std::string& out, const DataSource& source) { append_json_source(out, source); }
void append_json_value(std::string& out, const std::string& text) { append_json_string(out, text); }
void append_json_value(std::string& out, bool value) { out += value ? "true" : "false"; }
void append_json_value(std::string& out, const std::optional<double>& value) {
    if (value) {
        append_json_number(out, *value);
    } else {
        out += "null";
    }
}
template <class T>
void append_json_value(std::string& out, const std::vector<T>& values) { append_json_array(out, values); }
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
void append_json_value(std::string& out, T value) { append_json_number(out, value); }

/// Writes describe_config's settings whose flags match `only` (all when 0) as compact JSON;
/// a section with nothing to write is left out.
struct ConfigJsonWriter {
    std::string& out;
    unsigned only = 0;

    template <class Body>
    void section(const char* name, Body&& body) {
        const std::size_t before = out.size();
        append_json_key(out, name);
        out += '{';
        const std::size_t opened = out.size();
        body();
        if (only != 0 && out.size() == opened) {
            out.resize(before);
        } else {
            out += '}';
        }
    }

    template <class T>
    void operator()(const char* name, const T& value, unsigned flags) {
        if (only != 0 && !(flags & only)) return;
        append_json_key(out, name);
        append_json_value(out, value);
    }
};

}  // namespace

RunConfig load_config(const std::filesystem::path& file) {
    const Source src(file);
    const toml::table root = parse_file(src, file);
    reject_unknown_keys(src, root, "", {"data", "grid", "search", "run"});

    RunConfig config;
    config.file = file;
    config.data = read_data(src, require_table(src, root, "data"));
    config.run = read_run(src, find_table(src, root, "run"));
    config.grid = read_grid(src, require_table(src, root, "grid"), find_table(src, root, "search"), config.run.seed);
    return config;
}

std::string config_to_json(const RunConfig& config) {
    std::string out = "{";
    describe_config(config, ConfigJsonWriter{out});
    return out + '}';
}

std::string results_settings_json(const RunConfig& config) {
    std::string out = "{";
    describe_config(config, ConfigJsonWriter{out, config_flags::results});
    return out == "{" ? std::string() : out + '}';
}

}  // namespace hypergrid
