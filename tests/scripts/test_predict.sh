#!/usr/bin/env bash
# hypergrid predict: a run's final model applied to data with the run's own feature scale.
# - summary.json records the model (files, shape, feature scale: 255 for uint8 data by default);
# - predict on the run's own test set (NPY, IDX gzip, CSV with labels) prints exactly the test
#   accuracy and cross-entropy of summary.json, and its predictions.csv agrees with an independent
#   numpy computation from weights.npy, bias.npy and the recorded scale;
# - a CSV without the label column gives the same predictions, without metrics;
# - it works from another directory (default output ./predictions.csv);
# - bad input (feature count, no final model, unreadable or corrupt files, labels beyond the
#   model's classes) is one line and exit 2.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D="$WORK/data"
make_npy_dataset "$D" --n 400 --d 12 --classes 4 --seed 5 --dtype uint8
cat >"$D/run.toml" <<TOML
$NPY_DATA
[grid]
epochs = [2, 4]
alpha = [0, 0.001]
learning_rate = [0.1]
batch_size = [16]
[run]
seed = 3
TOML
RUN="$WORK/run"
check "mpirun -np 2 hypergrid run (uint8 data, default scale)"
run_hypergrid 2 run "$D/run.toml" --output "$RUN" >"$WORK/run.log" 2>&1 || fail "the run failed:
$(tail -n 20 "$WORK/run.log")"
ok "exit 0"

check "summary.json records the model's files, shape and feature scale"
py - "$RUN/summary.json" <<'PY' || fail "summary.json's model entry is wrong"
import json, sys
m = json.load(open(sys.argv[1]))["model"]
want = {"weights": "weights.npy", "bias": "bias.npy", "features": 12, "classes": 4, "feature_scale": 255}
assert m == want, m
print("  ok:", m)
PY

check "the test set as IDX gzip and as CSV (with and without the label column)"
py - "$D" <<'PY'
import gzip, os, struct, sys
import numpy as np
d = sys.argv[1]
x = np.load(os.path.join(d, "test_images.npy"))
y = np.load(os.path.join(d, "test_labels.npy"))
n = len(y)
with gzip.open(os.path.join(d, "test-images-idx3-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, 3, 4) + x.astype(np.uint8).tobytes())
with gzip.open(os.path.join(d, "test-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">II", 0x801, n) + y.astype(np.uint8).tobytes())
with open(os.path.join(d, "test.csv"), "w") as f:
    f.write("label," + ",".join(f"x{j}" for j in range(x.shape[1])) + "\n")
    for i in range(n):
        f.write(f"{y[i]}," + ",".join(str(int(v)) for v in x[i]) + "\n")
np.savetxt(os.path.join(d, "unlabelled.csv"), x, fmt="%d", delimiter=",")
np.save(os.path.join(d, "wide.npy"), np.zeros((5, 13), np.uint8))
np.savetxt(os.path.join(d, "wide.csv"), np.zeros((5, 15)), fmt="%d", delimiter=",")
np.save(os.path.join(d, "big_labels.npy"), np.full(n, 4, np.int64))
print(f"  ok: {n} test examples written")
PY

# The metrics predict prints must be exactly summary.json's test figures.
same_as_summary() {
    local log=$1
    py - "$RUN/summary.json" "$log" <<'PY'
import json, re, sys
test = json.load(open(sys.argv[1]))["test"]
line = open(sys.argv[2]).read()
m = re.search(r"accuracy (\S+), cross-entropy (\S+);", line)
assert m, "no metrics in: " + line
accuracy, cross_entropy = float(m.group(1)), float(m.group(2))
assert accuracy == test["accuracy"] and cross_entropy == test["cross_entropy"], (line, test)
print(f"  ok: accuracy {accuracy!r}, cross-entropy {cross_entropy!r} == summary.json's test figures")
PY
}

for kind in npy idx csv; do
    case $kind in
        npy) inputs=("$D/test_images.npy" "$D/test_labels.npy") ;;
        idx) inputs=("$D/test-images-idx3-ubyte.gz" "$D/test-labels-idx1-ubyte.gz") ;;
        csv) inputs=("$D/test.csv") ;;
    esac
    check "predict on the run's test set ($kind) prints summary.json's test figures"
    "$HYPERGRID_BIN" predict "$RUN" "${inputs[@]}" --output "$WORK/$kind.csv" >"$WORK/$kind.log" 2>&1 ||
        fail "predict ($kind) failed: $(cat "$WORK/$kind.log")"
    same_as_summary "$WORK/$kind.log" || soft_fail "predict ($kind): metrics differ from summary.json: $(cat "$WORK/$kind.log")"
done
cmp -s "$WORK/npy.csv" "$WORK/idx.csv" && cmp -s "$WORK/npy.csv" "$WORK/csv.csv" ||
    soft_fail "the predictions differ between NPY, IDX and CSV input of the same examples"

check "predictions.csv against numpy: softmax(W^T (x / scale) + b), argmax, accuracy"
py - "$RUN" "$D" "$WORK/npy.csv" "$WORK/npy.log" <<'PY' || soft_fail "predictions.csv disagrees with numpy"
import os, re, sys
import numpy as np
run, d, csv, log = sys.argv[1:]
W = np.load(os.path.join(run, "weights.npy")).astype(np.float64)
b = np.load(os.path.join(run, "bias.npy")).astype(np.float64)
x = np.load(os.path.join(d, "test_images.npy")).astype(np.float64) / 255.0
y = np.load(os.path.join(d, "test_labels.npy"))
z = x @ W + b
p = np.exp(z - z.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)
header = open(csv).readline().strip().split(",")
assert header == ["example", "predicted", "label", "p_0", "p_1", "p_2", "p_3"], header
rows = np.loadtxt(csv, delimiter=",", skiprows=1)
assert rows.shape == (len(y), 7), rows.shape
assert (rows[:, 0] == np.arange(len(y))).all() and (rows[:, 2] == y).all()
assert np.abs(rows[:, 3:] - p).max() < 1e-5, np.abs(rows[:, 3:] - p).max()
assert np.abs(rows[:, 3:].sum(axis=1) - 1).max() < 1e-5
top = np.sort(p, axis=1)
clear = top[:, -1] - top[:, -2] > 1e-5  # numpy's argmax may differ only on near ties
assert (rows[clear, 1] == p.argmax(axis=1)[clear]).all()
accuracy = float(re.search(r"accuracy (\S+),", open(log).read()).group(1))
assert (rows[:, 1] == y).mean() == accuracy, ((rows[:, 1] == y).mean(), accuracy)
print(f"  ok: {len(y)} rows; probabilities within 1e-5 of numpy; the predicted column's accuracy is the printed one")
PY

check "a CSV without the label column: the same predictions, no metrics; run from another directory"
mkdir -p "$WORK/elsewhere"
(cd "$WORK/elsewhere" && "$HYPERGRID_BIN" predict ../run ../data/unlabelled.csv >"$WORK/unlabelled.log" 2>&1) ||
    fail "predict (unlabelled CSV) failed: $(cat "$WORK/unlabelled.log")"
[[ -s "$WORK/elsewhere/predictions.csv" ]] || fail "no predictions.csv in the current directory"
grep -q "accuracy" "$WORK/unlabelled.log" && soft_fail "metrics printed without labels: $(cat "$WORK/unlabelled.log")"
head -n 1 "$WORK/elsewhere/predictions.csv" | grep -qx "example,predicted,p_0,p_1,p_2,p_3" ||
    soft_fail "unlabelled header: $(head -n 1 "$WORK/elsewhere/predictions.csv")"
cmp -s <(cut -d, -f1,2,4- "$WORK/npy.csv") "$WORK/elsewhere/predictions.csv" ||
    soft_fail "unlabelled predictions differ from the labelled ones"
ok "$(cat "$WORK/unlabelled.log")"

check "a sharded sweep, finalized, records the same model: predict gives the same figures and predictions"
for k in 0 1; do
    run_hypergrid 1 run "$D/run.toml" --output "$WORK/shard$k" --shard $k/2 >/dev/null 2>&1 || fail "shard $k/2 failed"
done
"$HYPERGRID_BIN" finalize "$D/run.toml" "$WORK/shard0" "$WORK/shard1" --output "$WORK/final" >"$WORK/final.log" 2>&1 ||
    fail "finalize failed: $(cat "$WORK/final.log")"
cmp -s <(grep '"model"' "$RUN/summary.json") <(grep '"model"' "$WORK/final/summary.json") ||
    soft_fail "finalize's model entry differs: $(grep '"model"' "$WORK/final/summary.json")"
"$HYPERGRID_BIN" predict "$WORK/final" "$D/test_images.npy" "$D/test_labels.npy" --output "$WORK/final.csv" \
    >"$WORK/final_predict.log" 2>&1 || fail "predict on the finalized run failed: $(cat "$WORK/final_predict.log")"
same_as_summary "$WORK/final_predict.log" || soft_fail "predict on the finalized run: figures differ"
cmp -s "$WORK/npy.csv" "$WORK/final.csv" || soft_fail "the finalized model predicts differently"

check "bad input: one line, exit 2"
expect_fail 2 "wide.npy: 13 features per example, but the model .* has 12" "$HYPERGRID_BIN" predict "$RUN" "$D/wide.npy"
expect_fail 2 "wide.csv: 14 features per example, but the model .* has 12 \\(a CSV may have one more column first" \
    "$HYPERGRID_BIN" predict "$RUN" "$D/wide.csv"
expect_fail 2 "test_labels.npy: a CSV holds its own labels" "$HYPERGRID_BIN" predict "$RUN" "$D/test.csv" "$D/test_labels.npy"
expect_fail 2 "summary.json: the run has no final model" "$HYPERGRID_BIN" predict "$WORK/shard0" "$D/test_images.npy"
expect_fail 2 "summary.json: cannot read it" "$HYPERGRID_BIN" predict "$WORK/nothing" "$D/test_images.npy"
expect_fail 2 "missing.npy" "$HYPERGRID_BIN" predict "$RUN" "$D/missing.npy"
expect_fail 2 "big_labels.npy: label 4 of example 0, but the model has 4 classes" \
    "$HYPERGRID_BIN" predict "$RUN" "$D/test_images.npy" "$D/big_labels.npy"
cp -r "$RUN" "$WORK/corrupt"
head -c 100 "$RUN/weights.npy" >"$WORK/corrupt/weights.npy"
expect_fail 2 "weights.npy" "$HYPERGRID_BIN" predict "$WORK/corrupt" "$D/test_images.npy"
py -c "import numpy as np; np.save('$WORK/corrupt/weights.npy', np.zeros((12, 5), np.float32))"
expect_fail 2 "weights.npy: shape does not match the 12 x 4 model" "$HYPERGRID_BIN" predict "$WORK/corrupt" "$D/test_images.npy"
expect_fail 2 "summary.json: cannot create output directory" \
    "$HYPERGRID_BIN" predict "$RUN" "$D/test.csv" --output "$RUN/summary.json/x.csv"
