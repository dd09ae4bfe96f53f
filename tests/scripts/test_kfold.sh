#!/usr/bin/env bash
# k-fold cross-validation end to end ([data] folds = K): per-fold figures against the float64
# reference, trial figures the means, the same results at any rank count, after a resume and from
# shards, and bad fold counts refused with one line.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA="$WORK/data"
make_npy_dataset "$DATA" --n 301 --d 12 --classes 3 --seed 5 --dtype float32
config() {  # config FILE [EXTRA DATA LINES]
    cat >"$1" <<TOML
$(npy_data_table "$DATA")
folds = 3
${2:-}
[grid]
epochs = [1, 3]
alpha = [0.0, 1e-3]
learning_rate = [0.05, 0.3]
batch_size = [16, 37]
[run]
seed = 9
models_per_unit = 3
TOML
}
config "$WORK/kfold.toml"

check "a 3-fold sweep on 1 rank: trials.csv with val_cost_std, folds.csv with 3 rows per trial"
run_hypergrid 1 run "$WORK/kfold.toml" --output "$WORK/np1" >/dev/null
header=$(head -1 "$WORK/np1/trials.csv")
[[ "$header" == "trial,epochs,alpha,learning_rate,batch_size,val_cost,val_cross_entropy,val_accuracy,val_cost_std,status,seconds,rank" ]] ||
    fail "trials.csv header: $header"
[[ $(head -1 "$WORK/np1/folds.csv") == "trial,fold,val_cost,val_cross_entropy,val_accuracy" ]] || fail "folds.csv header"
[[ $(($(wc -l <"$WORK/np1/folds.csv") - 1)) == 48 ]] || fail "folds.csv: $(wc -l <"$WORK/np1/folds.csv") lines, expected 49"
ok "headers and row counts"

check "every fold's figures equal the float64 reference's; the trial's are their mean and std"
py - "$WORK/np1" "$DATA" "$HYPERGRID_SOURCE_DIR/tests/reference/softmax_reference.py" <<'PY'
import csv, json, math, subprocess, sys
out, data, reference = sys.argv[1:]
trials = list(csv.DictReader(open(f"{out}/trials.csv")))
folds = {}
for row in csv.DictReader(open(f"{out}/folds.csv")):
    folds.setdefault(int(row["trial"]), {})[int(row["fold"])] = row
for t in trials:
    trial = int(t["trial"])
    ref = json.loads(subprocess.check_output([sys.executable, reference, "--images", f"{data}/images.npy",
        "--labels", f"{data}/labels.npy", "--folds", "3", "--seed", "9", "--epochs", t["epochs"],
        "--alpha", t["alpha"], "--learning-rate", t["learning_rate"], "--batch-size", t["batch_size"],
        "--classes", "3"]))
    assert sorted(folds[trial]) == [0, 1, 2], f"trial {trial}: folds {sorted(folds[trial])}"
    for f in range(3):
        got, want = folds[trial][f], ref["folds"][f]
        for key in ("val_cost", "val_cross_entropy"):
            assert math.isclose(float(got[key]), want[key], rel_tol=1e-4), f"trial {trial} fold {f} {key}: {got[key]} vs {want[key]}"
        assert math.isclose(float(got["val_accuracy"]), want["val_accuracy"], abs_tol=1e-9), f"trial {trial} fold {f} accuracy"
    costs = [float(folds[trial][f]["val_cost"]) for f in range(3)]
    mean = (costs[0] + costs[1] + costs[2]) / 3
    assert float(t["val_cost"]) == mean, f"trial {trial}: val_cost {t['val_cost']} is not the fold mean {mean!r}"
    std = math.sqrt(sum((c - mean) ** 2 for c in costs) / 3)
    assert math.isclose(float(t["val_cost_std"]), std, rel_tol=1e-12), f"trial {trial}: std {t['val_cost_std']} vs {std}"
    assert math.isclose(float(t["val_cost"]), ref["val_cost"], rel_tol=1e-4)
best = json.load(open(f"{out}/summary.json"))["best"]
lowest = min(trials, key=lambda t: (float(t["val_cost"]), int(t["trial"])))
assert best["trial"] == int(lowest["trial"]), f"best {best['trial']}, lowest mean {lowest['trial']}"
assert best.get("val_cost_std") == float(lowest["val_cost_std"]), f"best's val_cost_std {best.get('val_cost_std')} vs {lowest['val_cost_std']}"
print(f"  {len(trials)} trials x 3 folds agree with the reference; best = lowest mean ({best['trial']})")
PY
ok "reference"

check "the same results on 3 ranks, static schedule"
config "$WORK/static.toml"
sed -i 's/^models_per_unit = 3/models_per_unit = 2\nschedule = "static"/' "$WORK/static.toml"
run_hypergrid 3 run "$WORK/static.toml" --output "$WORK/np3" >/dev/null
diff <(strip_cols "$WORK/np1/trials.csv") <(strip_cols "$WORK/np3/trials.csv") || fail "trials.csv differs at 3 ranks"
diff "$WORK/np1/folds.csv" "$WORK/np3/folds.csv" || fail "folds.csv differs at 3 ranks"
cmp "$WORK/np1/weights.npy" "$WORK/np3/weights.npy" || fail "final model differs at 3 ranks"
ok "rank count"

check "the final model is trained on the whole training set: a holdout run of the best trial alone gives the same bytes"
read -r epochs alpha rate batch < <(py -c 'import json, sys
b = json.load(open(sys.argv[1]))["best"]
print(b["epochs"], repr(b["alpha"]), repr(b["learning_rate"]), b["batch_size"])' "$WORK/np1/summary.json")
config "$WORK/alone.toml"
sed -i "s/^folds = 3/validation_fraction = 0.5/; s/^epochs = .*/epochs = [$epochs]/; s/^alpha = .*/alpha = [$alpha]/;
        s/^learning_rate = .*/learning_rate = [$rate]/; s/^batch_size = .*/batch_size = [$batch]/" "$WORK/alone.toml"
run_hypergrid 1 run "$WORK/alone.toml" --output "$WORK/alone" >/dev/null
cmp "$WORK/np1/weights.npy" "$WORK/alone/weights.npy" || fail "the k-fold run's final model is not the best trial trained on all examples"
cmp "$WORK/np1/bias.npy" "$WORK/alone/bias.npy" || fail "final bias differs"
ok "final model"

check "--resume after a journal cut mid-trial ends with the same outputs"
mkdir -p "$WORK/resumed"
head -n 20 "$WORK/np1/journal.jsonl" >"$WORK/resumed/journal.jsonl"  # header + 19 fold lines: trial 6 or so half done
run_hypergrid 2 run "$WORK/kfold.toml" --output "$WORK/resumed" --resume >"$WORK/resume.log"
grep -q "19 already in the journal" "$WORK/resume.log" || fail "resume did not read the 19 fold results: $(head -1 "$WORK/resume.log")"
diff <(strip_cols "$WORK/np1/trials.csv") <(strip_cols "$WORK/resumed/trials.csv") || fail "trials.csv differs after resume"
diff "$WORK/np1/folds.csv" "$WORK/resumed/folds.csv" || fail "folds.csv differs after resume"
ok "resume"

check "a journal of another fold count is refused"
config "$WORK/four.toml"
sed -i 's/^folds = 3/folds = 4/' "$WORK/four.toml"
expect_fail 2 "journal" run_hypergrid 1 run "$WORK/four.toml" --output "$WORK/resumed" --resume

check "2 shards, finalized, give the single run's outputs"
for k in 0 1; do run_hypergrid 1 run "$WORK/kfold.toml" --output "$WORK/shard-$k" --shard "$k/2" >/dev/null; done
run_hypergrid 1 finalize "$WORK/kfold.toml" "$WORK/shard-0" "$WORK/shard-1" --output "$WORK/merged" >/dev/null
diff <(strip_cols "$WORK/np1/trials.csv") <(strip_cols "$WORK/merged/trials.csv") || fail "trials.csv differs from shards"
diff "$WORK/np1/folds.csv" "$WORK/merged/folds.csv" || fail "folds.csv differs from shards"
ok "shards"

check "bad fold counts: more folds than examples, 1 fold, folds with validation_fraction"
config "$WORK/many.toml" "limit_train = 4"
sed -i 's/^folds = 3/folds = 5/' "$WORK/many.toml"
expect_fail 2 "data.folds: 5 folds of 4 training examples" run_hypergrid 1 run "$WORK/many.toml" --output "$WORK/bad"
config "$WORK/one.toml"
sed -i 's/^folds = 3/folds = 1/' "$WORK/one.toml"
expect_fail 2 "data.folds: must be >= 2" run_hypergrid 1 run "$WORK/one.toml" --output "$WORK/bad"
config "$WORK/both.toml" "validation_fraction = 0.2"
expect_fail 2 "data.folds: cross-validation replaces the holdout split" run_hypergrid 1 run "$WORK/both.toml" --output "$WORK/bad"

echo "test_kfold: all checks passed"
