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

/// The Cartesian product of the axes. Trial ids are row-major over (epochs, alpha, learning_rate,
/// batch_size): batch_size varies fastest. Ids are stable: they depend on the axes alone.
class Grid {
public:
    explicit Grid(GridConfig axes);

    std::int64_t size() const;
    Hyperparameters at(std::int64_t trial) const;
    /// The id of the trial at the given index of each axis.
    std::int64_t trial_id(std::size_t epochs_index, std::size_t alpha_index, std::size_t rate_index,
                          std::size_t batch_index) const;
    const GridConfig& axes() const { return axes_; }

private:
    GridConfig axes_;
};

std::ostream& operator<<(std::ostream& out, const Hyperparameters& h);

}  // namespace hypergrid
