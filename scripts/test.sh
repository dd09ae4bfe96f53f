#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite through ctest.
# Usage: scripts/test.sh [ctest options, e.g. -L mpi or -R unit]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cd build
ctest --output-on-failure --timeout 1200 "$@"
