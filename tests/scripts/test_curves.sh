#!/usr/bin/env bash
# Learning curves ([run] curves = true) and summary.json's data counts, end to end:
#   - curves.csv has one row per (model, epoch), epochs 1 to the model's largest, and at each
#     trial's epochs exactly the trial's figures (curves_check.py); trials.csv is the bytes of a run
#     without curves (seconds and rank aside); curves.csv is the same bytes at 1 and 2 ranks;
#   - a run killed mid-sweep (rank 0 after a journal append, a worker mid-unit) and resumed ends
#     with the uninterrupted run's curves.csv; a sweep resumes only with the curves setting it
#     started with (exit 2, one line);
#   - k-fold (a curve per fold, equal to folds.csv), successive halving (each configuration as far
#     as it was promoted) and shards merged by finalize record their curves too;
#   - the report draws every epoch from curves.csv and says so (report_check.py), and its data
#     card shows summary.json's counts, which match the data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHECK_CURVES="$HYPERGRID_SOURCE_DIR/tests/scripts/curves_check.py"
CHECK_REPORT="$HYPERGRID_SOURCE_DIR/tests/scripts/report_check.py"

DATA="$WORK/data"
make_npy_dataset "$DATA" --n 600 --d 8 --classes 3 --seed 5 --dtype float32 >/dev/null
# write_config FILE [extra lines...]: 24 trials over 8 models (2 per unit), epochs up to 5.
write_config() {
    local file=$1
    shift
    cat >"$file" <<TOML
$NPY_DATA
validation_fraction = 0.25
[grid]
epochs = [1, 3, 5]
alpha = [1e-4, 1e-2]
learning_rate = [0.05, 0.8]
batch_size = [16, 64]
TOML
    printf '%s\n' "$@" >>"$file"
}
CURVES="$DATA/curves.toml"
write_config "$CURVES" "[run]" "models_per_unit = 2" "curves = true"
PLAIN="$DATA/plain.toml"
write_config "$PLAIN" "[run]" "models_per_unit = 2"

# run_ok NP LOG ARGS...: hypergrid ARGS under mpirun -np NP; fails the test with the log if it fails.
run_ok() {
    local np=$1 log=$2
    shift 2
    run_hypergrid "$np" "$@" >"$log" 2>&1 || fail "hypergrid $* exited non-zero: $(tail -n 20 "$log")"
}

check "curves.csv: every model's every epoch, its checkpoints the trials' figures; trials.csv as without curves"
run_hypergrid 1 plan "$CURVES" --ranks 2 | grep -q " is cut after epoch " ||
    fail "no unit is cut across 2 ranks: the curves of a relayed unit would go untested"
run_ok 2 "$WORK/np2.log" run "$CURVES" --output "$WORK/np2"
run_ok 1 "$WORK/np1.log" run "$CURVES" --output "$WORK/np1"
run_ok 2 "$WORK/plain.log" run "$PLAIN" --output "$WORK/plain"
py "$CHECK_CURVES" "$WORK/np2" || soft_fail "curves.csv at 2 ranks disagrees with trials.csv"
[[ $(($(wc -l <"$WORK/np2/curves.csv") - 1)) -eq 40 ]] || soft_fail "curves.csv has not 8 models x 5 epochs rows"
cmp -s <(strip_cols "$WORK/plain/trials.csv") <(strip_cols "$WORK/np2/trials.csv") ||
    soft_fail "trials.csv differs with curves on (seconds and rank aside)"
cmp -s "$WORK/plain/weights.npy" "$WORK/np2/weights.npy" || soft_fail "the final model differs with curves on"
[[ ! -e "$WORK/plain/curves.csv" ]] || soft_fail "a run without curves wrote curves.csv"
cmp -s "$WORK/np1/curves.csv" "$WORK/np2/curves.csv" || soft_fail "curves.csv differs between 1 and 2 ranks"
ok "40 points; trials.csv unchanged; the same curves.csv at 1 and 2 ranks"

check "the report draws every epoch from curves.csv; summary.json counts the data and the card shows it"
py "$CHECK_REPORT" "$WORK/np2/report.html" "$WORK/np2" || soft_fail "the curves run's report disagrees with its records"
py "$CHECK_REPORT" "$WORK/plain/report.html" "$WORK/plain" || soft_fail "the plain run's report disagrees with its records"
grep -q "after every epoch (curves.csv" "$WORK/np2/report.html" || soft_fail "the report does not draw curves.csv"
grep -q "from the checkpoints the sweep evaluated" "$WORK/plain/report.html" || soft_fail "the plain report does not say it drew checkpoints"
py - "$WORK/np2/summary.json" "$DATA/test_labels.npy" <<'PY' || soft_fail "summary.json's data counts are wrong"
import json, sys, numpy
data = json.load(open(sys.argv[1]))["data"]
want = {"train_examples": 450, "validation_examples": 150, "test_examples": len(numpy.load(sys.argv[2])),
        "features": 8, "classes": 3}
if data != want:
    sys.exit(f"summary.json's data {data} != {want}")
PY
ok "report checked; data: 450 train, 150 validation"

check "killed mid-sweep and resumed: the uninterrupted run's curves.csv"
# Rank 0 killed after its 9th append of a unit's checkpoint (of 12: 4 units x 3 epoch counts): at
# least one unit has all its trials journaled, so the resume trains its models no more and their
# curves come from the journal alone. And a worker killed mid-unit.
for fault in "journal_append#9:kill" "train_epoch@1#3:kill"; do
    out="$WORK/kill-${fault//[^a-z0-9_]/-}"
    code=0
    HYPERGRID_FAULT=$fault "$MPIEXEC" -np 2 "$HYPERGRID_BIN" run "$CURVES" --output "$out" --progress none \
        >"$out.kill.log" 2>&1 || code=$?
    [[ $code -eq 137 ]] || { soft_fail "$fault: exit $code, expected 137: $(tail -n 4 "$out.kill.log")"; continue; }
    [[ ! -e "$out/curves.csv" ]] || soft_fail "$fault: curves.csv written by a killed run"
    points=$(grep -c '"kind": "curve"' "$out/journal.jsonl" || true)
    complete=$(py - "$out/journal.jsonl" <<'PY'
import collections, json, sys
lines = [json.loads(line) for line in open(sys.argv[1]).read().splitlines()[1:]]
trials = collections.Counter((l["alpha"], l["learning_rate"], l["batch_size"]) for l in lines if "trial" in l)
print(sum(count == 3 for count in trials.values()))  # epochs 1, 3 and 5 all journaled
PY
)
    [[ $fault != journal_append* ]] || ((complete > 0 && complete < 8)) ||
        soft_fail "test bug: $fault left $complete of 8 models complete in the journal"
    run_ok 2 "$out.resume.log" run "$CURVES" --output "$out" --resume
    cmp -s "$WORK/np2/curves.csv" "$out/curves.csv" || soft_fail "$fault: the resumed curves.csv differs from the uninterrupted one"
    cmp -s <(strip_cols "$WORK/np2/trials.csv") <(strip_cols "$out/trials.csv") || soft_fail "$fault: the resumed trials.csv differs"
    ok "$fault: $points points and $complete complete models journaled before the kill; resumed to the same curves.csv"
done

check "a sweep resumes only with the curves setting it started with"
expect_fail 2 "$(re "$WORK/np2/journal.jsonl"):1: this sweep started with \[run\] curves = true" \
    run_hypergrid 1 run "$PLAIN" --output "$WORK/np2" --resume
expect_fail 2 "$(re "$WORK/plain/journal.jsonl"):1: this sweep started with \[run\] curves = false" \
    run_hypergrid 1 run "$CURVES" --output "$WORK/plain" --resume
sed 's/curves = true/curves = "yes"/' "$CURVES" >"$DATA/bad.toml"
expect_fail 2 "run.curves: expected true or false, got string" run_hypergrid 1 run "$DATA/bad.toml" --output "$WORK/bad"

check "k-fold, successive halving and shards record their curves"
KFOLD="$DATA/kfold.toml"
write_config "$KFOLD" "[run]" "models_per_unit = 2" "curves = true"
sed -i 's/^validation_fraction = 0.25$/folds = 3/' "$KFOLD"
run_ok 2 "$WORK/kfold.log" run "$KFOLD" --output "$WORK/kfold"
py "$CHECK_CURVES" "$WORK/kfold" || soft_fail "the 3-fold run's curves.csv disagrees with folds.csv"
py "$CHECK_REPORT" "$WORK/kfold/report.html" "$WORK/kfold" || soft_fail "the 3-fold run's report disagrees with its records"
HALVING="$DATA/halving.toml"
write_config "$HALVING" "[search]" 'mode = "halving"' "factor = 2" "[run]" "models_per_unit = 2" "curves = true"
run_ok 2 "$WORK/halving.log" run "$HALVING" --output "$WORK/halving"
py "$CHECK_CURVES" "$WORK/halving" || soft_fail "the halving run's curves.csv disagrees with trials.csv"
py "$CHECK_REPORT" "$WORK/halving/report.html" "$WORK/halving" || soft_fail "the halving run's report disagrees with its records"
run_ok 2 "$WORK/shard0.log" run "$CURVES" --output "$WORK/shard0" --shard 0/2
run_ok 1 "$WORK/shard1.log" run "$CURVES" --output "$WORK/shard1" --shard 1/2
py "$CHECK_CURVES" "$WORK/shard1" || soft_fail "a shard's curves.csv disagrees with its trials.csv"
run_ok 1 "$WORK/final.log" finalize "$CURVES" "$WORK/shard0" "$WORK/shard1" --output "$WORK/final"
cmp -s "$WORK/np2/curves.csv" "$WORK/final/curves.csv" || soft_fail "finalize's curves.csv differs from the one-job run's"
ok "3 folds: $(($(wc -l <"$WORK/kfold/curves.csv") - 1)) points; halving: $(($(wc -l <"$WORK/halving/curves.csv") - 1)); shards merged"
