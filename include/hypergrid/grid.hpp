#pragma once
/// @file grid.hpp
/// The search space: trial id <-> hyperparameters.

#include "hypergrid/config.hpp"

#include <cstdint>
#include <iosfwd>

namespace hypergrid {

/// One point of the search space.
struct Hyperparameters {
    int epochs = 0;
    double alpha = 0;
    double learning_rate = 0;
    int batch_size = 0;
};

/// The search space. Grid mode: the Cartesian product of the axes, trial ids row-major over
/// (epochs, alpha, learning_rate, batch_size), batch_size fastest. Random mode: `samples` points,
/// trial t drawn from the seed and t alone (a list axis uniformly among its values, a range axis
/// uniformly, or log-uniformly for a log range, integers rounded). Either way ids are stable and
/// at() computes a point on demand: no space is ever materialised.
class Grid {
public:
    explicit Grid(GridConfig axes);

    std::int64_t size() const;
    bool random() const { return axes_.random; }
    /// Halving with `samples`: configuration s is drawn as random mode's trial s is (its epochs
    /// aside), and trial t is configuration t % samples at the epochs value of index t / samples.
    bool drawn_configurations() const { return axes_.halving && axes_.samples > 0; }
    Hyperparameters at(std::int64_t trial) const;
    /// Grid mode: the id of the trial at the given index of each axis.
    std::int64_t trial_id(std::size_t epochs_index, std::size_t alpha_index, std::size_t rate_index,
                          std::size_t batch_index) const;
    const GridConfig& axes() const { return axes_; }

private:
    Hyperparameters draw_point(std::int64_t sample) const;  ///< random mode's trial `sample`

    GridConfig axes_;
};

std::ostream& operator<<(std::ostream& out, const Hyperparameters& h);

}  // namespace hypergrid
