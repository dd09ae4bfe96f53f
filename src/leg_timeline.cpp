#include "hypergrid/leg_timeline.hpp"

#include "hypergrid/text_format.hpp"

namespace hypergrid {

std::string format_legs_csv(const std::vector<LegTiming>& timings) {
    std::string csv = kLegsCsvHeader;
    csv += '\n';
    for (const LegTiming& t : timings)
        csv += std::to_string(t.rank) + ',' + std::to_string(t.leg) + ',' + std::to_string(t.unit) + ',' +
               (t.final_model ? "final" : "leg") + ',' + format_fixed(t.start, 6) + ',' + format_fixed(t.end, 6) + '\n';
    return csv;
}

}  // namespace hypergrid
