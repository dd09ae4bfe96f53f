#!/usr/bin/env bash
# The number of MPI ranks must not change any result: the same config run at 1, 2, 3 and 4 ranks
# gives the same trials.csv (apart from the seconds and rank columns), the same best trial, test
# metrics, confusion matrix and weights.npy / bias.npy bytes, whether the final model was trained
# after the sweep or ahead of it by a rank left idle. Each run's weights.npy / bias.npy must have the
# right shapes and reproduce the summary's test accuracy when applied to the test set in numpy.
#
# Two configs: configs/quick.toml (a real Fashion-MNIST slice, 2 units) and a generated .npy dataset
# with models_per_unit = 2 (many units, so several ranks really do share the sweep). Both have units
# cut into relay legs at some rank count (checked). The model files must be byte-identical across
# rank counts, and some run at 2+ ranks must have trained its final model ahead (so that path is
# compared too). Last, models_per_unit 1, 4 and 9 must give the generated sweep's results as well.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RANKS=(1 2 3 4)

# --- The generated config: 24 trials, 2 models per unit -> 3 units per batch size, 6 units. ---
DATA="$WORK/npy"
make_npy_dataset "$DATA" --n 600 --d 12 --classes 3 --seed 21 --dtype float32
cat >"$DATA/config.toml" <<TOML
$NPY_DATA
validation_fraction = 0.25
[grid]
epochs = [1, 3]
alpha = [0, 0.001]
learning_rate = [0.05, 0.1, 0.3]
batch_size = [8, 32]
[run]
seed = 3
models_per_unit = 2
output = "unused"
TOML

QUICK="$HYPERGRID_SOURCE_DIR/configs/quick.toml"
[[ -f "$QUICK" ]] || fail "$QUICK is missing"

# verify_model OUT_DIR KIND: shapes of weights.npy/bias.npy, and the test accuracy (and confusion
# matrix) recomputed in numpy from them against summary.json. KIND is "npy" (the generated data,
# scale 1) or "quick" (the Fashion-MNIST IDX test files, first limit_test examples, scale 255).
verify_model() {
    py - "$1" "$2" "$DATA" <<'PY'
import gzip, json, os, sys
import numpy as np

out, kind, data = sys.argv[1:]
summary = json.load(open(os.path.join(out, "summary.json")))
if kind == "npy":
    x = np.load(os.path.join(data, "test_images.npy")).astype(np.float64)
    y = np.load(os.path.join(data, "test_labels.npy")).astype(np.int64)
    scale = 1.0
else:
    cfg = summary["config"]["data"]
    def idx(path):
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        rank = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
    x = idx(cfg["test"]["images"]).reshape(-1, 784)
    y = idx(cfg["test"]["labels"]).astype(np.int64)
    if cfg["limit_test"]:
        x, y = x[:cfg["limit_test"]], y[:cfg["limit_test"]]
    # hypergrid divides in double and stores float: do the same.
    x = (x.astype(np.float64) / 255.0).astype(np.float32).astype(np.float64)
    scale = 1.0

w = np.load(os.path.join(out, "weights.npy"))
b = np.load(os.path.join(out, "bias.npy"))
d, c = x.shape[1], len(summary["confusion_matrix"])
problems = []
if w.dtype != np.float32 or b.dtype != np.float32:
    problems.append(f"dtypes weights {w.dtype}, bias {b.dtype}, expected float32")
if w.shape != (d, c):
    problems.append(f"weights.npy shape {w.shape}, expected (d, c) = {(d, c)}")
if b.shape != (c,):
    problems.append(f"bias.npy shape {b.shape}, expected (c,) = {(c,)}")
if problems:
    sys.exit(f"FAIL: {out}: " + "; ".join(problems))

logits = (x / scale) @ w.astype(np.float64) + b.astype(np.float64)
pred = logits.argmax(axis=1)
top2 = np.sort(logits, axis=1)[:, -2:]
ambiguous = int(np.sum(top2[:, 1] - top2[:, 0] < 1e-3))  # float32 rounding could flip these
correct = int(np.sum(pred == y))
n = len(y)
want = summary["test"]["accuracy"]
got = correct / n
if abs(got * n - want * n) > ambiguous + 1e-6:
    sys.exit(f"FAIL: {out}: accuracy recomputed from weights.npy/bias.npy is {got!r} ({correct}/{n}), "
             f"summary.json test.accuracy is {want!r} ({ambiguous} near-ties)")
confusion = np.zeros((c, c), dtype=np.int64)
np.add.at(confusion, (y, pred), 1)
if ambiguous == 0 and confusion.tolist() != summary["confusion_matrix"]:
    sys.exit(f"FAIL: {out}: confusion matrix recomputed in numpy (rows true, columns predicted)\n"
             f"{confusion.tolist()}\n differs from summary.json's\n{summary['confusion_matrix']}")
print(f"  ok: {out}: weights {w.shape}, bias {b.shape}; numpy test accuracy {got} == summary {want} "
      f"({ambiguous} near-ties); confusion matrix {'matches' if ambiguous == 0 else 'not compared'}")
PY
}

# compare_runs NAME MULTI_UNIT DIR_1 DIR_2 ...: summaries against the first run's; rank columns.
compare_runs() {
    local name=$1 multi=$2
    shift 2
    py - "$name" "$multi" "$@" <<'PY'
import csv, json, os, sys

name, multi, *dirs = sys.argv[1:]
multi = multi == "1"
header = "trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,status,seconds,rank"
base = None
ahead_at = []  # rank counts (2+) whose final model was trained ahead
for out in dirs:
    ranks = int(out.rsplit("np", 1)[1])
    s = json.load(open(os.path.join(out, "summary.json")))
    with open(os.path.join(out, "trials.csv")) as f:
        first = f.readline().rstrip("\n")
        if first != header:
            sys.exit(f"FAIL: {out}/trials.csv header is\n  {first}\nexpected\n  {header}")
        rows = list(csv.DictReader(f, fieldnames=header.split(",")))
    if s["ranks"] != ranks:
        sys.exit(f"FAIL: {name} at {ranks} ranks: summary.json ranks = {s['ranks']}")
    if s["trials"] != len(rows):
        sys.exit(f"FAIL: {name} at {ranks} ranks: summary.json trials = {s['trials']}, trials.csv has {len(rows)} rows")
    if [int(r["trial"]) for r in rows] != list(range(len(rows))):
        sys.exit(f"FAIL: {name} at {ranks} ranks: trials.csv rows are not in trial-id order")
    used = sorted({int(r["rank"]) for r in rows})
    if any(r < 0 or r >= ranks for r in used):
        sys.exit(f"FAIL: {name} at {ranks} ranks: rank column holds {used}, outside 0..{ranks - 1}")
    if multi and ranks > 1 and len(used) < 2:
        sys.exit(f"FAIL: {name} at {ranks} ranks: every trial ran on rank {used}; "
                 "the multi-unit sweep was not spread over the ranks")
    if s["best"] is None or s["test"] is None:
        sys.exit(f"FAIL: {name} at {ranks} ranks: summary.json has no best trial / test metrics")
    # Ranks left idle at the end train the final model ahead; one rank is never idle.
    ahead = s.get("final_trained_ahead")
    if not isinstance(ahead, bool) or (ranks == 1 and ahead):
        sys.exit(f"FAIL: {name} at {ranks} ranks: summary.json final_trained_ahead = {ahead!r}")
    if ahead:
        ahead_at.append(ranks)
    picked = {k: s[k] for k in ("best", "test", "confusion_matrix")}
    if base is None:
        base = (ranks, picked)
    else:
        for k in picked:
            if picked[k] != base[1][k]:
                sys.exit(f"FAIL: {name}: summary.json {k} at {ranks} ranks\n  {picked[k]}\n"
                         f"differs from {base[0]} rank(s)\n  {base[1][k]}")
    print(f"  ok: {name} at {ranks} ranks: summary ranks {s['ranks']}, {len(rows)} trials, "
          f"ranks used {used}, best trial {s['best']['trial']}, test accuracy {s['test']['accuracy']}, "
          f"final model trained {'ahead, during the sweep' if ahead else 'after the sweep'}")
# The model files are compared byte for byte below; that comparison covers the trained-ahead path
# only if it ran.
if not ahead_at:
    sys.exit(f"FAIL: {name}: no run at 2+ ranks trained the final model ahead (final_trained_ahead "
             "false everywhere): the trained-ahead path went untested")
print(f"  ok: {name}: final model trained ahead at {ahead_at} ranks")
PY
}

for case in quick npy; do
    if [[ $case == quick ]]; then config=$QUICK multi=0; else config="$DATA/config.toml" multi=1; fi
    dirs=()
    for np in "${RANKS[@]}"; do
        out="$WORK/$case-np$np"
        check "$case: mpirun -np $np hypergrid run $config --output $out"
        run_hypergrid "$np" run "$config" --output "$out" >"$WORK/$case-np$np.log" 2>&1 ||
            fail "$case at $np ranks: hypergrid run exited non-zero:
$(tail -n 30 "$WORK/$case-np$np.log")"
        for f in trials.csv summary.json weights.npy bias.npy; do
            [[ -s "$out/$f" ]] || fail "$case at $np ranks: $out/$f missing or empty"
        done
        dirs+=("$out")
    done

    # The runs above include units cut into relay legs (the first epochs on one rank, the rest on
    # another from the models handed over): the bits below must not notice.
    check "$case: some rank count cuts a unit into legs across ranks"
    cuts=0
    for np in "${RANKS[@]}"; do
        cuts=$((cuts + $(run_hypergrid 1 plan "$config" --ranks "$np" | grep -c " is cut after epoch " || true)))
    done
    ((cuts > 0)) || fail "$case: no plan for ${RANKS[*]} ranks cuts a unit: relay legs go untested"
    ok "$cuts cut units over ${RANKS[*]} ranks"

    check "$case: trials.csv without seconds/rank is byte-identical at ${RANKS[*]} ranks"
    strip_cols "${dirs[0]}/trials.csv" >"$WORK/$case-base.csv"
    [[ $(wc -l <"$WORK/$case-base.csv") -gt 1 ]] || fail "$case: ${dirs[0]}/trials.csv has no rows"
    for out in "${dirs[@]:1}"; do
        strip_cols "$out/trials.csv" >"$WORK/$case-other.csv"
        if ! cmp -s "$WORK/$case-base.csv" "$WORK/$case-other.csv"; then
            fail "$case: $out/trials.csv differs from ${dirs[0]}/trials.csv (seconds and rank dropped):
$(diff "$WORK/$case-base.csv" "$WORK/$case-other.csv" | head -n 20)"
        fi
        ok "$out/trials.csv == ${dirs[0]}/trials.csv"
    done

    check "$case: summary ranks, rank column, best / test / confusion_matrix equal at every rank count"
    compare_runs "$case" "$multi" "${dirs[@]}"

    check "$case: weights.npy and bias.npy byte-identical at ${RANKS[*]} ranks (trained ahead or after the sweep)"
    for out in "${dirs[@]:1}"; do
        for f in weights.npy bias.npy; do
            cmp -s "${dirs[0]}/$f" "$out/$f" || fail "$case: $out/$f differs from ${dirs[0]}/$f"
        done
        ok "$out: weights.npy, bias.npy == ${dirs[0]}'s"
    done

    check "$case: weights.npy / bias.npy shapes and the test accuracy they give in numpy"
    for out in "${dirs[@]}"; do
        verify_model "$out" "$case"
    done
done

# --- models_per_unit: how many models train side by side must not change a result either. ---
check "npy: models_per_unit 1, 4 and 9 (units of 1, 4 + 2 or 3 + 3, and all 6 models) at 2 ranks"
for width in 1 4 9; do
    sed "s/^models_per_unit = .*/models_per_unit = $width/" "$DATA/config.toml" >"$DATA/width$width.toml"
    grep -qx "models_per_unit = $width" "$DATA/width$width.toml" || fail "test bug: models_per_unit not set in width$width.toml"
    out="$WORK/npy-width$width"
    run_hypergrid 2 run "$DATA/width$width.toml" --output "$out" >"$out.log" 2>&1 ||
        fail "models_per_unit = $width: hypergrid run exited non-zero:
$(tail -n 30 "$out.log")"
    units=$(run_hypergrid 1 plan "$DATA/width$width.toml" --ranks 2 | sed -n 's/^[0-9]* trials in \([0-9]*\) units.*/\1/p')
    [[ -n $units ]] || fail "models_per_unit = $width: no unit count in the plan's first line"
    strip_cols "$out/trials.csv" >"$WORK/width.csv"
    cmp -s "$WORK/npy-base.csv" "$WORK/width.csv" ||
        fail "models_per_unit = $width: trials.csv differs from models_per_unit = 2 at 1 rank (seconds and rank dropped):
$(diff "$WORK/npy-base.csv" "$WORK/width.csv" | head -n 20)"
    for f in weights.npy bias.npy; do
        cmp -s "$WORK/npy-np1/$f" "$out/$f" || fail "models_per_unit = $width: $f differs"
    done
    echo "$units" >>"$WORK/units"
    ok "models_per_unit = $width: $units units; trials.csv, weights.npy and bias.npy identical"
done
[[ $(sort -u "$WORK/units" | wc -l) -eq 3 ]] || fail "models_per_unit 1, 4, 9 did not give three different unit counts: $(tr '\n' ' ' <"$WORK/units")"

echo "test_rank_invariance: all checks passed"
