#!/usr/bin/env bash
# Successive halving end to end ([search] mode = "halving"): every row equals the full grid's trial
# bit for bit, promotions follow the rule, rungs continue models (never from zero), the results are
# the same at any rank count, with k-fold, and after a resume mid-rung; --shard is refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA="$WORK/data"
make_npy_dataset "$DATA" --n 240 --d 12 --classes 3 --seed 8 --dtype float32
config() {  # config FILE SEARCH_LINES [DATA_LINES]
    cat >"$1" <<TOML
$(npy_data_table "$DATA")
${3:-}
[grid]
epochs = [4, 1, 2]
alpha = [0.0, 1e-3, 1e-2]
learning_rate = [0.02, 0.1, 0.5]
batch_size = [8, 30]
[run]
seed = 4
models_per_unit = 4
$2
TOML
}
config "$WORK/full.toml" ""
config "$WORK/halving.toml" $'[search]\nmode = "halving"\nfactor = 3'

# compare FULL_DIR HALVING_DIR FACTOR: rows equal, rungs and promotions by the rule, winner.
compare() {
    py - "$1" "$2" "$3" <<'PY'
import csv, json, math, os, sys
full_dir, halving_dir, factor = sys.argv[1], sys.argv[2], int(sys.argv[3])
full = {r["trial"]: r for r in csv.DictReader(open(f"{full_dir}/trials.csv"))}
rows = list(csv.DictReader(open(f"{halving_dir}/trials.csv")))
same = [k for k in rows[0] if k not in ("seconds", "rank", "rung")]
for r in rows:
    diff = [k for k in same if r[k] != full[r["trial"]][k]]
    assert not diff, f"trial {r['trial']}: {diff} differ from the full grid's"
if os.path.exists(f"{full_dir}/folds.csv"):
    full_folds = {(r["trial"], r["fold"]): r for r in csv.DictReader(open(f"{full_dir}/folds.csv"))}
    folds = list(csv.DictReader(open(f"{halving_dir}/folds.csv")))
    assert len(folds) == 3 * len(rows), f"{len(folds)} fold rows for {len(rows)} trials"
    for r in folds:
        assert r == full_folds[(r["trial"], r["fold"])], f"fold row {r} differs"
rungs = sorted({int(r["epochs"]) for r in full.values()})
configs = len(full) // len(rungs)
def config_of(r): return int(r["trial"]) % configs
expected = set(range(configs))
for rung, epochs in enumerate(rungs):
    got = {config_of(r) for r in rows if int(r["rung"]) == rung}
    assert all(int(r["epochs"]) == rungs[int(r["rung"])] for r in rows)
    assert got == expected, f"rung {rung}: configurations {sorted(got)}, expected {sorted(expected)}"
    ranked = sorted((r for r in full.values() if int(r["epochs"]) == epochs and config_of(r) in expected and r["status"] == "ok"),
                    key=lambda r: (float(r["val_cost"]), int(r["trial"])))
    expected = {config_of(r) for r in ranked[: -(-len(expected) // factor)]}
last = max(int(r["rung"]) for r in rows)
winner = min((r for r in rows if int(r["rung"]) == last), key=lambda r: (float(r["val_cost"]), int(r["trial"])))
best = json.load(open(f"{halving_dir}/summary.json"))["best"]
assert best["trial"] == int(winner["trial"]), f"summary best {best['trial']}, best of the last rung {winner['trial']}"
rank = sorted(full.values(), key=lambda r: (float(r["val_cost"]), int(r["trial"]))).index(full[winner["trial"]]) + 1
print(f"  {len(rows)} of {len(full)} trials, each equal to the full grid's; rungs by the rule; winner trial {winner['trial']} (rank {rank} of the full grid)")
PY
}

check "halving on 1 rank: each row is the full grid's trial, rungs and promotions by the rule"
run_hypergrid 1 run "$WORK/full.toml" --output "$WORK/full" >/dev/null
run_hypergrid 1 run "$WORK/halving.toml" --output "$WORK/np1" >"$WORK/np1.log"
[[ $(head -1 "$WORK/np1/trials.csv") == *",status,seconds,rank,rung" ]] || fail "no rung column: $(head -1 "$WORK/np1/trials.csv")"
compare "$WORK/full" "$WORK/np1" 3
ok "rows, rungs, winner"

check "rungs continue their models: epochs 1 -> 2 and 2 -> 4, never from zero again"
grep -q "halving rung 0 of 3: 18 configurations, epochs 0 -> 1" "$WORK/np1.log" || fail "rung 0: $(cat "$WORK/np1.log")"
grep -q "halving rung 1 of 3: 6 configurations, epochs 1 -> 2" "$WORK/np1.log" || fail "rung 1 not continued: $(cat "$WORK/np1.log")"
grep -q "halving rung 2 of 3: 2 configurations, epochs 2 -> 4" "$WORK/np1.log" || fail "rung 2 not continued: $(cat "$WORK/np1.log")"
ok "continued"

check "the same on 3 ranks with a static schedule and narrower units, factor 2 too"
config "$WORK/np3.toml" $'[search]\nmode = "halving"\nfactor = 3'
sed -i 's/^models_per_unit = 4/models_per_unit = 1\nschedule = "static"/' "$WORK/np3.toml"
run_hypergrid 3 run "$WORK/np3.toml" --output "$WORK/np3" >/dev/null
diff <(strip_cols "$WORK/np1/trials.csv") <(strip_cols "$WORK/np3/trials.csv") || fail "trials.csv differs at 3 ranks"
cmp "$WORK/np1/weights.npy" "$WORK/np3/weights.npy" || fail "final model differs at 3 ranks"
config "$WORK/two.toml" $'[search]\nmode = "halving"\nfactor = 2'
run_hypergrid 2 run "$WORK/two.toml" --output "$WORK/two" >/dev/null
compare "$WORK/full" "$WORK/two" 2
ok "rank count, factor 2"

check "with k-fold: rows and fold rows equal the full k-fold grid's, promotion by mean fold cost"
config "$WORK/full_kfold.toml" "" "folds = 3"
config "$WORK/halving_kfold.toml" $'[search]\nmode = "halving"' "folds = 3"
run_hypergrid 2 run "$WORK/full_kfold.toml" --output "$WORK/full_kfold" >/dev/null
run_hypergrid 2 run "$WORK/halving_kfold.toml" --output "$WORK/halving_kfold" >/dev/null
compare "$WORK/full_kfold" "$WORK/halving_kfold" 3
ok "k-fold"

check "--resume mid-rung (journal cut inside rung 1) ends with the same outputs"
mkdir -p "$WORK/resumed"
head -n 22 "$WORK/np1/journal.jsonl" >"$WORK/resumed/journal.jsonl"  # header, rung 0 (18), 3 of rung 1
run_hypergrid 2 run "$WORK/halving.toml" --output "$WORK/resumed" --resume >"$WORK/resume.log"
diff <(strip_cols "$WORK/np1/trials.csv") <(strip_cols "$WORK/resumed/trials.csv") || fail "trials.csv differs after resume"
cmp "$WORK/np1/weights.npy" "$WORK/resumed/weights.npy" || fail "final model differs after resume"
# Only the 3 configurations rung 1 still owes run; their models (and those of the journaled ones)
# died with the first run, so they train from zero: the same bits, more epochs.
grep -q "halving rung 1 of 3: 3 configurations, epochs 0 -> 2" "$WORK/resume.log" || fail "rung 1 after resume: $(cat "$WORK/resume.log")"
ok "resume"

check "halving with samples: configurations drawn as random mode draws them, rows equal to the grid's"
# 40 configurations: trial ids (up to 119) run far past the 59 trials halving runs.
config "$WORK/drawn.toml" $'[search]\nmode = "halving"\nsamples = 40\nseed = 5'
config "$WORK/random.toml" $'[search]\nmode = "random"\nsamples = 40\nseed = 5'
run_hypergrid 2 run "$WORK/drawn.toml" --output "$WORK/drawn" >/dev/null
run_hypergrid 1 run "$WORK/random.toml" --output "$WORK/random" >/dev/null
py - "$WORK/full" "$WORK/drawn" "$WORK/random" <<'PY'
import csv, sys
full_dir, drawn_dir, random_dir = sys.argv[1:]
key = lambda r: (r["epochs"], r["alpha"], r["learning_rate"], r["batch_size"])
full = {key(r): r for r in csv.DictReader(open(f"{full_dir}/trials.csv"))}
drawn = list(csv.DictReader(open(f"{drawn_dir}/trials.csv")))
random = list(csv.DictReader(open(f"{random_dir}/trials.csv")))
assert len([r for r in drawn if r["rung"] == "0"]) == 40, "rung 0 is not the 40 samples"
assert len([r for r in drawn if r["rung"] == "1"]) == 14 and len([r for r in drawn if r["rung"] == "2"]) == 5
for r in drawn:
    t = int(r["trial"])
    s, e = t % 40, t // 40
    assert int(r["epochs"]) == [4, 1, 2][e], f"trial {t}: epochs {r['epochs']}"
    sample = random[s]
    assert (r["alpha"], r["learning_rate"], r["batch_size"]) == (sample["alpha"], sample["learning_rate"], sample["batch_size"]), \
        f"trial {t} is not random mode's sample {s}"
    same = full[key(r)]
    for k in ("val_cost", "val_cross_entropy", "val_accuracy", "status"):
        assert r[k] == same[k], f"trial {t} {k}: {r[k]} vs the grid's {same[k]}"
print(f"  {len(drawn)} rows: random mode's draws, each equal to the grid's trial")
PY
ok "drawn configurations"

check "--shard with halving and halving with one epochs value are refused"
expect_fail 2 "--shard: search.mode = \"halving\" runs in one job" run_hypergrid 1 run "$WORK/halving.toml" --output "$WORK/shard" --shard 0/2
sed 's/^epochs = .*/epochs = [3]/' "$WORK/halving.toml" >"$WORK/one.toml"
expect_fail 2 "grid.epochs: halving needs at least 2 epochs values" run_hypergrid 1 run "$WORK/one.toml" --output "$WORK/bad"

echo "test_halving: all checks passed"
