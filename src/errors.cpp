#include "hypergrid/errors.hpp"

namespace hypergrid {
namespace {

const char* phase_now = "start-up";

}  // namespace

void enter_phase(const char* phase) { phase_now = phase; }

const char* current_phase() { return phase_now; }

std::string failure_line(int rank, const char* phase, const std::string& cause) {
    return "hypergrid: rank " + std::to_string(rank) + ", " + phase + ": " + cause;
}

}  // namespace hypergrid
