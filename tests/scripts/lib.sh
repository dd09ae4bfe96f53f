# Shared helpers for the end-to-end script tests (tests/scripts/test_*.sh). Sourced, not run:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Environment (set by ctest, see tests/CMakeLists.txt): HYPERGRID_BIN, HYPERGRID_SOURCE_DIR,
# MPIEXEC, PYTHON (a python3 with numpy; the first python3 on PATH may lack it).
#
# Provides:
#   WORK                         a fresh temporary directory, removed on exit
#   fail MESSAGE...              prints "FAIL: MESSAGE" on stderr and exits 1
#   soft_fail MESSAGE...         prints "FAIL: MESSAGE", records it and carries on; a script with a
#                                recorded failure exits 1 when it ends (the first line of each is
#                                listed again then)
#   check MESSAGE                prints "check: MESSAGE" (what the next assertion is about)
#   ok MESSAGE                   prints "  ok: MESSAGE"
#   run_hypergrid NP ARGS...     mpirun -np NP hypergrid ARGS...
#   expect_fail CODE PATTERN CMD...
#                                runs CMD; asserts its exit code is CODE and that its stderr, once
#                                mpirun's own "a process exited non-zero" banners are removed, is
#                                exactly one line starting "hypergrid: " and matching the extended
#                                regex PATTERN, with no MPI_ABORT banner, signal or crash report.
#                                A mismatch is a soft_fail (so one bug does not hide the next case).
#                                Leaves the output in $WORK/last.stdout and $WORK/last.stderr.
#   re TEXT                      TEXT with the extended-regex metacharacters escaped (for PATTERN)
#   strip_cols CSV               prints a trials.csv without its seconds and rank columns
#   make_npy_dataset DIR ARGS... tests/reference/make_dataset.py --out DIR ARGS...
#   py ARGS...                   "$PYTHON" ARGS...

set -euo pipefail

: "${HYPERGRID_BIN:?HYPERGRID_BIN must name the hypergrid executable (run the tests through ctest)}"
: "${HYPERGRID_SOURCE_DIR:?HYPERGRID_SOURCE_DIR must name the repository root (run the tests through ctest)}"
: "${MPIEXEC:?MPIEXEC must name mpirun (run the tests through ctest)}"
PYTHON=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
# When a process exits non-zero, mpirun waits this many seconds between SIGTERM and SIGKILL for the
# others (default 1, costing about 2 s per failing run). hypergrid's ranks reach MPI_Finalize
# together even on errors, so nothing is left to wait for; the failure tests run many such jobs.
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-0}

[[ -x "$HYPERGRID_BIN" ]] || { echo "FAIL: HYPERGRID_BIN=$HYPERGRID_BIN is not an executable" >&2; exit 1; }
"$PYTHON" -c 'import numpy' 2>/dev/null ||
    { echo "FAIL: PYTHON=$PYTHON cannot import numpy" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hypergrid-test.XXXXXX")
FAILURES=()

# On exit: remove WORK; if expect_fail recorded failures, list them and make the exit status 1.
_lib_on_exit() {
    local status=$?
    chmod -R u+rwx "$WORK" 2>/dev/null || true
    rm -rf "$WORK"
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        echo "" >&2
        echo "FAILED: ${#FAILURES[@]} check(s):" >&2
        printf '  - %s\n' "${FAILURES[@]}" >&2
        status=1
    fi
    exit "$status"
}
trap _lib_on_exit EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Like fail, but lets the script go on to its other checks; the script still exits 1 at the end.
soft_fail() {
    echo "FAIL: $*" >&2
    FAILURES+=("$(head -n 1 <<<"$*")")
}

check() {
    echo "check: $*"
}

ok() {
    echo "  ok: $*"
}

py() {
    "$PYTHON" "$@"
}

run_hypergrid() {
    local np=$1
    shift
    "$MPIEXEC" -np "$np" "$HYPERGRID_BIN" "$@"
}

re() {
    sed -e 's/[][\.|$(){}?+*^]/\\&/g' <<<"$1"
}

make_npy_dataset() {
    local dir=$1
    shift
    "$PYTHON" "$HYPERGRID_SOURCE_DIR/tests/reference/make_dataset.py" --out "$dir" "$@"
}

# cpu_has FLAG...: whether the CPU reports every FLAG (as /proc/cpuinfo spells them).
cpu_has() {
    local flags f
    flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done
}

# npy_data_table [DIR]: the [data] table of make_npy_dataset's files in DIR, or, without DIR, for a
# config written beside them (relative paths resolve against the config's directory); more [data]
# keys may follow it. NPY_DATA holds the latter.
npy_data_table() {
    local at=${1:+$1/}
    printf '[data]\ntrain_images = "%simages.npy"\ntrain_labels = "%slabels.npy"\n' "$at" "$at"
    printf 'test_images = "%stest_images.npy"\ntest_labels = "%stest_labels.npy"\n' "$at" "$at"
}
NPY_DATA=$(npy_data_table)

# Removes the two notices Open MPI's mpirun prints (on its own stderr) whenever a process exits
# non-zero: "Primary job terminated normally, but 1 process returned a non-zero exit code" and
# "mpirun detected that one or more processes exited with non-zero status". They are mpirun's
# report of the exit code, not the program's output. Every other dash-framed block -- notably the
# MPI_ABORT banner -- is kept, so it is caught below.
_strip_mpirun_exit_notices() {
    awk '
        /^--------------------+$/ {
            if (!in_block) { in_block = 1; block = $0 "\n"; next }
            block = block $0 "\n"; in_block = 0
            if (block !~ /Primary job +terminated normally/ &&
                block !~ /(mpirun|mpiexec|orterun|prterun) detected that one or more processes exited with non-zero status/)
                printf "%s", block
            next
        }
        in_block { block = block $0 "\n"; next }
        { print }
        END { if (in_block) printf "%s", block }
    '
}

expect_fail() {
    local want=$1 pattern=$2
    shift 2
    local out="$WORK/last.stdout" err="$WORK/last.stderr" code=0
    "$@" >"$out" 2>"$err.raw" || code=$?
    _strip_mpirun_exit_notices <"$err.raw" >"$err"
    local lines line problem=""
    lines=$(wc -l <"$err")
    line=$(head -n 1 "$err")
    if [[ "$code" != "$want" ]]; then
        problem="exit code $code, expected $want"
    elif grep -Eiq 'MPI_ABORT|segmentation fault|signal [0-9]|core dumped|terminate called|ORTE_ERROR|exited on signal' "$err"; then
        problem="stderr has an MPI_ABORT banner or a crash report"
    elif [[ "$lines" -ne 1 ]]; then
        problem="stderr has $lines lines, expected exactly one"
    elif [[ "$line" != "hypergrid: "* ]]; then
        problem="stderr line does not start with 'hypergrid: '"
    elif ! grep -Eq -- "$pattern" <<<"$line"; then
        problem="stderr line does not match /$pattern/"
    fi
    if [[ -n "$problem" ]]; then
        soft_fail "$problem: $*
--- stdout ---
$(head -c 4000 "$out")
--- stderr (as printed, mpirun notices included) ---
$(head -c 4000 "$err.raw")
--------------"
        return 0
    fi
    ok "exit $code: $line"
}

source "$(dirname "${BASH_SOURCE[0]}")/strip_cols.sh"
