#pragma once
/// @file plan_report.hpp
/// The text `hypergrid plan` prints: units of work, their cost, and the expected load of each rank.

#include "hypergrid/plan.hpp"

#include <string>

namespace hypergrid {

/// The units are shown as the legs relay_schedule cuts them into for `ranks` ranks. Costs are shown
/// in model-epochs (one model trained for one epoch over the training set), with the per-step
/// overhead of small batches counted in and each unit's width padded to whole vectors.
std::string format_plan_report(const WorkPlan& plan, int ranks);

}  // namespace hypergrid
