#pragma once
/// @file errors.hpp
/// Error types that cross component boundaries, and the one line a failure prints; main maps
/// errors to exit codes.

#include <stdexcept>
#include <string>

namespace hypergrid {

/// Bad input from the user: a config, a data file, a command-line value. Exit code 2.
/// The message is one line and names the file (and line or key) at fault.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Records the phase of the run this process is in ("configure", "load", "journal", "plan", "sweep",
/// "final", "outputs", ...), which its failure line names. `phase` must outlive the process (a literal).
void enter_phase(const char* phase);
const char* current_phase();

/// The line a failure prints on stderr: "hypergrid: rank R, PHASE: CAUSE".
std::string failure_line(int rank, const char* phase, const std::string& cause);

}  // namespace hypergrid
