#pragma once
/// @file trained_state.hpp
/// Models in flight between ranks, with the time they took.

#include <vector>

namespace hypergrid {

/// A trainer's state() (a leg handed over to the leg that continues it) or a flattened final model
/// (trained ahead by an idle rank), with the seconds spent training it so far.
struct TrainedState {
    std::vector<double> values;
    double seconds = 0;
    bool operator==(const TrainedState& other) const { return values == other.values && seconds == other.seconds; }
};

}  // namespace hypergrid
