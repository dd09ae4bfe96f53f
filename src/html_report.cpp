#include "hypergrid/html_report.hpp"

#include "hypergrid/outputs.hpp"
#include "hypergrid/report_analysis.hpp"
#include "hypergrid/text_format.hpp"
#include "report_svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace hypergrid {
namespace {

using svg::escape;
using svg::px;
using svg::short_number;

/// Up to this many trials, a scatter plot draws a dot per trial; beyond, a density of cells.
constexpr std::size_t kMaxDots = 2000;
/// Range axes (random search) fall into this many bins for heatmaps and the variance estimate.
constexpr int kRangeBins = 10;
/// Grid axes with more values than this are binned too (and the decomposition becomes an estimate).
constexpr int kMaxListBins = 32;

const char* const kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2733;background:#f4f6f9;margin:0}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:6px 0 2px}h2{font-size:17px;margin:0 0 4px}
.sub{color:#5b6776;margin:0 0 14px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 18px;margin:14px 0}
.note{color:#5b6776;font-size:13px;margin:2px 0 10px}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;vertical-align:middle;margin-left:8px}
.complete{background:#dff3e4;color:#1b6e34}.stopped{background:#fde8d7;color:#9a4a06}.shard{background:#e2ecfb;color:#1f4f93}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px 18px}
.card h3{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#6b7785;margin:0 0 4px}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}dt{color:#5b6776}dd{margin:0;overflow-wrap:anywhere}
.big{font-size:22px;font-weight:600}
.figs{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figcaption{font-size:12px;color:#5b6776;text-align:center}
svg{font:11px system-ui,sans-serif;max-width:100%;height:auto}
svg .plot{fill:#fbfcfd;stroke:#c9d1db}svg .grid{stroke:#e6eaef}svg .tick{fill:#5b6776}svg .label{fill:#1d2733;font-size:12px}
svg .dot{fill:#1f77b4;fill-opacity:.45}svg .cell{fill:#1f77b4}svg .best{fill:none;stroke:#e8590c;stroke-width:2}
svg .bestdot{fill:#e8590c}svg .leg{fill:#4c8bd6}svg .final{fill:#e8590c}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #eef1f4}
th{background:#f0f3f7;font-weight:600}td.l,th.l{text-align:left}
.confusion td{min-width:30px;border:1px solid #fff}
.bar{height:8px;background:#e6eaef;border-radius:4px;overflow:hidden;max-width:420px}.bar span{display:block;height:100%;background:#2c7fb8}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.scroll{overflow-x:auto}
)";

const JsonValue* field(const JsonValue& root, std::initializer_list<const char*> path) { return root.at_path(path); }

std::optional<double> number_at(const JsonValue& root, std::initializer_list<const char*> path) {
    const JsonValue* v = field(root, path);
    if (!v || !v->is_number()) return std::nullopt;
    return v->number;
}

std::string text_at(const JsonValue& root, std::initializer_list<const char*> path) {
    const JsonValue* v = field(root, path);
    if (!v) return "";
    if (v->kind == JsonValue::Kind::string) return v->string;
    if (v->kind == JsonValue::Kind::number) return format_number(v->number);
    if (v->kind == JsonValue::Kind::boolean) return v->boolean ? "true" : "false";
    return "";
}

std::string percent(double fraction, int digits = 2) { return format_fixed(100 * fraction, digits) + "%"; }

std::string seconds_text(double s) {
    if (s < 120) return format_fixed(s, s < 10 ? 2 : 1) + " s";
    if (s < 7200) return format_fixed(s / 60, 1) + " min";
    return format_fixed(s / 3600, 2) + " h";
}

std::string row(const std::string& key, const std::string& value) {
    return "<dt>" + escape(key) + "</dt><dd>" + value + "</dd>";
}

/// Everything the sections share: the records and what is derived from them once.
struct Context {
    const RunRecords& records;
    const JsonValue& summary;
    bool random = false;
    bool halving = false;
    std::vector<ReportAxis> axes;        // varying axes, binned for heatmaps and the estimate
    std::vector<std::size_t> finite;     // indices of trials with a finite cost
    std::optional<std::vector<double>> costs;  // analysis_costs
    std::size_t diverged = 0;
};

std::string data_source_text(const JsonValue& summary, const char* which) {
    const JsonValue* source = field(summary, {"config", "data", which});
    if (!source) return "?";
    if (const JsonValue* csv = source->find("csv")) return escape(csv->string);
    return escape(text_at(*source, {"images"})) + "<br>" + escape(text_at(*source, {"labels"}));
}

// --- 1. Summary ------------------------------------------------------------------------------------

std::string summary_section(const Context& c) {
    const JsonValue& s = c.summary;
    std::string html = "<section><div class=\"cards\">";

    // The summary's best, or for a sweep not finished yet the best so far (the same rule).
    const JsonValue* picked = s.find("best");
    const std::optional<double> picked_id = picked ? number_at(*picked, {"trial"}) : std::nullopt;
    const TrialResult* best = nullptr;
    for (const TrialResult& r : c.records.trials)
        if (picked_id && static_cast<double>(r.trial) == *picked_id) best = &r;
    if (!picked_id)
        if (const std::vector<std::size_t> top = top_trials(c.records.trials, 1); !top.empty()) best = &c.records.trials[top[0]];
    html += std::string("<div class=\"card\"><h3>") + (picked_id ? "Best trial" : "Best trial so far") + "</h3>";
    if (best) {
        html += "<div class=\"big\">val cost " + escape(short_number(best->val_cost)) + "</div><dl>";
        html += row("trial", std::to_string(best->trial));
        for (int axis = 0; axis < kReportAxes; ++axis) {  // alpha and the rate in 4 digits, exact in a tooltip
            const double value = axis_value(*best, axis);
            const bool real = axis == 1 || axis == 2;
            html += row(kAxisNames[axis], real ? "<span title=\"" + format_number(value) + "\">" + escape(short_number(value)) + "</span>"
                                               : format_number(value));
        }
        html += row("val accuracy", percent(best->val_accuracy));
        html += "</dl>";
    } else {
        html += "<p class=\"note\">no trial with a finite cost yet</p>";
    }
    html += "</div>";

    html += "<div class=\"card\"><h3>Final model on the test set</h3>";
    if (const auto accuracy = number_at(s, {"test", "accuracy"})) {
        html += "<div class=\"big\">" + percent(*accuracy) + " accuracy</div><dl>";
        html += row("cross-entropy", escape(format_fixed(number_at(s, {"test", "cross_entropy"}).value_or(NAN), 6)));
        if (const JsonValue* m = s.find("confusion_matrix"); m && m->kind == JsonValue::Kind::array) {
            double examples = 0;
            for (const JsonValue& r : m->items)
                for (const JsonValue& v : r.items) examples += v.number;
            html += row("test examples", format_number(examples));
            html += row("classes", std::to_string(m->items.size()));
        }
        html += row("trained", text_at(s, {"final_trained_ahead"}) == "true" ? "ahead, by an idle rank during the sweep"
                                                                             : "after the sweep");
        html += "</dl>";
    } else {
        html += "<p class=\"note\">no final model: " +
                std::string(text_at(s, {"complete"}) != "true" ? "the sweep was stopped before its end"
                            : text_at(s, {"shard"}) != "0/1"   ? "a shard trains none (finalize merges the shards)"
                                                               : "every trial diverged") + "</p>";
    }
    html += "</div>";

    html += "<div class=\"card\"><h3>Search</h3><dl>";
    const std::string factor = text_at(s, {"config", "search", "factor"});
    html += row("mode", c.halving ? "successive halving (" + (factor.empty() ? "" : "factor " + escape(factor) + ", ") +
                                        std::to_string(rung_summaries(c.records.trials, c.records.rungs).size()) + " rungs run)"
                        : c.random ? "random search (" + escape(text_at(s, {"config", "search", "samples"})) + " samples)"
                                   : std::string("full grid"));
    html += row("trials", escape(text_at(s, {"finished"})) + " of " + escape(text_at(s, {"trials"})) + " finished");
    if (c.diverged) html += row("diverged", std::to_string(c.diverged));
    for (const char* axis : kAxisNames) {
        const JsonValue* values = field(s, {"config", "grid", axis});
        std::string text;
        if (const JsonValue* range = field(s, {"config", "search", "ranges", axis}))
            text = escape(text_at(*range, {"start"})) + " to " + escape(text_at(*range, {"stop"})) + " (" +
                   escape(text_at(*range, {"scale"})) + ")";
        else if (values)
            for (std::size_t i = 0; i < values->items.size(); ++i)
                text += (i ? ", " : "") + (i == 6 && values->items.size() > 8
                                               ? "&hellip; (" + std::to_string(values->items.size()) + " values)"
                                               : escape(short_number(values->items[i].number)));
        if (values) {
            const std::size_t cut = text.find("&hellip;");
            if (cut != std::string::npos) text = text.substr(0, text.find(')', cut) + 1);
            html += row(axis, text);
        }
    }
    html += "</dl></div>";

    html += "<div class=\"card\"><h3>Data</h3><dl>";
    html += row("train", data_source_text(s, "train"));
    html += row("test", data_source_text(s, "test"));
    if (const auto folds = number_at(s, {"config", "data", "folds"}))
        html += row("validation", format_number(*folds) + "-fold cross-validation");
    else
        html += row("validation", escape(percent(number_at(s, {"config", "data", "validation_fraction"}).value_or(NAN), 0)) +
                                      " of the training set");
    for (const char* limit : {"limit_train", "limit_test"})
        if (number_at(s, {"config", "data", limit}).value_or(0) > 0)
            html += row(limit, escape(text_at(s, {"config", "data", limit})));
    // summary.json's "data" (older runs have none: the shape then comes from weights.npy).
    const auto count = [&](const char* key) { return number_at(s, {"data", key}); };
    if (const auto train = count("train_examples"), tests = count("test_examples"); train && tests) {
        const auto validation = count("validation_examples");
        html += row("examples", format_number(*train) + (validation ? " train, " + format_number(*validation) + " validation, "
                                                                    : " train in the folds, ") +
                                    format_number(*tests) + " test");
    }
    if (const auto features = count("features"), classes = count("classes"); features && classes)
        html += row("shape", format_number(*features) + " features, " + format_number(*classes) + " classes");
    else if (c.records.weights_shape.size() == 2)
        html += row("shape", std::to_string(c.records.weights_shape[0]) + " features, " +
                                 std::to_string(c.records.weights_shape[1]) + " classes");
    html += "</dl></div>";

    html += "<div class=\"card\"><h3>Run</h3><dl>";
    html += row("version", escape(text_at(s, {"version"})));
    html += row("ranks", escape(text_at(s, {"ranks"})));
    if (const JsonValue* memory = s.find("peak_memory_mb"); memory && !memory->items.empty()) {
        double peak = 0;
        for (const JsonValue& v : memory->items) peak = std::max(peak, v.number);
        html += row("peak memory", format_fixed(peak, 0) + " MiB (largest rank)");
    }
    // Scalar fields this page does not know yet (the CPU level, say) are shown as they are.
    static const char* const known[] = {"version", "ranks", "trials", "finished", "complete", "shard",
                                        "final_trained_ahead"};
    for (const auto& [key, value] : s.fields) {
        if (std::find(std::begin(known), std::end(known), key) != std::end(known)) continue;
        if (value.kind == JsonValue::Kind::string || value.kind == JsonValue::Kind::number)
            html += row(key, escape(text_at(s, {key.c_str()})));
    }
    html += "</dl></div>";

    html += "<div class=\"card\"><h3>Wall time</h3><dl>";
    if (const JsonValue* seconds = s.find("seconds"))
        for (const auto& [phase, value] : seconds->fields) html += row(phase, seconds_text(value.number));
    html += "</dl></div>";
    return html + "</div></section>";
}

std::string status_section(const Context& c) {
    const JsonValue& s = c.summary;
    const double finished = number_at(s, {"finished"}).value_or(0), trials = number_at(s, {"trials"}).value_or(0);
    const bool complete = text_at(s, {"complete"}) == "true";
    const std::string shard = text_at(s, {"shard"});
    if (complete && shard == "0/1") return "";
    std::string html = "<section><h2>What is done so far</h2>";
    if (!complete)
        html += "<p>The sweep was stopped by a signal after " + format_number(finished) + " of " + format_number(trials) +
                " trials. Continue it with <code>hypergrid run CONFIG --resume</code>; the figures below show the "
                "finished trials.</p>";
    else
        html += "<p>Shard " + escape(shard) + " of a sharded sweep: it ran " + format_number(finished) + " of the " +
                format_number(trials) + " trials. <code>hypergrid finalize</code> merges the shards and trains the "
                "final model.</p>";
    html += "<div class=\"bar\"><span style=\"width:" + px(trials > 0 ? 100 * finished / trials : 0) + "%\"></span></div>";
    return html + "</section>";
}

/// Successive halving: each rung's epochs, how many configurations it trained and passed on, its best.
std::string rungs_section(const Context& c) {
    if (!c.halving) return "";
    std::string html = "<section><h2>Rungs</h2><p class=\"note\">Successive halving trains every configuration to the "
                       "first rung's epochs, then continues the best of each rung to the next rung's epochs.</p>";
    const std::vector<RungSummary> rungs = rung_summaries(c.records.trials, c.records.rungs);
    if (rungs.empty()) return html + "<p class=\"note\">trials.csv has no rung column.</p></section>";
    html += "<table class=\"rungs\"><tr><th>rung</th><th>epochs</th><th>configurations trained</th><th>promoted</th>"
            "<th>best val cost</th><th>best trial</th></tr>";
    for (const RungSummary& r : rungs) {
        const TrialResult* best = r.best ? &c.records.trials[*r.best] : nullptr;
        html += "<tr><td>" + std::to_string(r.rung) + "</td><td>" + std::to_string(r.epochs) + "</td><td>" +
                std::to_string(r.trained) + "</td><td>" + std::to_string(r.promoted) + "</td><td>" +
                (best ? format_fixed(best->val_cost, 6) : std::string("-")) + "</td><td>" +
                (best ? std::to_string(best->trial) : std::string("-")) + "</td></tr>";
    }
    return html + "</table></section>";
}

// --- 2. Validation cost against each axis ----------------------------------------------------------

/// The cost range the plots show: from the lowest cost to a top that keeps a few very bad trials
/// from squashing the rest (those are drawn at the top edge).
std::pair<double, double> cost_range(const Context& c) {
    std::vector<double> costs;
    for (const std::size_t i : c.finite) costs.push_back(c.records.trials[i].val_cost);
    std::sort(costs.begin(), costs.end());
    const double lo = costs.front(), q90 = costs[costs.size() * 9 / 10];
    const double hi = std::min(costs.back(), q90 + 2 * (q90 - lo));
    return {lo, hi > lo ? hi : lo + std::max(std::abs(lo) * 0.1, 1e-3)};
}

/// A small hash of the trial id in [-0.5, 0.5): spreads dots at a list value sideways.
double jitter(std::int64_t trial) {
    return static_cast<double>((static_cast<std::uint64_t>(trial) * 2654435761u) % 1000) / 1000.0 - 0.5;
}

std::string axis_figure(const Context& c, const ReportAxis& axis, std::pair<double, double> range) {
    const std::vector<TrialResult>& trials = c.records.trials;
    const svg::Scale xs = svg::padded_scale(axis.values.front(), axis.values.back(), axis.log);
    const svg::Scale ys = svg::padded_scale(range.first, range.second, false, 0.04);
    std::vector<double> ticks;
    if (axis.values.size() <= 10) ticks = axis.values;
    svg::Chart chart(370, 260, xs, ys, axis.name(), "validation cost", ticks);
    const double top = chart.y()(range.second);
    auto y_of = [&](double cost) { return std::max(chart.y()(cost), top); };  // costs above the range sit on the top edge
    std::size_t clipped = 0;
    std::string marks;
    if (c.finite.size() <= kMaxDots) {
        const double spread = axis.discrete ? std::min(10.0, (chart.right() - chart.left()) / axis.bins * 0.35) : 0;
        for (const std::size_t i : c.finite) {
            const TrialResult& r = trials[i];
            clipped += r.val_cost > range.second;
            marks += "<circle class=\"dot\" cx=\"" + px(chart.x()(axis_value(r, axis.id)) + spread * jitter(r.trial)) +
                     "\" cy=\"" + px(y_of(r.val_cost)) + "\" r=\"2.4\"/>";
        }
    } else {  // a density: how many trials fall in each cell of a raster, 40 rows high
        // A range axis is cut into 60 columns; a list axis gets a column per value, a strip centred on it.
        constexpr int kRows = 40;
        const int columns = axis.discrete ? axis.bins : 60;
        const double h = (chart.bottom() - chart.top()) / kRows, w = (chart.right() - chart.left()) / columns;
        const double strip = std::min(24.0, w * 0.6);
        std::vector<std::int64_t> count(static_cast<std::size_t>(columns * kRows));
        for (const std::size_t i : c.finite) {
            const TrialResult& r = trials[i];
            clipped += r.val_cost > range.second;
            const double v = axis_value(r, axis.id);
            const int col = axis.discrete ? axis.bin(v) : std::clamp(static_cast<int>((chart.x()(v) - chart.left()) / w), 0, columns - 1);
            const int rw = std::clamp(static_cast<int>((y_of(r.val_cost) - chart.top()) / h), 0, kRows - 1);
            ++count[static_cast<std::size_t>(rw * columns + col)];
        }
        const double most = std::log1p(static_cast<double>(*std::max_element(count.begin(), count.end())));
        for (int rw = 0; rw < kRows; ++rw)
            for (int col = 0; col < columns; ++col)
                if (const std::int64_t n = count[static_cast<std::size_t>(rw * columns + col)]) {
                    const double x = axis.discrete ? chart.x()(axis.values[static_cast<std::size_t>(col)]) - strip / 2 : chart.left() + col * w;
                    marks += "<rect class=\"cell\" x=\"" + px(x) + "\" y=\"" + px(chart.top() + rw * h) + "\" width=\"" +
                             px(axis.discrete ? strip : w + 0.3) + "\" height=\"" + px(h + 0.3) + "\" fill-opacity=\"" +
                             px(0.12 + 0.88 * std::log1p(static_cast<double>(n)) / most) + "\"/>";
                }
    }
    // The best per value (list axis) or per bin (range axis), as a line.
    const int bins = axis.discrete ? axis.bins : 30;
    std::vector<double> best(static_cast<std::size_t>(bins), INFINITY), at(static_cast<std::size_t>(bins));
    for (const std::size_t i : c.finite) {
        const TrialResult& r = trials[i];
        const double v = axis_value(r, axis.id);
        const int b = axis.discrete ? axis.bin(v)
                                    : std::clamp(static_cast<int>((axis.display(v) - axis.lo) / (axis.hi - axis.lo) * bins), 0, bins - 1);
        if (r.val_cost < best[static_cast<std::size_t>(b)]) {
            best[static_cast<std::size_t>(b)] = r.val_cost;
            at[static_cast<std::size_t>(b)] = v;
        }
    }
    std::string line, best_dots;
    for (int b = 0; b < bins; ++b) {
        if (!std::isfinite(best[static_cast<std::size_t>(b)])) continue;
        const std::string x = px(chart.x()(at[static_cast<std::size_t>(b)])), y = px(y_of(best[static_cast<std::size_t>(b)]));
        line += (line.empty() ? "" : " ") + x + "," + y;
        if (axis.discrete) best_dots += "<circle class=\"bestdot\" cx=\"" + x + "\" cy=\"" + y + "\" r=\"3.2\"/>";
    }
    marks += "<polyline class=\"best\" points=\"" + line + "\"/>" + best_dots;  // over the trials
    chart.add(marks);
    std::string caption = std::string("validation cost against ") + axis.name();
    if (clipped) caption += "; " + std::to_string(clipped) + " trials above " + short_number(range.second) + " drawn at the top";
    return "<figure>" + chart.render(caption) + "<figcaption>" + escape(caption) + "</figcaption></figure>";
}

std::string axes_section(const Context& c) {
    std::string html = "<section><h2>Validation cost against each axis</h2><p class=\"note\">";
    if (c.finite.empty()) return html + "No trial has a finite validation cost yet.</p></section>";
    if (c.axes.empty()) return html + "Every trial has the same hyperparameters: there is no axis to draw.</p></section>";
    html += c.finite.size() <= kMaxDots ? "Every trial is a dot" : "Shade shows how many trials fall in each cell (" +
                                                                       std::to_string(c.finite.size()) + " trials)";
    html += "; the orange line joins the best trial per " + std::string(c.random ? "value or bin" : "value") +
            ". Log-spaced axes are drawn on a log scale.";
    if (c.diverged) html += " " + std::to_string(c.diverged) + " diverged trials are not drawn.";
    html += "</p><div class=\"figs\">";
    const auto range = cost_range(c);
    for (const ReportAxis& axis : c.axes) html += axis_figure(c, axis, range);
    return html + "</div></section>";
}

// --- 3. Heatmaps -----------------------------------------------------------------------------------

std::string heatmap(const ReportAxis& a, const ReportAxis& b, double lo, double hi,
                    const std::vector<double>& best) {
    const double cell_w = std::clamp(300.0 / a.bins, 12.0, 60.0), cell_h = std::clamp(220.0 / b.bins, 10.0, 40.0);
    std::size_t widest = 0;  // the longest tick label on the vertical axis, for the left margin
    for (int j = 0; j < b.bins; ++j) widest = std::max(widest, b.bin_tick(j).size());
    const double left = 30 + 6.2 * static_cast<double>(widest), top = 10, width = cell_w * a.bins, height = cell_h * b.bins;
    const bool rotate = a.bins > 6;
    const double bottom_space = rotate ? 72 : 40;
    const int total_w = static_cast<int>(left + width + 12), total_h = static_cast<int>(top + height + bottom_space);
    const bool numbers = a.bins <= 8 && b.bins <= 10;
    const bool tooltips = a.bins * b.bins <= 400;  // a bounded page: no tooltip per cell of a large map
    std::string title = std::string("best validation cost over ") + a.name() + " and " + b.name();
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(total_w) + ' ' +
                      std::to_string(total_h) + "\" width=\"" + std::to_string(total_w) + "\" height=\"" +
                      std::to_string(total_h) + "\" role=\"img\"><title>" + escape(title) + "</title>";
    for (int j = 0; j < b.bins; ++j) {
        const double y = top + (b.bins - 1 - j) * cell_h;  // low values at the bottom
        for (int i = 0; i < a.bins; ++i) {
            const double v = best[static_cast<std::size_t>(i * b.bins + j)];
            const double x = left + i * cell_w;
            if (!std::isfinite(v)) {
                out += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(cell_w) + "\" height=\"" + px(cell_h) +
                       "\" fill=\"#f1f3f5\"/>";
                continue;
            }
            const double t = 1 - (std::min(v, hi) - lo) / (hi - lo);
            out += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(cell_w) + "\" height=\"" + px(cell_h) +
                   "\" fill=\"" + svg::ramp_colour(t) + "\">" +
                   (tooltips ? "<title>" + escape(a.bin_label(i) + ", " + b.bin_label(j) + ": " + short_number(v)) + "</title>" : "") +
                   "</rect>";
            if (numbers)
                out += "<text x=\"" + px(x + cell_w / 2) + "\" y=\"" + px(y + cell_h / 2 + 4) + "\" text-anchor=\"middle\" fill=\"" +
                       (svg::ramp_is_dark(t) ? "#fff" : "#1d2733") + "\" font-size=\"10\">" + escape(short_number(v)) + "</text>";
        }
    }
    const int step_a = a.bins > 16 ? (a.bins + 11) / 12 : 1, step_b = b.bins > 16 ? (b.bins + 11) / 12 : 1;
    for (int i = 0; i < a.bins; i += step_a) {
        const double x = left + (i + 0.5) * cell_w, y = top + height + 13;
        out += rotate ? "<text class=\"tick\" transform=\"translate(" + px(x + 3) + ' ' + px(y - 6) +
                            ") rotate(-45)\" text-anchor=\"end\">" + escape(a.bin_tick(i)) + "</text>"
                      : "<text class=\"tick\" x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"middle\">" +
                            escape(a.bin_tick(i)) + "</text>";
    }
    for (int j = 0; j < b.bins; j += step_b)
        out += "<text class=\"tick\" x=\"" + px(left - 5) + "\" y=\"" + px(top + (b.bins - 1 - j + 0.5) * cell_h + 4) +
               "\" text-anchor=\"end\">" + escape(b.bin_tick(j)) + "</text>";
    out += "<text class=\"label\" x=\"" + px(left + width / 2) + "\" y=\"" + px(total_h - 6) + "\" text-anchor=\"middle\">" +
           escape(a.name()) + "</text>";
    out += "<text class=\"label\" transform=\"translate(12 " + px(top + height / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
           escape(b.name()) + "</text></svg>";
    return "<figure>" + out + "<figcaption>" + escape(title) + "</figcaption></figure>";
}

std::string heatmaps_section(const Context& c) {
    std::string html = "<section><h2>Best validation cost over pairs of axes</h2>";
    if (c.axes.size() < 2 || c.finite.empty())
        return html + "<p class=\"note\">Fewer than two axes vary: no pair to draw.</p></section>";
    // The best cost per cell of every pair, then one colour range for all of them.
    std::vector<std::vector<double>> bests;
    std::vector<double> all;
    for (std::size_t p = 0; p < c.axes.size(); ++p)
        for (std::size_t q = p + 1; q < c.axes.size(); ++q) {
            const ReportAxis &a = c.axes[p], &b = c.axes[q];
            std::vector<double> best(static_cast<std::size_t>(a.bins * b.bins), INFINITY);
            for (const std::size_t i : c.finite) {
                const TrialResult& r = c.records.trials[i];
                double& cell = best[static_cast<std::size_t>(a.bin(axis_value(r, a.id)) * b.bins + b.bin(axis_value(r, b.id)))];
                cell = std::min(cell, r.val_cost);
            }
            for (const double v : best)
                if (std::isfinite(v)) all.push_back(v);
            bests.push_back(std::move(best));
        }
    std::sort(all.begin(), all.end());
    const double lo = all.front(), hi = std::max(all[all.size() * 9 / 10], lo + 1e-12);
    html += "<p class=\"note\">Each cell holds the lowest validation cost of the trials in it" +
            std::string(c.random ? " (range axes cut into " + std::to_string(kRangeBins) + " bins)" : "") +
            "; darker is better, grey cells hold no trial. Colour scale from " + escape(short_number(lo)) + " (dark) to " +
            escape(short_number(hi)) + " and above (light): <span class=\"sw\" style=\"background:" + svg::ramp_colour(1) +
            "\"></span><span class=\"sw\" style=\"background:" + svg::ramp_colour(0.5) + "\"></span><span class=\"sw\" style=\"background:" +
            svg::ramp_colour(0) + "\"></span></p><div class=\"figs\">";
    std::size_t k = 0;
    for (std::size_t p = 0; p < c.axes.size(); ++p)
        for (std::size_t q = p + 1; q < c.axes.size(); ++q) html += heatmap(c.axes[p], c.axes[q], lo, hi, bests[k++]);
    return html + "</div></section>";
}

// --- 4. Learning curves ----------------------------------------------------------------------------

std::string curves_section(const Context& c) {
    std::string html = "<section><h2>Learning curves</h2>";
    const std::vector<CurvePoint>* every_epoch = c.records.curve ? &*c.records.curve : nullptr;
    const std::vector<LearningCurve> curves = best_learning_curves(c.records.trials, 8, every_epoch);
    if (curves.empty())
        return html + "<p class=\"note\">" +
               (every_epoch ? std::string("No configuration has two or more epochs in curves.csv yet")
                            : std::string("No configuration was checked at two or more epoch counts") +
                                  (c.random ? " (random search draws each trial's epochs on its own)" : "")) +
               ", so there is no curve to draw." + (every_epoch ? "" : " <code>[run] curves = true</code> records every epoch.") +
               "</p></section>";
    html += "<p class=\"note\">Validation cost against epochs for the " + std::to_string(curves.size()) +
            " configurations (alpha, learning rate, batch size) with the lowest cost, " +
            (every_epoch ? std::string("after every epoch (curves.csv, recorded with <code>[run] curves = true</code>") +
                               (c.records.has_val_cost_std ? "; the mean over the folds" : "") + ").</p>"
                         : "from the checkpoints the sweep evaluated each model at (<code>[run] curves = true</code> "
                           "records every epoch).</p>");
    double lo = INFINITY, hi = -INFINITY, first = INFINITY, last = 0;
    std::vector<double> epochs;
    for (const LearningCurve& curve : curves)
        for (const auto& [e, cost] : curve.points) {
            lo = std::min(lo, cost);
            hi = std::max(hi, cost);
            first = std::min(first, static_cast<double>(e));
            last = std::max(last, static_cast<double>(e));
            epochs.push_back(e);
        }
    std::sort(epochs.begin(), epochs.end());
    epochs.erase(std::unique(epochs.begin(), epochs.end()), epochs.end());
    svg::Chart chart(720, 300, svg::padded_scale(first, last, false), svg::padded_scale(lo, hi, false, 0.06), "epochs",
                     "validation cost", epochs.size() <= 10 ? epochs : std::vector<double>{});
    std::string legend = "<p class=\"legend\">";
    for (std::size_t k = 0; k < curves.size(); ++k) {
        std::string points, dots;
        const bool marked = curves[k].points.size() <= 40;  // a dot per point while they stay apart
        for (const auto& [e, cost] : curves[k].points) {
            const std::string x = px(chart.x()(e)), y = px(chart.y()(cost));
            points += (points.empty() ? "" : " ") + x + "," + y;
            if (marked) dots += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"2.6\" fill=\"" + svg::series_colour(k) + "\"/>";
        }
        chart.add("<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"" + std::string(svg::series_colour(k)) + "\" points=\"" +
                  points + "\"/>" + dots);
        const Hyperparameters& h = curves[k].hyper;
        legend += "<span><span class=\"sw\" style=\"background:" + std::string(svg::series_colour(k)) + "\"></span>alpha " +
                  escape(short_number(h.alpha)) + ", rate " + escape(short_number(h.learning_rate)) + ", batch " +
                  std::to_string(h.batch_size) + ": best " + escape(short_number(curves[k].best)) + " at " +
                  std::to_string(h.epochs) + " epochs</span>";
    }
    return html + "<figure>" + chart.render("validation cost against epochs") + "</figure>" + legend + "</p></section>";
}

// --- 5. Which axes matter --------------------------------------------------------------------------

std::string importance_section(const Context& c) {
    std::string html = "<section><h2>Which axes matter</h2>";
    std::optional<Importance> shares;
    if (c.costs) shares = variance_shares(c.records.trials, *c.costs, c.axes);
    if (!shares)
        return html + "<p class=\"note\">" +
               (!c.costs ? "No trial has a finite validation cost yet."
                : c.axes.empty() ? "No axis varies: nothing to decompose."
                                 : "The validation cost does not vary: nothing to decompose.") +
               "</p></section>";
    html += "<p class=\"note\">";
    html += shares->exact ? "Exact functional-ANOVA decomposition of the validation cost's variance over the full grid: "
                            "each axis's main effect and each pair's interaction, as shares of the total."
                          : "<b>Estimate</b>: the share of the validation cost's variance explained by each axis (and pair) "
                            "over binned values (correlation ratios), since the trials do not form a full grid" +
                                std::string(c.random ? " (random search)" : " (the sweep is incomplete)") + ".";
    if (c.diverged) html += " The " + std::to_string(c.diverged) + " diverged trials count at the worst finite cost.";
    html += "</p><table><tr><th class=\"l\">effect</th><th>share of variance</th><th class=\"l\"></th></tr>";
    std::vector<std::pair<std::string, double>> effects = shares->effects;
    std::stable_sort(effects.begin(), effects.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    effects.emplace_back(shares->exact ? "higher-order interactions" : "rest (higher order, within bins)", shares->rest);
    for (const auto& [name, share] : effects)
        html += "<tr><td class=\"l\">" + escape(name) + "</td><td>" + percent(share, 1) +
                "</td><td class=\"l\" style=\"width:320px\"><div class=\"bar\"><span style=\"width:" + px(100 * std::clamp(share, 0.0, 1.0)) +
                "%\"></span></div></td></tr>";
    return html + "</table></section>";
}

// --- 6. Confusion matrix ---------------------------------------------------------------------------

std::string confusion_section(const Context& c) {
    std::string html = "<section><h2>Confusion matrix of the final model on the test set</h2>";
    const JsonValue* m = c.summary.find("confusion_matrix");
    if (!m || m->kind != JsonValue::Kind::array || m->items.empty())
        return html + "<p class=\"note\">No final model in this run.</p></section>";
    const std::size_t k = m->items.size();
    html += "<p class=\"note\">Rows: true class; columns: predicted class. Shade: share of the row. The last column is each "
            "class's accuracy (recall).</p><div class=\"scroll\"><table class=\"confusion\"><tr><th>true \\ predicted</th>";
    for (std::size_t j = 0; j < k; ++j) html += "<th>" + std::to_string(j) + "</th>";
    html += "<th>accuracy</th></tr>";
    for (std::size_t i = 0; i < k; ++i) {
        const std::vector<JsonValue>& cells = m->items[i].items;
        double total = 0;
        for (const JsonValue& v : cells) total += v.number;
        html += "<tr><th>" + std::to_string(i) + "</th>";
        for (std::size_t j = 0; j < cells.size(); ++j) {
            const double share = total > 0 ? cells[j].number / total : 0;
            const double t = i == j ? share : std::min(1.0, share * 2.5);  // errors made visible
            html += "<td style=\"background:" + (i == j ? svg::ramp_colour(t * 0.9) : std::string(share > 0 ? "rgba(214,39,40," + px(0.08 + 0.8 * t) + ")" : "#fff")) +
                    (i == j && svg::ramp_is_dark(t * 0.9) ? ";color:#fff" : "") + "\">" + format_number(cells[j].number) + "</td>";
        }
        html += "<td>" + (total > 0 && i < cells.size() ? percent(cells[i].number / total, 1) : std::string("-")) + "</td></tr>";
    }
    return html + "</table></div></section>";
}

// --- 7. Timeline -----------------------------------------------------------------------------------

std::string timeline_section(const Context& c) {
    std::string html = "<section><h2>Ranks' timeline</h2>";
    if (!c.records.legs || c.records.legs->empty())
        return html + "<p class=\"note\">No timeline recorded (this run's directory has no legs.csv).</p></section>";
    const std::vector<LegSpan>& spans = *c.records.legs;
    const Balance balance = timeline_balance(spans);
    const int ranks = static_cast<int>(balance.busy.size());
    const double row_h = std::clamp(560.0 / ranks, 3.0, 20.0);
    const double left = 58, top = 8, width = 820, height = row_h * ranks;
    const int total_w = static_cast<int>(left + width + 14), total_h = static_cast<int>(top + height + 40);
    svg::Scale xs;
    xs.lo = 0;
    xs.hi = balance.span > 0 ? balance.span : 1;
    xs.from = left;
    xs.to = left + width;
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(total_w) + ' ' +
                      std::to_string(total_h) + "\" width=\"" + std::to_string(total_w) + "\" height=\"" + std::to_string(total_h) +
                      "\" role=\"img\"><title>what each rank worked on, over time</title>";
    out += "<rect class=\"plot\" x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(width) + "\" height=\"" + px(height) + "\"/>";
    for (const double t : xs.ticks()) {
        out += "<line class=\"grid\" x1=\"" + px(xs(t)) + "\" x2=\"" + px(xs(t)) + "\" y1=\"" + px(top) + "\" y2=\"" + px(top + height) + "\"/>";
        out += "<text class=\"tick\" x=\"" + px(xs(t)) + "\" y=\"" + px(top + height + 14) + "\" text-anchor=\"middle\">" +
               short_number(t) + "</text>";
    }
    // Spans of one rank and kind that touch at this resolution merge into one bar, so the page stays
    // small whatever the number of legs; with few spans each keeps a tooltip.
    const bool tooltips = spans.size() <= 2000;
    std::vector<const LegSpan*> order;
    for (const LegSpan& s : spans) order.push_back(&s);
    std::sort(order.begin(), order.end(), [](const LegSpan* a, const LegSpan* b) {
        return std::tie(a->rank, a->final_model, a->start) < std::tie(b->rank, b->final_model, b->start);
    });
    const double pad = std::min(1.5, row_h * 0.15);
    for (std::size_t i = 0; i < order.size();) {
        const LegSpan& first = *order[i];
        double x0 = xs(first.start), x1 = xs(first.end);
        std::size_t j = i + 1;
        if (!tooltips)
            while (j < order.size() && order[j]->rank == first.rank && order[j]->final_model == first.final_model &&
                   xs(order[j]->start) <= x1 + 0.5)
                x1 = std::max(x1, xs(order[j++]->end));
        out += "<rect class=\"" + std::string(first.final_model ? "final" : "leg") + "\" x=\"" + px(x0) + "\" y=\"" +
               px(top + first.rank * row_h + pad) + "\" width=\"" + px(std::max(x1 - x0, 0.6)) + "\" height=\"" +
               px(row_h - 2 * pad) + "\"";
        if (tooltips)
            out += "><title>rank " + std::to_string(first.rank) + ": " +
                   (first.final_model ? std::string("final model") : "leg " + std::to_string(first.leg) + " of unit " + std::to_string(first.unit)) +
                   ", " + format_fixed(first.start, 2) + " to " + format_fixed(first.end, 2) + " s</title></rect>";
        else
            out += "/>";
        i = j;
    }
    const int label_step = ranks > 28 ? (ranks + 27) / 28 : 1;
    for (int r = 0; r < ranks; r += label_step)
        out += "<text class=\"tick\" x=\"" + px(left - 5) + "\" y=\"" + px(top + (r + 0.5) * row_h + 4) + "\" text-anchor=\"end\">rank " +
               std::to_string(r) + "</text>";
    out += "<text class=\"label\" x=\"" + px(left + width / 2) + "\" y=\"" + px(total_h - 6) + "\" text-anchor=\"middle\">seconds since the sweep's start</text></svg>";
    const auto [least, most] = std::minmax_element(balance.busy.begin(), balance.busy.end());
    html += "<p class=\"note\">Balance (mean / max busy time, the figure <code>hypergrid plan</code> predicts): <b>" +
            percent(balance.balance, 1) + "</b>, busy time per rank from " + seconds_text(*least) + " to " + seconds_text(*most) +
            "; the ranks were busy " + percent(balance.efficiency, 1) + " of the sweep's span (" + seconds_text(balance.span) +
            ") on average. <span class=\"sw\" style=\"background:#4c8bd6\"></span>leg of a unit "
            "<span class=\"sw\" style=\"background:#e8590c\"></span>final model</p>";
    return html + "<div class=\"scroll\">" + out + "</div></section>";
}

// --- 8. The best trials ----------------------------------------------------------------------------

std::string top_section(const Context& c) {
    std::string html = "<section><h2>The best 10 trials</h2>";
    const std::vector<std::size_t> top = top_trials(c.records.trials, 10);
    if (top.empty()) return html + "<p class=\"note\">No trial with a finite cost yet.</p></section>";
    html += "<div class=\"scroll\"><table><tr><th>#</th><th>trial</th>";
    for (const char* axis : kAxisNames) html += std::string("<th>") + axis + "</th>";
    html += "<th>val cost</th>" + std::string(c.records.has_val_cost_std ? "<th>&plusmn; std over folds</th>" : "") +
            "<th>val cross-entropy</th><th>val accuracy</th><th>seconds</th><th>rank</th></tr>";
    for (std::size_t k = 0; k < top.size(); ++k) {
        const TrialResult& r = c.records.trials[top[k]];
        html += "<tr><td>" + std::to_string(k + 1) + "</td><td>" + std::to_string(r.trial) + "</td><td>" +
                std::to_string(r.hyper.epochs) + "</td><td title=\"" + format_number(r.hyper.alpha) + "\">" +
                escape(short_number(r.hyper.alpha)) + "</td><td title=\"" + format_number(r.hyper.learning_rate) + "\">" +
                escape(short_number(r.hyper.learning_rate)) + "</td><td>" + std::to_string(r.hyper.batch_size) + "</td><td>" +
                format_fixed(r.val_cost, 6) + "</td><td>" +
                (c.records.has_val_cost_std ? format_fixed(r.val_cost_std, 6) + "</td><td>" : "") + format_fixed(r.val_cross_entropy, 6) + "</td><td>" +
                percent(r.val_accuracy) + "</td><td>" + format_fixed(r.seconds, 3) + "</td><td>" + std::to_string(r.rank) +
                "</td></tr>";
    }
    return html + "</table></div></section>";
}

/// k-fold: each fold's validation cost for the best trials, so the spread behind a mean is visible.
std::string folds_section(const Context& c) {
    if (c.records.folds.empty()) return "";
    int folds = 0;
    for (const TrialResult& r : c.records.folds) folds = std::max(folds, r.fold + 1);
    std::string html = "<section><h2>Spread over folds</h2><p class=\"note\">Each fold's validation cost for the best "
                       "trials (folds.csv); a trial's val cost is their mean, &plusmn; their standard deviation.</p>"
                       "<div class=\"scroll\"><table class=\"folds\"><tr><th>trial</th>";
    for (int f = 0; f < folds; ++f) html += "<th>fold " + std::to_string(f) + "</th>";
    html += "<th>mean</th><th>&plusmn; std</th></tr>";
    for (const std::size_t i : top_trials(c.records.trials, 5)) {
        const TrialResult& r = c.records.trials[i];
        std::vector<std::string> cells(static_cast<std::size_t>(folds), "-");
        for (const TrialResult* f : folds_of(c.records.folds, r.trial)) cells[static_cast<std::size_t>(f->fold)] = format_fixed(f->val_cost, 6);
        html += "<tr><td>" + std::to_string(r.trial) + "</td>";
        for (const std::string& cell : cells) html += "<td>" + cell + "</td>";
        html += "<td>" + format_fixed(r.val_cost, 6) + "</td><td>" + format_fixed(r.val_cost_std, 6) + "</td></tr>";
    }
    return html + "</table></div></section>";
}

}  // namespace

std::string format_html_report(const RunRecords& records) {
    Context c{records, records.summary, false, false, {}, {}, {}, 0};
    c.random = text_at(records.summary, {"config", "search", "mode"}) == "random";
    c.halving = text_at(records.summary, {"config", "search", "mode"}) == "halving" || !records.rungs.empty();
    bool declared_log[kReportAxes] = {};
    for (int a = 0; a < kReportAxes; ++a)
        declared_log[a] = text_at(records.summary, {"config", "search", "ranges", kAxisNames[a], "scale"}) == "log";
    c.axes = varying_axes(records.trials, declared_log, c.random ? kRangeBins : kMaxListBins);
    for (std::size_t i = 0; i < records.trials.size(); ++i) {
        const TrialResult& r = records.trials[i];
        if (r.status == TrialStatus::ok && std::isfinite(r.val_cost)) c.finite.push_back(i);
        else ++c.diverged;
    }
    c.costs = analysis_costs(records.trials);

    const bool complete = text_at(records.summary, {"complete"}) == "true";
    const std::string shard = text_at(records.summary, {"shard"});
    const std::string badge = !complete ? "<span class=\"badge stopped\">stopped</span>"
                              : shard != "0/1" ? "<span class=\"badge shard\">shard " + escape(shard) + "</span>"
                                               : "<span class=\"badge complete\">complete</span>";
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                       "content=\"width=device-width,initial-scale=1\"><title>hypergrid report: " +
                       escape(records.directory.filename().string()) + "</title><style>" + kStyle + "</style></head><body><main>";
    html += "<h1>hypergrid sweep" + badge + "</h1><p class=\"sub\">" + escape(records.directory.string()) + " &middot; " +
            std::to_string(records.trials.size()) + " trials &middot; hypergrid " + escape(text_at(records.summary, {"version"})) + "</p>";
    html += summary_section(c);
    html += status_section(c);
    html += rungs_section(c);
    html += axes_section(c);
    html += heatmaps_section(c);
    html += curves_section(c);
    html += importance_section(c);
    html += confusion_section(c);
    html += timeline_section(c);
    html += top_section(c);
    html += folds_section(c);
    return html + "</main></body></html>\n";
}

void write_html_report(const std::filesystem::path& directory, const std::filesystem::path& file) {
    const std::string page = format_html_report(read_run_records(directory));
    write_file_atomic(file.empty() ? directory / "report.html" : file, page);
}

}  // namespace hypergrid
