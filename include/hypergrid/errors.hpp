#pragma once
/// @file errors.hpp
/// Error types that cross component boundaries; main maps them to exit codes.

#include <stdexcept>
#include <string>

namespace hypergrid {

/// Bad input from the user: a config, a data file, a command-line value. Exit code 2.
/// The message is one line and names the file (and line or key) at fault.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace hypergrid
