#pragma once
/// @file fault.hpp
/// Fault injection, a testing aid. `HYPERGRID_FAULT=<point>[@<rank>][#<n>][:kill]` makes the n-th
/// (default: first) arrival at the named point on the given rank (default: any rank) fail: it throws
/// InjectedFault, or with `:kill` the process sends itself SIGKILL, as a crash would. Unset, a fault
/// point costs one branch. The points are listed in kFaultPoints; docs/running.md documents the
/// switch, tests/scripts/test_faults.sh runs every point.

#include <stdexcept>
#include <string>

namespace hypergrid {

/// The failure a fault point raises: an ordinary runtime error naming the point.
class InjectedFault : public std::runtime_error {
public:
    explicit InjectedFault(const std::string& point) : std::runtime_error("injected fault at " + point) {}
};

/// Every point the code reaches, so a test can enumerate them (each is used exactly once in src/).
extern const char* const kFaultPoints[];
extern const int kFaultPointCount;

/// Reads HYPERGRID_FAULT once this rank knows its number; throws InputError on a malformed value or
/// an unknown point.
void arm_fault_injection(int rank);

/// Fails here if HYPERGRID_FAULT names this point (and this rank, and this arrival).
void fault_point(const char* point);

}  // namespace hypergrid
