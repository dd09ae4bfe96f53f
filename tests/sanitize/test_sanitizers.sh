#!/usr/bin/env bash
# The unit and MPI tests again, built with AddressSanitizer and UBSan: a memory error or undefined
# behaviour anywhere they reach (the SGD kernels, the readers, the plan, the messages between ranks)
# fails the test with the sanitizer's report. Builds its own tree (GCC, -O1, the build machine's
# vector units as scripts/setup.sh builds) in a temporary directory: about 4 minutes on 2 cores.
#
# Environment (set by ctest, see tests/CMakeLists.txt): HYPERGRID_SOURCE_DIR, MPIEXEC, and Open MPI's
# settings for running as root and oversubscribed.
set -euo pipefail

: "${HYPERGRID_SOURCE_DIR:?HYPERGRID_SOURCE_DIR must name the repository root (run the tests through ctest)}"
: "${MPIEXEC:?MPIEXEC must name mpiexec (run the tests through ctest)}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hypergrid-sanitize-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "building the unit and MPI tests with -fsanitize=address,undefined"
cmake -S "$HYPERGRID_SOURCE_DIR" -B "$WORK" -DCMAKE_BUILD_TYPE=None -DHYPERGRID_NATIVE=ON \
  -DCMAKE_CXX_FLAGS="-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
  >"$WORK/configure.log" 2>&1 || { tail -n 20 "$WORK/configure.log"; fail "configure failed"; }
cmake --build "$WORK" -j "$(nproc)" --target unit_tests mpi_tests >"$WORK/build.log" 2>&1 ||
  { grep -m 20 -E "error|Error" "$WORK/build.log"; fail "the sanitized tests do not build"; }

# Open MPI keeps allocations until exit by design: leak checks only where MPI is not started.
echo "unit tests"
ASAN_OPTIONS=detect_leaks=1 "$WORK/tests/unit_tests" >"$WORK/unit.log" 2>&1 ||
  { tail -n 40 "$WORK/unit.log"; fail "unit tests under the sanitizers"; }
for np in 1 2 3 4; do
  echo "MPI tests, $np ranks"
  ASAN_OPTIONS=detect_leaks=0 "$MPIEXEC" -np "$np" "$WORK/tests/mpi_tests" >"$WORK/mpi$np.log" 2>&1 ||
    { grep -m 20 -E -B2 -A8 "runtime error|ERROR: AddressSanitizer|FAILED" "$WORK/mpi$np.log" || tail -n 40 "$WORK/mpi$np.log"
      fail "MPI tests on $np ranks under the sanitizers"; }
done
echo "ok: no sanitizer report in the unit tests or the MPI tests on 1-4 ranks"
