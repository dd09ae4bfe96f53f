#!/usr/bin/env bash
# hypergrid against the plain float64 reference (tests/reference/softmax_reference.py): the same
# trials on small synthetic datasets must give the same validation metrics, and the reference's
# epoch order must match the C++ shuffle.
#
# Environment (set by ctest): HYPERGRID_BIN, HYPERGRID_SOURCE_DIR, PYTHON, MPIEXEC.
set -euo pipefail

: "${HYPERGRID_BIN:?HYPERGRID_BIN must name the hypergrid executable}"
: "${HYPERGRID_SOURCE_DIR:?HYPERGRID_SOURCE_DIR must name the repository root}"
: "${MPIEXEC:?MPIEXEC must name mpirun}"
PYTHON=${PYTHON:-/usr/bin/python3}

REF_DIR="$HYPERGRID_SOURCE_DIR/tests/reference"
REFERENCE="$REF_DIR/softmax_reference.py"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# --- 1. The reference's epoch order is the C++ one (values printed once from src/shuffle.cpp). ---
"$PYTHON" "$REF_DIR/test_permutation.py"
got=$("$PYTHON" "$REFERENCE" --print-permutation 42 3 17)
expected="0 1 10 3 13 16 4 5 8 7 11 15 14 12 6 2 9"
[[ "$got" == "$expected" ]] || fail "--print-permutation 42 3 17 gave '$got', expected '$expected'"
echo "permutation CLI: ok"

# --- 2. hypergrid's trials agree with the reference. ---
# run_case NAME DTYPE SEED EPOCHS ALPHAS LEARNING_RATES BATCH_SIZES
#   lists are TOML array bodies, e.g. "0.001, 0.01". 600 examples, validation_fraction 0.2:
#   480 train, so batch sizes 7 and 37 leave a partial last batch (4 and 36 examples).
run_case() {
    local name=$1 dtype=$2 seed=$3 epochs=$4 alphas=$5 rates=$6 batches=$7
    local dir="$WORK/$name"
    echo "=== case $name: dtype=$dtype epochs=[$epochs] alpha=[$alphas] learning_rate=[$rates] batch_size=[$batches]"

    "$PYTHON" "$REF_DIR/make_dataset.py" --out "$dir" --n 600 --d 20 --classes 4 --seed 11 --dtype "$dtype"
    cat >"$dir/config.toml" <<TOML
[data]
train_images = "images.npy"
train_labels = "labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"
validation_fraction = 0.2
[grid]
epochs = [$epochs]
alpha = [$alphas]
learning_rate = [$rates]
batch_size = [$batches]
[run]
seed = $seed
TOML

    (cd "$dir" && "$MPIEXEC" -np 1 "$HYPERGRID_BIN" run "$dir/config.toml" --output "$dir/out")
    local csv="$dir/out/trials.csv"
    [[ -f "$csv" ]] || fail "$name: hypergrid wrote no $csv"

    # Classes as hypergrid counts them: one more than the largest label in train and test files.
    local classes
    classes=$("$PYTHON" -c 'import sys, numpy as np
print(max(int(np.load(f).max()) for f in sys.argv[1:]) + 1)' "$dir/labels.npy" "$dir/test_labels.npy")

    # The header and the set of trials: one row per grid point, each trained successfully.
    "$PYTHON" - "$csv" "[$epochs]" "[$alphas]" "[$rates]" "[$batches]" <<'PY'
import csv, itertools, json, math, sys
path, *axes = sys.argv[1:]
axes = [json.loads(a) for a in axes]
header = "trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,status,seconds,rank"
with open(path) as f:
    first = f.readline().rstrip("\r\n")
    if first != header:
        sys.exit(f"FAIL: {path}: header is\n  {first}\nexpected\n  {header}")
    rows = list(csv.DictReader(f, fieldnames=header.split(",")))
expected = sorted(itertools.product(*axes))
got = sorted((int(r["epochs"]), float(r["alpha"]), float(r["learning_rate"]), int(r["batch_size"])) for r in rows)
if len(got) != len(expected) or any(
        g[0] != e[0] or g[3] != e[3] or not math.isclose(g[1], e[1], rel_tol=1e-12) or
        not math.isclose(g[2], e[2], rel_tol=1e-12) for g, e in zip(got, expected)):
    sys.exit(f"FAIL: {path}: trials {got}\nexpected the grid {expected}")
bad = [r["trial"] for r in rows if r["status"] != "ok"]
if bad:
    sys.exit(f"FAIL: {path}: trials {bad} did not finish with status ok")
print(f"{path}: {len(rows)} trials, header and grid ok")
PY

    # Each trial against the reference run with the row's own hyperparameters.
    local trial t_epochs t_alpha t_rate t_batch cost ce acc status seconds rank ref
    {
        read -r _header
        while IFS=, read -r trial t_epochs t_alpha t_rate t_batch cost ce acc status seconds rank; do
            ref=$("$PYTHON" "$REFERENCE" --images "$dir/images.npy" --labels "$dir/labels.npy" \
                --validation-fraction 0.2 --seed "$seed" --epochs "$t_epochs" --alpha "$t_alpha" \
                --learning-rate "$t_rate" --batch-size "$t_batch" --classes "$classes")
            "$PYTHON" - "$name" "$trial" "$t_epochs,$t_alpha,$t_rate,$t_batch" "$cost" "$ce" "$acc" "$ref" <<'PY'
import json, math, sys
name, trial, hyper, cost, ce, acc, ref = sys.argv[1:]
ref = json.loads(ref)
checks = [  # (metric, hypergrid, reference, relative tolerance, absolute tolerance)
    ("val_cost", float(cost), ref["val_cost"], 1e-4, 0.0),
    ("val_cross_entropy", float(ce), ref["val_cross_entropy"], 1e-4, 0.0),
    ("val_accuracy", float(acc), ref["val_accuracy"], 0.0, 1e-9),
]
failed = False
for metric, got, want, rel, abs_ in checks:
    ok = math.isclose(got, want, rel_tol=rel, abs_tol=abs_)
    print(f"  {name} trial {trial} ({hyper}) {metric}: hypergrid {got!r} reference {want!r}"
          + ("" if ok else f"  <-- MISMATCH (rel {rel:g}, abs {abs_:g})"))
    failed |= not ok
if failed:
    sys.exit(f"FAIL: {name} trial {trial} (epochs,alpha,learning_rate,batch_size = {hyper}) "
             "disagrees with the float64 reference")
PY
        done
    } <"$csv"
}

# Float features (scale 1): a batch size dividing the 480 training examples and two that do not.
run_case float32 float32 7 "3" "0.001, 0.01" "0.1, 0.05" "16, 37"
# uint8 features, hypergrid's default scale 255 (the reference applies the same default).
run_case uint8 uint8 5 "5" "0.001" "0.5" "16, 7"

echo "test_reference: all cases agree"
