#!/usr/bin/env bash
# [run] precision = "bf16" (the SGD step's products in bfloat16; include/hypergrid/kernels.hpp):
#   1. a wrong value is refused (exit 2, one line naming run.precision), and so are bf16 under
#      HYPERGRID_ISA=v3 and an unknown HYPERGRID_BF16 engine;
#   2. every bfloat16 engine this CPU has (amx: AMX-BF16, avx512: AVX512_BF16) runs a Fashion-MNIST
#      slice and an odd-shaped generated set at 1 and 2 ranks, says so (start-up line, summary.json
#      "isa"), and gives the same bits at both rank counts;
#   3. statistically equivalent to float32 on the slice, whose grid has configs/fashion_mnist.toml's
#      ranges: the same best trial, test accuracy within a point, and every trial at lr 0.05 within
#      0.1% of float32's validation cost. Not every trial within 1% as the issue asks of the full
#      config (bench/run_benchmarks.sh checks that one): on 4,800 examples lr 0.2 sits at the edge of
#      stability, where a checkpoint's cost swings with the phase of the oscillation, so a
#      perturbation of 1e-3 moves it by several percent either way (seen: -12.7% to +2.4%);
#   4. a float32 sweep's journal does not resume as bf16 (the precision is in the fingerprint).
# A CPU without either engine cannot run it: the test fails saying so (label bf16: `ctest -LE bf16`
# leaves it out there).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCRIPTS="$HYPERGRID_SOURCE_DIR/tests/scripts"
source "$SCRIPTS/strip_cols.sh"

engines=()
cpu_has avx512f amx_tile amx_bf16 && engines+=(amx)
cpu_has avx512f avx512_bf16 && engines+=(avx512)
echo "bfloat16 engines this CPU has: ${engines[*]:-none}"

# Two configs: a Fashion-MNIST slice with the ranges of configs/fashion_mnist.toml, and a generated
# set whose sizes leave partial tiles everywhere (11 features, 5 classes x 3 models, batches of 7 and 40).
DATA="$WORK/npy"
make_npy_dataset "$DATA" --n 400 --d 11 --classes 5 --seed 8 --dtype float32
cat >"$DATA/config.toml" <<TOML
$NPY_DATA
[grid]
epochs = [2, 6]
alpha = [0, 0.01]
learning_rate = [0.05, 0.2]
batch_size = [7, 40]
[run]
models_per_unit = 3
output = "unused"
TOML
{
    sed -n '/^\[data\]/,/^$/p' "$HYPERGRID_SOURCE_DIR/configs/fashion_mnist.toml" | sed '/^$/d'
    cat <<'TOML'
limit_train = 6000
limit_test = 2000
[grid]
epochs = [4, 8]
alpha = [1e-5, 1e-4]
learning_rate = [0.05, 0.2]
batch_size = [128, 256]
[run]
TOML
} >"$WORK/quick.toml"
# variants NAME BASE: NAME-float32.toml and NAME-bf16.toml beside BASE (its relative data paths
# resolve against its directory); [run] is the last table of both bases.
variants() {
    cp "$2" "$(dirname "$2")/$1-float32.toml"
    { cat "$2"; echo 'precision = "bf16"'; } >"$(dirname "$2")/$1-bf16.toml"
}
variants quick "$WORK/quick.toml"
variants npy "$DATA/config.toml"
config_of() { if [[ $1 == npy ]]; then echo "$DATA/npy-$2.toml"; else echo "$WORK/quick-$2.toml"; fi; }

check "precision = \"fp16\" is refused with exit 2 and one line naming run.precision"
sed 's/precision = "bf16"/precision = "fp16"/' "$WORK/quick-bf16.toml" >"$WORK/fp16.toml"
expect_fail 2 'run.precision: must be "float32" or "bf16"' run_hypergrid 1 run "$WORK/fp16.toml" --output "$WORK/refused"

check "bf16 under HYPERGRID_ISA=v3 is refused with exit 2 and one line"
HYPERGRID_ISA=v3 expect_fail 2 'precision = "bf16" needs level v4' \
    run_hypergrid 2 run "$WORK/quick-bf16.toml" --output "$WORK/refused"

check "HYPERGRID_BF16=fp8 is refused with exit 2 and one line"
HYPERGRID_BF16=fp8 expect_fail 2 'HYPERGRID_BF16=fp8: unknown engine' \
    run_hypergrid 1 run "$WORK/quick-bf16.toml" --output "$WORK/refused"

[[ ${#engines[@]} -gt 0 ]] ||
    fail "this CPU has neither AVX512_BF16 nor AMX-BF16: precision = \"bf16\" cannot run here (ctest -LE bf16 leaves this test out)"

# run_case NAME PRECISION NP OUT [ENGINE]: one run, which must name its training kernels.
run_case() {
    local name=$1 precision=$2 np=$3 out=$4 engine=${5:-}
    HYPERGRID_BF16=$engine run_hypergrid "$np" run "$(config_of "$name" "$precision")" --output "$out" \
        --progress none >"$out.log" 2>&1 || fail "$name $precision ${engine:+($engine) }at $np ranks exited non-zero:
$(tail -n 20 "$out.log")"
    [[ -z $engine ]] && return 0
    local kernels=${engine/avx512/v4}_bf16
    grep -q "; kernels $kernels\$" "$out.log" || fail "$name $engine: the start-up line does not say kernels $kernels:
$(head -n 3 "$out.log")"
    py -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(s["isa"] != sys.argv[2] or s["config"]["run"]["precision"] != "bf16")' \
        "$out/summary.json" "$kernels" || fail "$name $engine: summary.json does not record isa $kernels and precision bf16"
}

for name in quick npy; do
    run_case "$name" float32 2 "$WORK/$name-float32"
    for engine in "${engines[@]}"; do
        check "$name, bf16 on $engine: the same bits at 1 and 2 ranks, and named in the start line and summary.json"
        run_case "$name" bf16 1 "$WORK/$name-$engine-1" "$engine"
        run_case "$name" bf16 2 "$WORK/$name-$engine-2" "$engine"
        cmp -s <(strip_cols "$WORK/$name-$engine-1/trials.csv") <(strip_cols "$WORK/$name-$engine-2/trials.csv") ||
            fail "$name $engine: trials.csv differs between 1 and 2 ranks"
        for f in weights.npy bias.npy; do
            cmp -s "$WORK/$name-$engine-1/$f" "$WORK/$name-$engine-2/$f" || fail "$name $engine: $f differs between 1 and 2 ranks"
        done
        ok "$name $engine at 1 and 2 ranks"
        [[ $name == quick ]] || continue  # random data at lr 0.2 and batches of 7: the plumbing, not the statistics

        check "$name, bf16 on $engine: equivalent to float32 (best trial, test accuracy, trials' validation costs)"
        py - "$WORK/$name-float32" "$WORK/$name-$engine-2" <<'PY' || fail "$name $engine: not equivalent to float32 (above)"
import csv, json, sys
f32, b16 = sys.argv[1:]
rows = lambda d: {r["trial"]: r for r in csv.DictReader(open(d + "/trials.csv"))}
a, b = rows(f32), rows(b16)
assert a.keys() == b.keys(), "different trials"
relative = {t: float(b[t]["val_cost"]) / float(a[t]["val_cost"]) - 1 for t in a}
stable = [abs(relative[t]) for t in a if float(a[t]["learning_rate"]) == 0.05]
sa, sb = (json.load(open(d + "/summary.json")) for d in (f32, b16))
print(f"  relative difference in val_cost: at lr 0.05 ({len(stable)} trials) at most {max(stable):.2e}; over all "
      f"{len(a)} trials {min(relative.values()):+.2e} to {max(relative.values()):+.2e}; best {sa['best']['trial']} vs "
      f"{sb['best']['trial']}; test accuracy {sa['test']['accuracy']:.4f} vs {sb['test']['accuracy']:.4f}")
assert any(relative.values()), "bf16 gave float32's numbers exactly: the bfloat16 kernels did not run"
assert len(stable) == len(a) // 2, "the grid lost its lr 0.05 half"
assert sa["best"]["trial"] == sb["best"]["trial"], "another best trial"
assert abs(sa["test"]["accuracy"] - sb["test"]["accuracy"]) <= 0.01, "test accuracy differs by more than a point"
assert max(stable) < 0.001, "a trial at lr 0.05 differs by 0.1% or more"
PY
        ok "$name $engine equivalent to float32"
    done
done

check "a float32 sweep's journal does not resume as bf16 (exit 2, one line)"
expect_fail 2 'journal of another sweep' \
    run_hypergrid 1 run "$WORK/quick-bf16.toml" --output "$WORK/quick-float32" --resume

echo "PASS: test_bf16"
