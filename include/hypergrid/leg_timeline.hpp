#pragma once
/// @file leg_timeline.hpp
/// legs.csv: when each leg of the sweep and each final model ran, and where, for the run's report.

#include <cstdint>
#include <string>
#include <vector>

namespace hypergrid {

/// One piece of work that ran to its end.
struct LegTiming {
    int rank = 0;
    std::int64_t leg = -1;   ///< the leg's index in the plan; -1 for a final model
    std::int64_t unit = -1;  ///< the leg's unit; -1 for a final model
    bool final_model = false;  ///< kind "final": a final model (trained ahead, or on rank 0 at the end)
    double start = 0;        ///< seconds since the sweep's start (each rank's clock, started together)
    double end = 0;
};

inline constexpr const char* kLegsCsvHeader = "rank,leg,unit,kind,start_seconds,end_seconds";

/// legs.csv's text: the header, then one line per timing, in the order given.
std::string format_legs_csv(const std::vector<LegTiming>& timings);

}  // namespace hypergrid
