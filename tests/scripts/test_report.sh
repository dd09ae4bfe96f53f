#!/usr/bin/env bash
# The HTML report and the progress display, end to end:
#   - every run writes report.html (complete, stopped by a signal, a shard) and so does finalize;
#     report_check.py cross-checks its numbers against trials.csv and summary.json, parses its SVG
#     and checks it has no script and fetches nothing;
#   - `hypergrid report DIR -o FILE` writes the same bytes from the directory's records alone, adds
#     the ranks' timeline when a legs.csv is present (a hand-written one here) and fails with exit 2
#     and one line on a directory that is not a run's;
#   - a successive-halving run's report has a Rungs table and a 3-fold run's the spread over folds,
#     both checked by report_check.py against trials.csv and folds.csv;
#   - progress scales: a 3000-trial random sweep's log (stdout not a terminal) is a few lines while
#     trials.csv and the journal keep every trial; --progress lines|none override; a bad value is refused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHECK_REPORT="$HYPERGRID_SOURCE_DIR/tests/scripts/report_check.py"

DATA="$WORK/data"
make_npy_dataset "$DATA" --n 600 --d 8 --classes 3 --seed 5 --dtype float32
DATA_TABLE="$NPY_DATA
validation_fraction = 0.25"
GRID="$DATA/grid.toml"
cat >"$GRID" <<TOML
$DATA_TABLE
[grid]
epochs = [1, 2, 4]
alpha = [1e-4, 1e-2]
learning_rate = [0.05, 0.2, 0.8]
batch_size = [16, 64]
[run]
models_per_unit = 3
TOML

# run_ok LOG ARGS...: hypergrid ARGS under mpirun -np 2; fails the test with the log if it fails.
run_ok() {
    local log=$1
    shift
    run_hypergrid 2 "$@" >"$log" 2>&1 || fail "hypergrid $* exited non-zero: $(tail -n 20 "$log")"
}

check "a complete run writes report.html that agrees with its records"
run_ok "$WORK/grid.log" run "$GRID" --output "$WORK/grid"
[[ -s "$WORK/grid/report.html" ]] || fail "no report.html after a complete run"
py "$CHECK_REPORT" "$WORK/grid/report.html" "$WORK/grid" || soft_fail "the complete run's report disagrees with its records"
grep -q "Exact functional-ANOVA" "$WORK/grid/report.html" || soft_fail "a full grid's report has no exact decomposition"
ok "report.html of 36 trials, $(stat -c %s "$WORK/grid/report.html") bytes"

check "hypergrid report rewrites the same bytes from the records alone"
"$HYPERGRID_BIN" report "$WORK/grid" -o "$WORK/again.html" >"$WORK/report.log" 2>&1 || fail "hypergrid report failed: $(cat "$WORK/report.log")"
cmp -s "$WORK/grid/report.html" "$WORK/again.html" || soft_fail "hypergrid report wrote other bytes than the run"
ok "identical"

check "a legs.csv in the directory adds the ranks' timeline and its balance figure"
cp -r "$WORK/grid" "$WORK/legs"
cat >"$WORK/legs/legs.csv" <<'CSV'
rank,leg,unit,kind,start_seconds,end_seconds
0,0,0,leg,0.010,0.400
1,1,1,leg,0.012,0.300
2,2,2,leg,0.011,0.350
1,3,3,leg,0.305,0.600
2,4,3,leg,0.360,0.520
0,-1,-1,final,0.410,0.700
CSV
"$HYPERGRID_BIN" report "$WORK/legs" >/dev/null 2>&1 || fail "hypergrid report with a legs.csv failed"
py "$CHECK_REPORT" "$WORK/legs/report.html" "$WORK/legs" --legs || soft_fail "the timeline disagrees with legs.csv"
ok "timeline of 3 ranks"

check "hypergrid report refuses a directory without records (exit 2, one line)"
expect_fail 2 "summary.json: missing" "$HYPERGRID_BIN" report "$WORK/data"
printf 'rank,leg,unit,kind,start_seconds,end_seconds\n0,0,0,nap,0,1\n' >"$WORK/legs/legs.csv"
expect_fail 2 "legs.csv: line 2: kind 'nap'" "$HYPERGRID_BIN" report "$WORK/legs"

check "a shard's run and finalize write report.html"
run_ok "$WORK/shard0.log" run "$GRID" --output "$WORK/shard0" --shard 0/2
run_ok "$WORK/shard1.log" run "$GRID" --output "$WORK/shard1" --shard 1/2
grep -q 'badge shard">shard 0/2' "$WORK/shard0/report.html" || soft_fail "the shard's report does not say it is a shard"
py "$CHECK_REPORT" "$WORK/shard0/report.html" "$WORK/shard0" || soft_fail "the shard's report disagrees with its records"
run_ok "$WORK/final.log" finalize "$GRID" "$WORK/shard0" "$WORK/shard1" --output "$WORK/final"
py "$CHECK_REPORT" "$WORK/final/report.html" "$WORK/final" || soft_fail "finalize's report disagrees with its records"
ok "shard and finalize reports"

check "a sweep stopped by a signal writes a report of what is done"
SLOW="$DATA/slow.toml"
cat >"$SLOW" <<TOML
$DATA_TABLE
[grid]
epochs = [100, 200, 400]
alpha = [1e-4, 1e-3, 1e-2]
learning_rate = [0.01, 0.05, 0.2]
batch_size = [1]
[run]
models_per_unit = 1
TOML
"$MPIEXEC" -np 2 "$HYPERGRID_BIN" run "$SLOW" --output "$WORK/slow" >"$WORK/slow.log" 2>&1 &  # $! is mpirun
pid=$!
for _ in $(seq 600); do
    [[ -f "$WORK/slow/journal.jsonl" && $(wc -l <"$WORK/slow/journal.jsonl") -ge 3 ]] && break
    sleep 0.05
done
kill -USR1 "$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
[[ $status -eq 3 ]] || fail "the stopped sweep exited $status, expected 3: $(tail -n 5 "$WORK/slow.log")"
py "$CHECK_REPORT" "$WORK/slow/report.html" "$WORK/slow" --stopped || soft_fail "the stopped sweep's report is wrong"
ok "stopped after $(($(wc -l <"$WORK/slow/trials.csv") - 1)) of 27 trials"

check "a successive-halving run's report shows its rungs, as trials.csv has them"
HALVING="$DATA/halving.toml"
cat >"$HALVING" <<TOML
$DATA_TABLE
[grid]
epochs = [1, 2, 4]
alpha = [1e-4, 1e-2]
learning_rate = [0.05, 0.2, 0.8]
batch_size = [16, 64]
[search]
mode = "halving"
factor = 3
[run]
models_per_unit = 3
TOML
run_ok "$WORK/halving.log" run "$HALVING" --output "$WORK/halving"
[[ $(head -1 "$WORK/halving/trials.csv") == *,rung ]] || fail "the halving run's trials.csv has no rung column"
grep -q "<h2>Rungs</h2>" "$WORK/halving/report.html" || soft_fail "the halving run's report has no Rungs section"
py "$CHECK_REPORT" "$WORK/halving/report.html" "$WORK/halving" || soft_fail "the halving run's report disagrees with its records"
! grep -q "<h2>Rungs</h2>" "$WORK/grid/report.html" || soft_fail "a full grid's report has a Rungs section"
ok "rungs of $(($(wc -l <"$WORK/halving/trials.csv") - 1)) trials"

check "a 3-fold run's report shows each trial's spread over folds, as folds.csv has it"
KFOLD="$DATA/kfold.toml"
cat >"$KFOLD" <<TOML
$NPY_DATA
folds = 3
[grid]
epochs = [1, 2]
alpha = [1e-4, 1e-2]
learning_rate = [0.05, 0.8]
batch_size = [16]
[run]
models_per_unit = 2
TOML
run_ok "$WORK/kfold.log" run "$KFOLD" --output "$WORK/kfold"
[[ -s "$WORK/kfold/folds.csv" ]] || fail "the 3-fold run wrote no folds.csv"
grep -q "Spread over folds" "$WORK/kfold/report.html" || soft_fail "the 3-fold run's report has no spread over folds"
grep -q "3-fold cross-validation" "$WORK/kfold/report.html" || soft_fail "the data card does not name the 3 folds"
py "$CHECK_REPORT" "$WORK/kfold/report.html" "$WORK/kfold" || soft_fail "the 3-fold run's report disagrees with its records"
! grep -q "Spread over folds\|std over folds" "$WORK/grid/report.html" || soft_fail "a holdout run's report shows folds"
py -c 'import json, sys
best = [json.load(open(f"{d}/summary.json"))["best"] for d in sys.argv[1:]]
assert "val_cost_std" in best[0] and "val_cost_std" not in best[1], best' "$WORK/kfold" "$WORK/grid" ||
    soft_fail "summary.json's best should have val_cost_std with folds only"
ok "spread over 3 folds"

check "a 3000-trial random sweep logs a few lines, trials.csv and the journal keep every trial"
RANDOM_CONFIG="$DATA/random.toml"
cat >"$RANDOM_CONFIG" <<TOML
$DATA_TABLE
limit_train = 120
[grid]
epochs = { start = 1, stop = 2 }
alpha = { start = 1e-5, stop = 1e-1, scale = "log" }
learning_rate = { start = 0.01, stop = 0.5, scale = "log" }
batch_size = [32, 64]
[search]
mode = "random"
samples = 3000
[run]
models_per_unit = 9
TOML
run_ok "$WORK/random.log" run "$RANDOM_CONFIG" --output "$WORK/random"
lines=$(wc -l <"$WORK/random.log")
bytes=$(stat -c %s "$WORK/random.log")
((lines <= 60 && bytes <= 8000)) || soft_fail "the 3000-trial log has $lines lines, $bytes bytes: $(head -n 20 "$WORK/random.log")"
grep -q "new best: trial" "$WORK/random.log" || soft_fail "the log never reports a new best"
grep -q "^\[3000/3000 100.0%" "$WORK/random.log" || soft_fail "the log has no final status line"
[[ $(($(wc -l <"$WORK/random/trials.csv") - 1)) -eq 3000 ]] || soft_fail "trials.csv does not hold 3000 trials"
[[ $(($(wc -l <"$WORK/random/journal.jsonl") - 1)) -eq 3000 ]] || soft_fail "the journal does not hold 3000 trials"
py "$CHECK_REPORT" "$WORK/random/report.html" "$WORK/random" || soft_fail "the random sweep's report disagrees with its records"
grep -q "<b>Estimate</b>" "$WORK/random/report.html" || soft_fail "random search's importance is not labelled an estimate"
ok "log of $lines lines ($bytes bytes) for 3000 trials"

check "--progress lines prints a line per trial of a small sweep, none prints none, a bad value exits 2"
run_ok "$WORK/lines.log" run "$GRID" --output "$WORK/lines" --progress lines
[[ $(grep -c '^\[[0-9]*/36\] trial' "$WORK/lines.log") -eq 36 ]] || soft_fail "--progress lines: not 36 trial lines"
run_ok "$WORK/none.log" run "$GRID" --output "$WORK/none" --progress none
! grep -q '^\[' "$WORK/none.log" || soft_fail "--progress none printed progress: $(grep '^\[' "$WORK/none.log" | head -n 3)"
run_ok "$WORK/bar.log" run "$GRID" --output "$WORK/bar" --progress bar
grep -q $'\r\\[' "$WORK/bar.log" || soft_fail "--progress bar drew no bar"
expect_fail 2 "--progress" run_hypergrid 1 run "$GRID" --output "$WORK/bad" --progress fancy
ok "overrides"
