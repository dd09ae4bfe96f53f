#!/usr/bin/env bash
# Fuzzes every reader of user input (tests/fuzz/input_fuzz.cpp: IDX raw and gzip, NPY, CSV, the TOML
# config) with libFuzzer under AddressSanitizer and UBSan: each input must be read or refused with an
# InputError whose message is one non-empty line; a crash, a sanitizer report, any other exception or
# a message that is empty or spans lines fails the test, and the input that did it is printed (hex)
# and kept in HYPERGRID_FUZZ_KEEP when set. Installs clang if it is missing and fails -- never skips --
# when it cannot.
#
# Environment (set by ctest, see tests/CMakeLists.txt): HYPERGRID_SOURCE_DIR, PYTHON.
#   HYPERGRID_FUZZ_SECONDS  how long to fuzz (default 60); e.g. 3600 for a longer hunt
#   HYPERGRID_FUZZ_KEEP     a directory to keep the grown corpus and any crashing input in
#
# The config is parsed by Debian's compiled toml++ (libtomlplusplus.so.3), as hypergrid links it.
# Compiled from its headers instead, toml++ 3.3.0 can reach a __builtin_unreachable on some non-ASCII
# characters (upstream issues 190 and 295, fixed after 3.3.0); the shared library built with GCC
# returns "not whitespace" there, and hypergrid reports the parse error.
set -euo pipefail

: "${HYPERGRID_SOURCE_DIR:?HYPERGRID_SOURCE_DIR must name the repository root (run the tests through ctest)}"
PYTHON=${PYTHON:-/usr/bin/python3}
SECONDS_TO_FUZZ=${HYPERGRID_FUZZ_SECONDS:-60}
SRC=$HYPERGRID_SOURCE_DIR
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hypergrid-fuzz-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. clang with libFuzzer and the sanitizer runtimes.
"$SRC/scripts/install_packages.sh" clang libclang-rt-14-dev || fail "clang is missing and could not be installed"

# 2. The target, with the readers' sources instrumented.
echo "building the fuzz target"
clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -I"$SRC/include" -I"$SRC/src" -I/usr/include/eigen3 \
  "$SRC/tests/fuzz/input_fuzz.cpp" "$SRC"/src/io/*.cpp "$SRC/src/config.cpp" "$SRC/src/text_format.cpp" "$SRC/src/digest.cpp" \
  -ldeflate -lz -ltomlplusplus -o "$WORK/input_fuzz" || fail "the fuzz target does not build"

# 3. Seeds: one valid input per reader (the first byte picks it, as in input_fuzz.cpp), and the
#    repository's configs.
mkdir -p "$WORK/corpus" "$WORK/seeds"
"$PYTHON" - "$WORK/seeds" "$SRC" <<'PY'
import glob, gzip, os, struct, sys
out, src = sys.argv[1:3]
def seed(name, reader, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([reader]) + data)
def npy(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload
images = bytes([0, 0, 8, 3]) + struct.pack(">III", 3, 2, 2) + bytes(range(0, 240, 20))
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([0, 1, 2])
seed("idx-ubyte", 0, images)
seed("idx-ubyte-gz", 0, gzip.compress(images))
seed("idx-float", 0, bytes([0, 0, 0x0D, 2]) + struct.pack(">II", 2, 3) + struct.pack(">6f", 0.5, 1, 2, 3, 4, 5))
seed("idx-labels", 1, labels)
seed("idx-labels-gz", 1, gzip.compress(labels))
seed("npy-f4", 2, npy("<f4", "(2, 3)", struct.pack("<6f", 0.25, 1, 2, 3, 4, 5)))
seed("npy-u1", 2, npy("|u1", "(2, 2, 2)", bytes(range(8))))
seed("npy-labels", 3, npy("<i8", "(3,)", struct.pack("<3q", 0, 1, 2)))
seed("csv", 4, b"label,a,b\n0,1,2\n1,3.5,4\n2,5,6e2\n")
# An empty file for each reader: the shortest refusal, its message checked from the first run.
for reader in range(6):
    seed("empty-%d" % reader, reader, b"")
for i, config in enumerate(sorted(glob.glob(os.path.join(src, "configs", "*.toml")))):
    with open(config, "rb") as f:
        seed("config-%d" % i, 5, f.read())
PY

# 4. Fuzz. libFuzzer stops at the first finding, writes it to crash-*/leak-*/timeout-*, exits non-zero.
echo "fuzzing for $SECONDS_TO_FUZZ s"
status=0
(cd "$WORK" && TMPDIR=$WORK ./input_fuzz -max_total_time="$SECONDS_TO_FUZZ" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 corpus seeds >fuzz.log 2>&1) || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
if [[ -n ${HYPERGRID_FUZZ_KEEP:-} ]]; then
  mkdir -p "$HYPERGRID_FUZZ_KEEP" && cp -r "$WORK/corpus" "$WORK/fuzz.log" "$HYPERGRID_FUZZ_KEEP/"
  cp "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* "$HYPERGRID_FUZZ_KEEP/" 2>/dev/null || true
fi
if ((status != 0)); then
  grep -E "ERROR|SUMMARY|runtime error|terminate|what\(\)|InputError message" "$WORK/fuzz.log" | head -20 >&2 || true
  for finding in "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-*; do
    [[ -e $finding ]] || continue
    echo "input ($(basename "$finding"); first byte = reader):" >&2
    od -A d -t x1 "$finding" | head -20 >&2
  done
  fail "the fuzzer found an input that is neither read nor refused with a one-line InputError (status $status)"
fi
((${runs:-0} >= 1000)) || fail "the fuzzer ran only ${runs:-0} inputs; see its log:$(tail -5 "$WORK/fuzz.log")"
echo "ok: $runs inputs in $SECONDS_TO_FUZZ s, every one read or refused with a one-line InputError"
