#include "hypergrid/report_analysis.hpp"

#include "hypergrid/plan.hpp"
#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace hypergrid {

const char* const kAxisNames[kReportAxes] = {"epochs", "alpha", "learning_rate", "batch_size"};

double axis_value(const TrialResult& r, int axis) {
    switch (axis) {
        case 0: return r.hyper.epochs;
        case 1: return r.hyper.alpha;
        case 2: return r.hyper.learning_rate;
        default: return r.hyper.batch_size;
    }
}

namespace {

/// Coefficient of variation of the steps between consecutive values.
double step_variation(const std::vector<double>& values) {
    std::vector<double> steps;
    for (std::size_t i = 1; i < values.size(); ++i) steps.push_back(values[i] - values[i - 1]);
    const double mean = std::accumulate(steps.begin(), steps.end(), 0.0) / static_cast<double>(steps.size());
    double square = 0;
    for (const double s : steps) square += (s - mean) * (s - mean);
    return std::sqrt(square / static_cast<double>(steps.size())) / std::abs(mean);
}

}  // namespace

bool log_spaced(const std::vector<double>& values, bool declared_log) {
    if (values.empty() || values.front() <= 0) return false;
    if (declared_log) return true;
    if (values.size() < 2 || values.back() / values.front() < 10) return false;
    if (values.size() == 2) return true;
    std::vector<double> logs;
    for (const double v : values) logs.push_back(std::log(v));
    return step_variation(logs) < step_variation(values);
}

double ReportAxis::display(double value) const { return log ? std::log10(value) : value; }

int ReportAxis::bin(double value) const {
    if (discrete)
        return static_cast<int>(std::lower_bound(values.begin(), values.end(), value) - values.begin());
    const double at = (display(value) - lo) / (hi - lo) * bins;
    return std::clamp(static_cast<int>(at), 0, bins - 1);
}

std::string ReportAxis::bin_label(int b) const {
    if (discrete) return format_number(values[static_cast<std::size_t>(b)]);
    auto edge = [&](int i) {
        const double d = lo + (hi - lo) * i / bins;
        const double v = log ? std::pow(10.0, d) : d;
        char text[32];
        std::snprintf(text, sizeof text, "%.3g", v);
        return std::string(text);
    };
    return edge(b) + "-" + edge(b + 1);
}

std::string ReportAxis::bin_tick(int b) const {
    if (discrete) return format_number(values[static_cast<std::size_t>(b)]);
    const double centre = lo + (hi - lo) * (b + 0.5) / bins;
    char text[32];
    std::snprintf(text, sizeof text, "%.2g", log ? std::pow(10.0, centre) : centre);
    return text;
}

std::vector<ReportAxis> varying_axes(const std::vector<TrialResult>& trials, const bool declared_log[kReportAxes],
                                     int max_bins) {
    std::vector<ReportAxis> axes;
    for (int id = 0; id < kReportAxes; ++id) {
        ReportAxis axis;
        axis.id = id;
        axis.values.reserve(trials.size());
        for (const TrialResult& r : trials) axis.values.push_back(axis_value(r, id));
        std::sort(axis.values.begin(), axis.values.end());
        axis.values.erase(std::unique(axis.values.begin(), axis.values.end()), axis.values.end());
        if (axis.values.size() < 2) continue;
        axis.log = log_spaced(axis.values, declared_log[id]);
        axis.lo = axis.display(axis.values.front());
        axis.hi = axis.display(axis.values.back());
        axis.discrete = static_cast<int>(axis.values.size()) <= max_bins;
        axis.bins = axis.discrete ? static_cast<int>(axis.values.size()) : max_bins;
        axes.push_back(std::move(axis));
    }
    return axes;
}

std::optional<std::vector<double>> analysis_costs(const std::vector<TrialResult>& trials) {
    double worst = -INFINITY;
    for (const TrialResult& r : trials)
        if (r.status == TrialStatus::ok && std::isfinite(r.val_cost)) worst = std::max(worst, r.val_cost);
    if (!std::isfinite(worst)) return std::nullopt;
    std::vector<double> costs;
    costs.reserve(trials.size());
    for (const TrialResult& r : trials)
        costs.push_back(r.status == TrialStatus::ok && std::isfinite(r.val_cost) ? r.val_cost : worst);
    return costs;
}

std::optional<Importance> variance_shares(const std::vector<TrialResult>& trials, const std::vector<double>& costs,
                                          const std::vector<ReportAxis>& axes) {
    const double n = static_cast<double>(trials.size());
    if (trials.empty() || axes.empty()) return std::nullopt;
    const double mean = std::accumulate(costs.begin(), costs.end(), 0.0) / n;
    double total = 0;
    for (const double c : costs) total += (c - mean) * (c - mean);
    if (!(total > 0)) return std::nullopt;

    // Each trial's bin on every axis, computed once.
    std::vector<std::vector<int>> bin(axes.size(), std::vector<int>(trials.size()));
    for (std::size_t a = 0; a < axes.size(); ++a)
        for (std::size_t i = 0; i < trials.size(); ++i) bin[a][i] = axes[a].bin(axis_value(trials[i], axes[a].id));

    // eta^2 of a grouping: the between-group sum of squares over the total.
    auto eta_squared = [&](auto group_of, std::size_t groups) {
        std::vector<double> sum(groups), count(groups);
        for (std::size_t i = 0; i < trials.size(); ++i) {
            const std::size_t g = group_of(i);
            sum[g] += costs[i];
            count[g] += 1;
        }
        double between = 0;
        for (std::size_t g = 0; g < groups; ++g)
            if (count[g] > 0) between += count[g] * (sum[g] / count[g] - mean) * (sum[g] / count[g] - mean);
        return between / total;
    };

    // Exact when every combination of the axes' values occurs equally often (a full grid).
    bool exact = true;
    std::size_t cells = 1;
    for (const ReportAxis& axis : axes) {
        exact = exact && axis.discrete;
        cells *= static_cast<std::size_t>(axis.bins);
        if (cells > trials.size()) exact = false;
    }
    if (exact) {
        std::vector<std::int64_t> count(cells);
        for (std::size_t i = 0; i < trials.size(); ++i) {
            std::size_t cell = 0;
            for (std::size_t a = 0; a < axes.size(); ++a) cell = cell * static_cast<std::size_t>(axes[a].bins) + static_cast<std::size_t>(bin[a][i]);
            ++count[cell];
        }
        exact = std::all_of(count.begin(), count.end(), [&](std::int64_t c) { return c == count[0]; });
    }

    Importance importance;
    importance.exact = exact;
    std::vector<double> main(axes.size());
    double explained = 0;
    for (std::size_t a = 0; a < axes.size(); ++a) {
        main[a] = eta_squared([&](std::size_t i) { return static_cast<std::size_t>(bin[a][i]); },
                              static_cast<std::size_t>(axes[a].bins));
        importance.effects.emplace_back(axes[a].name(), main[a]);
        explained += main[a];
    }
    for (std::size_t a = 0; a < axes.size(); ++a)
        for (std::size_t b = a + 1; b < axes.size(); ++b) {
            const auto width = static_cast<std::size_t>(axes[b].bins);
            const double joint = eta_squared(
                [&](std::size_t i) { return static_cast<std::size_t>(bin[a][i]) * width + static_cast<std::size_t>(bin[b][i]); },
                static_cast<std::size_t>(axes[a].bins) * width);
            const double pair = std::max(0.0, joint - main[a] - main[b]);
            importance.effects.emplace_back(std::string(axes[a].name()) + " \u00d7 " + axes[b].name(), pair);
            explained += pair;
        }
    importance.rest = std::max(0.0, 1 - explained);
    return importance;
}

namespace {

/// The track's every-epoch points: `points` holds every point sorted by (track, epoch, fold), and
/// an epoch counts when all `folds` folds reached it with a finite cost.
std::vector<std::pair<int, double>> every_epoch_of(const Hyperparameters& track, const std::vector<CurvePoint>& points,
                                                   std::size_t folds) {
    const auto key = [](const CurvePoint& p) { return std::make_tuple(p.alpha, p.learning_rate, p.batch_size); };
    const auto wanted = std::make_tuple(track.alpha, track.learning_rate, track.batch_size);
    auto at = std::lower_bound(points.begin(), points.end(), wanted,
                               [&](const CurvePoint& p, const auto& k) { return key(p) < k; });
    std::vector<std::pair<int, double>> out;
    while (at != points.end() && key(*at) == wanted) {
        const int epoch = at->epoch;
        double sum = 0;
        std::size_t reached = 0;
        for (; at != points.end() && key(*at) == wanted && at->epoch == epoch; ++at, ++reached) sum += at->val_cost;
        const double mean = sum / static_cast<double>(reached);
        if (reached == folds && std::isfinite(mean)) out.emplace_back(epoch, mean);
    }
    return out;
}

}  // namespace

std::vector<LearningCurve> best_learning_curves(const std::vector<TrialResult>& trials, std::size_t count,
                                                const std::vector<CurvePoint>* every_epoch) {
    // Sorting by track then epochs puts each track's checkpoints side by side (no map of a million tracks).
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < trials.size(); ++i)
        if (trials[i].status == TrialStatus::ok && std::isfinite(trials[i].val_cost)) order.push_back(i);
    auto track = [&](std::size_t i) {
        const Hyperparameters& h = trials[i].hyper;
        return std::make_tuple(h.alpha, h.learning_rate, h.batch_size);
    };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::tuple_cat(track(a), std::make_tuple(trials[a].hyper.epochs, trials[a].trial)) <
               std::tuple_cat(track(b), std::make_tuple(trials[b].hyper.epochs, trials[b].trial));
    });
    std::vector<LearningCurve> curves;
    for (std::size_t first = 0; first < order.size();) {
        std::size_t last = first + 1;
        while (last < order.size() && track(order[last]) == track(order[first])) ++last;
        LearningCurve curve;
        curve.best = INFINITY;
        for (std::size_t k = first; k < last; ++k) {
            const TrialResult& r = trials[order[k]];
            curve.points.emplace_back(r.hyper.epochs, r.val_cost);
            if (r.val_cost < curve.best) {
                curve.best = r.val_cost;
                curve.hyper = r.hyper;
            }
        }
        if (every_epoch || curve.points.size() >= 2) curves.push_back(std::move(curve));
        first = last;
    }
    std::stable_sort(curves.begin(), curves.end(), [](const LearningCurve& a, const LearningCurve& b) { return a.best < b.best; });
    if (every_epoch) {  // the best tracks' every-epoch points, in place of their checkpoints
        std::vector<CurvePoint> points = *every_epoch;
        std::sort(points.begin(), points.end(), [](const CurvePoint& a, const CurvePoint& b) {
            return std::tie(a.alpha, a.learning_rate, a.batch_size, a.epoch, a.fold) <
                   std::tie(b.alpha, b.learning_rate, b.batch_size, b.epoch, b.fold);
        });
        std::set<int> folds;
        for (const CurvePoint& p : points) folds.insert(p.fold);
        std::vector<LearningCurve> drawn;
        for (std::size_t k = 0; k < curves.size() && drawn.size() < count; ++k) {
            curves[k].points = every_epoch_of(curves[k].hyper, points, folds.size());
            if (curves[k].points.size() >= 2) drawn.push_back(std::move(curves[k]));
        }
        return drawn;
    }
    if (curves.size() > count) curves.resize(count);
    return curves;
}

std::vector<std::size_t> top_trials(const std::vector<TrialResult>& trials, std::size_t count) {
    std::vector<std::size_t> ok;
    for (std::size_t i = 0; i < trials.size(); ++i)
        if (trials[i].status == TrialStatus::ok && std::isfinite(trials[i].val_cost)) ok.push_back(i);
    auto better = [&](std::size_t a, std::size_t b) {
        return std::tie(trials[a].val_cost, trials[a].trial) < std::tie(trials[b].val_cost, trials[b].trial);
    };
    const std::size_t keep = std::min(count, ok.size());
    std::partial_sort(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(keep), ok.end(), better);
    ok.resize(keep);
    return ok;
}

std::vector<RungSummary> rung_summaries(const std::vector<TrialResult>& trials, const std::vector<int>& rungs) {
    std::vector<RungSummary> out;
    if (rungs.size() != trials.size()) return out;
    using Configuration = std::tuple<double, double, int>;  // (alpha, learning_rate, batch_size)
    std::map<int, std::vector<std::size_t>> by_rung;
    for (std::size_t i = 0; i < trials.size(); ++i) by_rung[rungs[i]].push_back(i);
    for (auto it = by_rung.begin(); it != by_rung.end(); ++it) {
        RungSummary rung;
        rung.rung = it->first;
        rung.epochs = trials[it->second.front()].hyper.epochs;
        rung.trained = it->second.size();
        for (const std::size_t i : it->second) {
            const TrialResult& r = trials[i];
            if (r.status != TrialStatus::ok || !std::isfinite(r.val_cost)) continue;
            if (!rung.best || std::tie(r.val_cost, r.trial) < std::tie(trials[*rung.best].val_cost, trials[*rung.best].trial))
                rung.best = i;
        }
        if (const auto next = std::next(it); next != by_rung.end() && next->first == it->first + 1) {
            std::set<Configuration> continued;
            for (const std::size_t i : next->second)
                continued.emplace(trials[i].hyper.alpha, trials[i].hyper.learning_rate, trials[i].hyper.batch_size);
            for (const std::size_t i : it->second)
                rung.promoted += continued.count({trials[i].hyper.alpha, trials[i].hyper.learning_rate, trials[i].hyper.batch_size});
        }
        out.push_back(rung);
    }
    return out;
}

std::vector<const TrialResult*> folds_of(const std::vector<TrialResult>& folds, std::int64_t trial) {
    std::vector<const TrialResult*> out;
    for (const TrialResult& r : folds)
        if (r.trial == trial) out.push_back(&r);
    std::sort(out.begin(), out.end(), [](const TrialResult* a, const TrialResult* b) { return a->fold < b->fold; });
    return out;
}

Balance timeline_balance(const std::vector<LegSpan>& spans) {
    Balance balance;
    int ranks = 0;
    for (const LegSpan& s : spans) {
        ranks = std::max(ranks, s.rank + 1);
        balance.span = std::max(balance.span, s.end);
    }
    balance.busy.assign(static_cast<std::size_t>(ranks), 0.0);
    for (const LegSpan& s : spans) balance.busy[static_cast<std::size_t>(s.rank)] += s.end - s.start;
    if (ranks == 0 || !(balance.span > 0)) return balance;
    const double mean = std::accumulate(balance.busy.begin(), balance.busy.end(), 0.0) / ranks;
    balance.efficiency = mean / balance.span;
    const double most = *std::max_element(balance.busy.begin(), balance.busy.end());
    balance.balance = most > 0 ? mean / most : 0;
    return balance;
}

}  // namespace hypergrid
