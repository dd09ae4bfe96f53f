#include "hypergrid/grid.hpp"

#include "hypergrid/shuffle.hpp"

#include <algorithm>
#include <cmath>

#include <ostream>
#include <stdexcept>
#include <utility>

namespace hypergrid {

Grid::Grid(GridConfig axes) : axes_(std::move(axes)) {}

std::int64_t Grid::size() const {
    if (drawn_configurations()) return axes_.samples * static_cast<std::int64_t>(axes_.epochs.size());
    if (axes_.random) return axes_.samples;
    return static_cast<std::int64_t>(axes_.epochs.size() * axes_.alpha.size() * axes_.learning_rate.size() *
                                     axes_.batch_size.size());
}

std::int64_t Grid::trial_id(std::size_t e, std::size_t a, std::size_t l, std::size_t b) const {
    return static_cast<std::int64_t>(
        ((e * axes_.alpha.size() + a) * axes_.learning_rate.size() + l) * axes_.batch_size.size() + b);
}

namespace {

/// A uniform draw in [0, 1) from the next 53 bits of a SplitMix64 stream.
double uniform(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ULL;
    return static_cast<double>(mix64(state) >> 11) * 0x1.0p-53;
}

template <class T>
T draw(const std::vector<T>& values, const std::optional<AxisRange>& range, std::uint64_t& state) {
    const double u = uniform(state);
    if (!range || !values.empty()) {  // a list, or a range given with num: its points
        return values[std::min(values.size() - 1, static_cast<std::size_t>(u * static_cast<double>(values.size())))];
    }
    if constexpr (std::is_same_v<T, int>) {
        // Integer ends: every integer of [start, stop] (or of its log scale) equally likely.
        const double high = range->stop + 1;
        const double x = range->log ? std::exp(std::log(range->start) + u * (std::log(high) - std::log(range->start)))
                                    : range->start + u * (high - range->start);
        return static_cast<int>(std::min(range->stop, std::floor(x)));
    } else {
        return range->log ? std::exp(std::log(range->start) + u * (std::log(range->stop) - std::log(range->start)))
                          : range->start + u * (range->stop - range->start);
    }
}

}  // namespace

Hyperparameters Grid::at(std::int64_t trial) const {
    if (trial < 0 || trial >= size()) throw std::out_of_range("trial id out of range");
    if (drawn_configurations()) {
        Hyperparameters h = draw_point(trial % axes_.samples);
        h.epochs = axes_.epochs[static_cast<std::size_t>(trial / axes_.samples)];
        return h;
    }
    if (axes_.random) return draw_point(trial);
    auto rest = static_cast<std::size_t>(trial);
    const std::size_t b = rest % axes_.batch_size.size();
    rest /= axes_.batch_size.size();
    const std::size_t l = rest % axes_.learning_rate.size();
    rest /= axes_.learning_rate.size();
    const std::size_t a = rest % axes_.alpha.size();
    const std::size_t e = rest / axes_.alpha.size();
    return {axes_.epochs[e], axes_.alpha[a], axes_.learning_rate[l], axes_.batch_size[b]};
}

Hyperparameters Grid::draw_point(std::int64_t sample) const {
    // Each trial has its own stream: a function of (search seed, trial id) only.
    std::uint64_t state = mix64(axes_.search_seed ^ mix64(static_cast<std::uint64_t>(sample) + 0x5EA4C4ULL));
    Hyperparameters h;
    h.epochs = draw(axes_.epochs, axes_.ranges[0], state);
    h.alpha = draw(axes_.alpha, axes_.ranges[1], state);
    h.learning_rate = draw(axes_.learning_rate, axes_.ranges[2], state);
    h.batch_size = draw(axes_.batch_size, axes_.ranges[3], state);
    return h;
}

std::ostream& operator<<(std::ostream& out, const Hyperparameters& h) {
    return out << "epochs=" << h.epochs << " alpha=" << h.alpha << " lr=" << h.learning_rate
               << " batch=" << h.batch_size;
}

}  // namespace hypergrid
