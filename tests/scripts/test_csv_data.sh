#!/usr/bin/env bash
# A CSV dataset (header line, label in the first column) runs end to end at -np 2 and gives the
# same results as the same numbers stored as float32 .npy files: trials.csv identical once the
# seconds and rank columns are dropped, and the same best trial, test metrics and confusion matrix.
# Both configs set scale = 1, so the two readers must deliver identical features.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D="$WORK/data"
make_npy_dataset "$D" --n 400 --d 8 --classes 3 --seed 17 --dtype float32

check "writing the same examples as CSV (header line, label first)"
py - "$D" <<'PY'
import os, sys
import numpy as np
d = sys.argv[1]
for prefix, out in (("", "train.csv"), ("test_", "test.csv")):
    x = np.load(os.path.join(d, prefix + "images.npy"))
    y = np.load(os.path.join(d, prefix + "labels.npy"))
    assert x.dtype == np.float32, x.dtype
    with open(os.path.join(d, out), "w") as f:
        f.write("label," + ",".join(f"pixel{j}" for j in range(x.shape[1])) + "\n")
        for i in range(len(y)):
            # repr of the float32 value widened to double: reads back as exactly that float32
            # whether the reader parses to float or to double first.
            f.write(f"{int(y[i])}," + ",".join(repr(float(v)) for v in x[i]) + "\n")
    back = np.loadtxt(os.path.join(d, out), delimiter=",", skiprows=1)
    assert (back[:, 0].astype(np.int64) == y).all() and (back[:, 1:].astype(np.float32) == x).all()
    print(f"  ok: {out}: {len(y)} rows x {x.shape[1]} features, round-trips to the .npy values")
PY

GRID='[grid]
epochs = [1, 3]
alpha = [0, 0.01]
learning_rate = [0.1]
batch_size = [10, 32]
[run]
seed = 9
models_per_unit = 1'

cat >"$D/npy.toml" <<TOML
$NPY_DATA
scale = 1
validation_fraction = 0.25
$GRID
TOML
cat >"$D/csv.toml" <<TOML
[data]
train = "train.csv"
test = "test.csv"
scale = 1
validation_fraction = 0.25
$GRID
TOML

for kind in npy csv; do
    check "mpirun -np 2 hypergrid run $kind.toml"
    run_hypergrid 2 run "$D/$kind.toml" --output "$WORK/$kind" >"$WORK/$kind.log" 2>&1 ||
        fail "the $kind run exited non-zero:
$(tail -n 30 "$WORK/$kind.log")"
    for f in trials.csv summary.json weights.npy bias.npy; do
        [[ -s "$WORK/$kind/$f" ]] || fail "$kind run: $WORK/$kind/$f missing or empty"
    done
    rows=$(($(wc -l <"$WORK/$kind/trials.csv") - 1))
    [[ $rows -eq 8 ]] || fail "$kind run: trials.csv has $rows rows, expected 8"
    if grep -v '^trial,' "$WORK/$kind/trials.csv" | cut -d, -f9 | grep -vqx ok; then
        fail "$kind run: some trials did not finish with status ok:
$(cat "$WORK/$kind/trials.csv")"
    fi
    ok "exit 0, 8 trials, status ok"
done

check "trials.csv without seconds/rank: CSV input == npy input"
strip_cols "$WORK/npy/trials.csv" >"$WORK/npy.stripped"
strip_cols "$WORK/csv/trials.csv" >"$WORK/csv.stripped"
cmp -s "$WORK/npy.stripped" "$WORK/csv.stripped" ||
    fail "trials.csv differs between the CSV and the npy run (seconds and rank dropped):
$(diff "$WORK/npy.stripped" "$WORK/csv.stripped" | head -n 20)"
ok "byte-identical"

check "summary.json best, test and confusion_matrix: CSV input == npy input"
py - "$WORK/npy/summary.json" "$WORK/csv/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for key in ("trials", "best", "test", "confusion_matrix"):
    if a[key] != b[key]:
        sys.exit(f"FAIL: summary.json {key} differs:\n  npy: {a[key]}\n  csv: {b[key]}")
if a["best"] is None:
    sys.exit("FAIL: no best trial")
if "csv" not in b["config"]["data"]["train"]:
    sys.exit(f"FAIL: the CSV run's summary config does not record a CSV source: {b['config']['data']}")
print(f"  ok: best trial {a['best']['trial']}, test accuracy {a['test']['accuracy']} in both")
PY

check "weights.npy and bias.npy: CSV input == npy input"
py - "$WORK/npy" "$WORK/csv" <<'PY'
import os, sys
import numpy as np
for name in ("weights.npy", "bias.npy"):
    a, b = (np.load(os.path.join(d, name)) for d in sys.argv[1:])
    if a.shape != b.shape or not np.array_equal(a, b):
        sys.exit(f"FAIL: {name} differs between the npy and CSV runs (shapes {a.shape}, {b.shape}; "
                 f"max difference {np.max(np.abs(a - b)) if a.shape == b.shape else 'n/a'})")
    print(f"  ok: {name} {a.shape} identical")
PY

echo "test_csv_data: all checks passed"
