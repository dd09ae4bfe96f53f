// legs.csv: the header the report reads, one row per leg or final model, in the order given.

#include "hypergrid/leg_timeline.hpp"

#include <catch2/catch.hpp>

using namespace hypergrid;

TEST_CASE("format_legs_csv writes the header and one row per timing", "[leg_timeline]") {
    CHECK(format_legs_csv({}) == "rank,leg,unit,kind,start_seconds,end_seconds\n");
    const std::vector<LegTiming> timings = {{1, 4, 2, false, 0.5, 1.25}, {0, -1, -1, true, 1.25, 3.0000004}};
    CHECK(format_legs_csv(timings) ==
          "rank,leg,unit,kind,start_seconds,end_seconds\n"
          "1,4,2,leg,0.500000,1.250000\n"
          "0,-1,-1,final,1.250000,3.000000\n");
}
