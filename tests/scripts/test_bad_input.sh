#!/usr/bin/env bash
# Bad input fails fast and cleanly: exit code 2 (bad config, data or command line), and exactly one
# line on stderr, "hypergrid: ..." naming the file (and line and key for configs) or the argument at
# fault -- one line in total however many ranks run, and never an MPI_ABORT banner or a crash.
# Also: --version and --help, and a failed run leaves an existing output directory's files alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D="$WORK/data"  # every config lives here, so its relative data paths resolve to these files
make_npy_dataset "$D" --n 200 --d 6 --classes 3 --seed 4 --dtype float32

DATA_NPY='train_images = "images.npy"
train_labels = "labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"'
GRID_OK='epochs = [1, 2]
alpha = [0.001]
learning_rate = [0.1]
batch_size = [16]'

# cfg NAME [DATA_LINES [GRID_LINES [RUN_LINES]]]: writes $D/NAME.toml and prints its path.
cfg() {
    local file="$D/$1.toml"
    printf '[data]\n%s\n[grid]\n%s\n[run]\n%s\n' "${2:-$DATA_NPY}" "${3:-$GRID_OK}" "${4:-seed = 1}" >"$file"
    echo "$file"
}

# line_of FILE REGEX: the line number of the first line matching REGEX.
line_of() {
    local n
    n=$(grep -n -E -m1 -- "$2" "$1" | cut -d: -f1)
    [[ -n "$n" ]] || fail "test bug: /$2/ not found in $1"
    echo "$n"
}

OUT="$WORK/out"  # runs that must fail write nothing here (the directory itself may be created)

# --- A valid config runs (so the failures below are about the one thing each case breaks). ---
GOOD=$(cfg good)
check "the unbroken config runs: mpirun -np 1 hypergrid run $GOOD"
run_hypergrid 1 run "$GOOD" --output "$WORK/good" >"$WORK/good.log" 2>&1 ||
    fail "the valid config failed:
$(cat "$WORK/good.log")"
ok "exit 0"

# --- Missing config file. ---
check "missing config file"
expect_fail 2 "$(re "$WORK/nope.toml")" run_hypergrid 1 run "$WORK/nope.toml" --output "$OUT"
expect_fail 2 "$(re "$WORK/nope.toml")" run_hypergrid 2 run "$WORK/nope.toml" --output "$OUT"
check "missing config file, plan subcommand"
expect_fail 2 "$(re "$WORK/nope.toml")" run_hypergrid 1 plan "$WORK/nope.toml"

# --- Unknown key: the message names the file, the line and the key. ---
check "config with an unknown key (grid.learning_rat)"
f=$(cfg unknown_key "$DATA_NPY" 'epochs = [1]
alpha = [0.001]
learning_rat = [0.1]
learning_rate = [0.1]
batch_size = [16]')
n=$(line_of "$f" '^learning_rat ')
expect_fail 2 "$(re "$f"):$n: grid\.learning_rat: .*unknown" run_hypergrid 1 run "$f" --output "$OUT"
expect_fail 2 "$(re "$f"):$n: grid\.learning_rat: .*unknown" run_hypergrid 2 run "$f" --output "$OUT"
check "config with an unknown key, plan subcommand"
expect_fail 2 "$(re "$f"):$n: grid\.learning_rat: .*unknown" run_hypergrid 1 plan "$f"

# --- Wrong type. ---
check "wrong type: batch_size = [16.5]"
f=$(cfg wrong_type "$DATA_NPY" 'epochs = [1]
alpha = [0.001]
learning_rate = [0.1]
batch_size = [16.5]')
n=$(line_of "$f" '^batch_size')
expect_fail 2 "$(re "$f"):$n: grid\.batch_size(\[0\])?: .*integer" run_hypergrid 1 run "$f" --output "$OUT"
check "wrong type: epochs = \"3\""
f=$(cfg wrong_type2 "$DATA_NPY" 'epochs = "3"
alpha = [0.001]
learning_rate = [0.1]
batch_size = [16]')
n=$(line_of "$f" '^epochs')
expect_fail 2 "$(re "$f"):$n: grid\.epochs: .*array" run_hypergrid 1 run "$f" --output "$OUT"

# --- Negative learning rate. ---
check "negative learning rate"
f=$(cfg negative_lr "$DATA_NPY" 'epochs = [1]
alpha = [0.001]
learning_rate = [0.1, -0.5]
batch_size = [16]')
n=$(line_of "$f" '^learning_rate')
expect_fail 2 "$(re "$f"):$n: grid\.learning_rate(\[1\])?: .*(> ?0|positive)" run_hypergrid 1 run "$f" --output "$OUT"

# --- Malformed TOML that the fuzz test (tests/fuzz) found taking toml++ 3.3.0 off its checked paths:
#     a non-ASCII character where a number belongs, and a NUL byte in a table header. ---
check "invalid TOML: a non-ASCII character in a number"
f=$(cfg non_ascii "$DATA_NPY" 'epochs = [1]
alpha = [0.001]
learning_rate = [0.1, 0.Ϋ]
batch_size = [16]')
n=$(line_of "$f" '^learning_rate')
expect_fail 2 "$(re "$f"):$n: invalid TOML" run_hypergrid 1 run "$f" --output "$OUT"
check "invalid TOML: a NUL byte in a table header"
f="$D/nul_header.toml"
printf '[data]\n%s\n[grid]\n%s\n[\0run]\nseed = 1\n' "$DATA_NPY" "$GRID_OK" >"$f"
n=$(grep -n -a -m1 '^\[.run\]' "$f" | cut -d: -f1)
expect_fail 2 "$(re "$f"):$n: invalid TOML" run_hypergrid 1 run "$f" --output "$OUT"

# --- Missing data file. ---
check "missing data file"
f=$(cfg missing_data 'train_images = "no_such_images.npy"
train_labels = "labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"')
expect_fail 2 "$(re "$f").*no_such_images\.npy" run_hypergrid 1 run "$f" --output "$OUT"
expect_fail 2 "$(re "$f").*no_such_images\.npy" run_hypergrid 2 run "$f" --output "$OUT"

# --- Corrupt data files: the message names the data file. ---
# The training set's files are read by rank 0, the test set's by rank 1 when there are two.
for which in images test_images; do
    check "truncated $which.npy"
    head -c 200 "$D/$which.npy" >"$D/truncated_$which.npy"
    f=$(cfg "truncated_$which" "$(sed "s/\"$which.npy\"/\"truncated_$which.npy\"/" <<<"$DATA_NPY")")
    expect_fail 2 "$(re "$D/truncated_$which.npy")" run_hypergrid 1 run "$f" --output "$OUT"
    expect_fail 2 "$(re "$D/truncated_$which.npy")" run_hypergrid 2 run "$f" --output "$OUT"
done

check "IDX file with a bad magic number"
py - "$D/bad-magic-images-idx3-ubyte" <<'PY'
import struct, sys
# A well-formed 200 x 2 x 3 ubyte IDX body behind a wrong magic (0x1234 instead of 0x0000).
open(sys.argv[1], "wb").write(struct.pack(">BBBBIII", 0x12, 0x34, 0x08, 3, 200, 2, 3) + bytes(200 * 6))
PY
f=$(cfg bad_magic 'train_images = "bad-magic-images-idx3-ubyte"
train_labels = "labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"')
expect_fail 2 "$(re "$D/bad-magic-images-idx3-ubyte").*magic" run_hypergrid 1 run "$f" --output "$OUT"

check "CSV with a NaN"
py - "$D/images.npy" "$D/labels.npy" "$D/nan.csv" <<'PY'
import sys
import numpy as np
x, y, out = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
with open(out, "w") as f:
    f.write("label," + ",".join(f"f{j}" for j in range(x.shape[1])) + "\n")
    for i in range(len(y)):
        values = [repr(float(v)) for v in x[i]]
        if i == 57:
            values[2] = "nan"
        f.write(f"{y[i]}," + ",".join(values) + "\n")
PY
f=$(cfg nan_csv 'train = "nan.csv"
test_images = "test_images.npy"
test_labels = "test_labels.npy"')
expect_fail 2 "$(re "$D/nan.csv")" run_hypergrid 1 run "$f" --output "$OUT"

# --- Inconsistent data. ---
check "images / labels count mismatch"
py -c 'import sys, numpy as np; np.save(sys.argv[2], np.load(sys.argv[1])[:150])' "$D/labels.npy" "$D/short_labels.npy"
f=$(cfg count_mismatch 'train_images = "images.npy"
train_labels = "short_labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"')
expect_fail 2 "$(re "$D/").*(short_labels|images)\.npy.*(150|200)" run_hypergrid 1 run "$f" --output "$OUT"

check "test set with a different feature count than the training set"
py -c 'import sys, numpy as np; x = np.load(sys.argv[1]); np.save(sys.argv[2], np.hstack([x, x[:, :1]]))' \
    "$D/test_images.npy" "$D/wide_test_images.npy"
f=$(cfg feature_mismatch 'train_images = "images.npy"
train_labels = "labels.npy"
test_images = "wide_test_images.npy"
test_labels = "test_labels.npy"')
expect_fail 2 "$(re "$D/wide_test_images.npy")" run_hypergrid 1 run "$f" --output "$OUT"

# --- An output directory that cannot be created. ---
check "output path under a regular file"
echo "not a directory" >"$WORK/regular_file"
expect_fail 2 "$(re "$WORK/regular_file/out")" run_hypergrid 1 run "$GOOD" --output "$WORK/regular_file/out"
expect_fail 2 "$(re "$WORK/regular_file/out")" run_hypergrid 2 run "$GOOD" --output "$WORK/regular_file/out"

# --- Command line. ---
check "unknown subcommand"
expect_fail 2 "bogus" run_hypergrid 1 bogus "$GOOD"
expect_fail 2 "bogus" run_hypergrid 2 bogus "$GOOD"
check "unknown option"
expect_fail 2 "--bogus" run_hypergrid 1 run "$GOOD" --bogus
expect_fail 2 "--bogus" run_hypergrid 1 --bogus run "$GOOD"
check "run without a config"
expect_fail 2 "config" run_hypergrid 1 run

check "--version prints 'hypergrid <version>' once and exits 0"
for np in 1 2; do
    run_hypergrid "$np" --version >"$WORK/version.out" 2>"$WORK/version.err" ||
        fail "mpirun -np $np hypergrid --version exited non-zero: $(cat "$WORK/version.err")"
    [[ $(wc -l <"$WORK/version.out") -eq 1 ]] &&
        grep -Eqx 'hypergrid [0-9]+\.[0-9]+\.[0-9]+([-+.][0-9A-Za-z.+-]*)?' "$WORK/version.out" ||
        fail "mpirun -np $np hypergrid --version printed:
$(cat "$WORK/version.out")"
    [[ ! -s "$WORK/version.err" ]] || fail "--version wrote to stderr: $(cat "$WORK/version.err")"
    ok "-np $np: $(cat "$WORK/version.out")"
done
version=$(cut -d' ' -f2 "$WORK/version.out")
py -c 'import json, sys; v = json.load(open(sys.argv[1]))["version"]; sys.exit(0 if v == sys.argv[2] else
    f"FAIL: summary.json version {v!r} != --version {sys.argv[2]!r}")' "$WORK/good/summary.json" "$version"
ok "summary.json version is $version too"

check "--help exits 0 and lists run and plan"
run_hypergrid 1 --help >"$WORK/help.out" 2>&1 || fail "hypergrid --help exited non-zero: $(cat "$WORK/help.out")"
grep -Eq '^ *run ' "$WORK/help.out" && grep -Eq '^ *plan ' "$WORK/help.out" ||
    fail "hypergrid --help does not list the run and plan subcommands:
$(cat "$WORK/help.out")"
ok "help lists run and plan"

# --- A failed run leaves an existing output directory as it was. ---
check "a failed run does not touch an existing output directory"
KEEP="$WORK/keep"
run_hypergrid 1 run "$GOOD" --output "$KEEP" >"$WORK/keep.log" 2>&1 || fail "the valid config failed: $(cat "$WORK/keep.log")"
(cd "$KEEP" && sha256sum trials.csv summary.json weights.npy bias.npy journal.jsonl) >"$WORK/keep.sha256"
listing=$(ls -A "$KEEP")
# A run failing at each stage, at 1 and 2 ranks, each with the error that stage gives (so a case
# cannot pass by failing earlier, e.g. on a config it cannot open): config (before the output
# directory is prepared), data files (the training set is read by rank 0, the test set by rank 1 at
# two ranks), data consistency, and the journal (a config whose journal header differs). With
# --resume, since without it the journal already there is refused first (the next check shows it).
f=$D/unknown_key.toml
CONFIG_ERROR="$(re "$f"):$(line_of "$f" '^learning_rat '): grid\.learning_rat: .*unknown"
cfg other_seed "$DATA_NPY" "$GRID_OK" "seed = 2" >/dev/null
stages=(
    "config|unknown_key|$CONFIG_ERROR"
    "training data|truncated_images|^hypergrid: rank [0-9]+, load: $(re "$D/truncated_images.npy"): truncated"
    "test data|truncated_test_images|^hypergrid: rank [0-9]+, load: $(re "$D/truncated_test_images.npy"): truncated"
    "data consistency|feature_mismatch|$(re "$D/wide_test_images.npy"): 7 features per example, but the training set has 6"
    "journal|other_seed|$(re "$KEEP/journal.jsonl"):1: journal of another sweep"
)
for stage in "${stages[@]}"; do
    IFS='|' read -r what bad pattern <<<"$stage"
    [[ -f "$D/$bad.toml" ]] || fail "test bug: $D/$bad.toml was never written"
    for np in 1 2; do
        expect_fail 2 "$pattern" run_hypergrid "$np" run "$D/$bad.toml" --output "$KEEP" --resume
        if ! (cd "$KEEP" && sha256sum --quiet -c "$WORK/keep.sha256"); then
            soft_fail "a run failing at the $what stage ($bad.toml) at $np ranks changed the files in $KEEP"
        elif [[ "$(ls -A "$KEEP")" != "$listing" ]]; then
            soft_fail "a run failing at the $what stage ($bad.toml) at $np ranks left $KEEP holding: $(ls -A "$KEEP" | tr '\n' ' ')"
        else
            ok "$what stage ($bad.toml) at $np rank(s): $KEEP unchanged (trials.csv, summary.json, weights.npy, bias.npy, journal.jsonl)"
        fi
    done
done

check "a second run into a finished sweep's directory is refused without --resume"
expect_fail 2 "journal.jsonl: a sweep was already started here: pass --resume" run_hypergrid 1 run "$GOOD" --output "$KEEP"
if (cd "$KEEP" && sha256sum --quiet -c "$WORK/keep.sha256"); then ok "$KEEP unchanged"; else soft_fail "$KEEP changed"; fi

if [[ ${#FAILURES[@]} -eq 0 ]]; then echo "test_bad_input: all checks passed"; fi
