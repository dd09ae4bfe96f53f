#!/usr/bin/env bash
# The kernel levels (include/hypergrid/kernels.hpp) under HYPERGRID_ISA:
#   1. an unknown level is refused with exit 2 and one line;
#   2. every level this CPU has runs the rank-invariance and reference tests
#      (tests/scripts/test_rank_invariance.sh, test_reference.sh) and says which level it ran
#      (start-up line, summary.json "isa");
#   3. v3 and v4 give the same bits: trials.csv (seconds and rank aside), summary.json's best, test
#      metrics and confusion matrix, weights.npy and bias.npy; the baseline (no FMA) is compared
#      within a tolerance and its differences are printed.
# A level this CPU lacks must be refused with exit 2 (checked for each such level), and the v3/v4
# comparison fails when the CPU lacks either: it cannot be made here, and the test says so (label
# avx512: `ctest -LE avx512` leaves it out on such a CPU).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCRIPTS="$HYPERGRID_SOURCE_DIR/tests/scripts"

# The levels, from the CPU flags the kernels' -march levels need (x86-64-v3: AVX2, FMA, BMI1/2, F16C,
# MOVBE, LZCNT; v4 adds AVX-512 F, BW, CD, DQ, VL).
levels=(baseline)
lacking=()
if cpu_has avx2 fma bmi1 bmi2 f16c movbe abm; then levels=(v3 "${levels[@]}"); else lacking+=(v3); fi
if cpu_has avx2 fma bmi1 bmi2 f16c movbe abm avx512f avx512bw avx512cd avx512dq avx512vl; then
    levels=(v4 "${levels[@]}")
else
    lacking+=(v4)
fi
echo "levels this CPU has: ${levels[*]}; lacks: ${lacking[*]:-none}"

# A tiny config: 8 trials of a generated dataset whose width (3 models x 5 classes) is not a whole vector.
DATA="$WORK/npy"
make_npy_dataset "$DATA" --n 300 --d 11 --classes 5 --seed 4 --dtype float32
cat >"$DATA/config.toml" <<TOML
$NPY_DATA
[grid]
epochs = [2, 5]
alpha = [0, 0.01]
learning_rate = [0.1, 0.5]
batch_size = [7]
[run]
models_per_unit = 3
output = "unused"
TOML

check "HYPERGRID_ISA=v9 is refused with exit 2 and one line"
HYPERGRID_ISA=v9 expect_fail 2 'HYPERGRID_ISA=v9: unknown level' \
    run_hypergrid 1 run "$DATA/config.toml" --output "$WORK/refused"
for level in "${lacking[@]}"; do
    check "HYPERGRID_ISA=$level (this CPU lacks it) is refused with exit 2 and one line"
    HYPERGRID_ISA=$level expect_fail 2 "HYPERGRID_ISA=$level: this CPU lacks" \
        run_hypergrid 1 run "$DATA/config.toml" --output "$WORK/refused-$level"
done

# run_level LEVEL CONFIG OUT: a 2-rank run under LEVEL, which must say it ran LEVEL.
run_level() {
    local level=$1 config=$2 out=$3
    HYPERGRID_ISA=$level run_hypergrid 2 run "$config" --output "$out" >"$out.log" 2>&1 ||
        fail "HYPERGRID_ISA=$level: hypergrid run $config exited non-zero:
$(tail -n 20 "$out.log")"
    grep -q "; kernels $level\$" "$out.log" || fail "HYPERGRID_ISA=$level: the start-up line does not name the level:
$(head -n 3 "$out.log")"
    py -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(s.get("isa") != sys.argv[2])' \
        "$out/summary.json" "$level" || fail "HYPERGRID_ISA=$level: $out/summary.json isa is not \"$level\""
}

for case in quick npy; do
    if [[ $case == quick ]]; then config=$HYPERGRID_SOURCE_DIR/configs/quick.toml; else config=$DATA/config.toml; fi
    for level in "${levels[@]}"; do
        check "$case: a run under HYPERGRID_ISA=$level says so (start-up line, summary.json isa)"
        run_level "$level" "$config" "$WORK/$case-$level"
        ok "$WORK/$case-$level"
    done
    if [[ ${#lacking[@]} -eq 0 ]]; then
        check "$case: v3 and v4 give byte-identical trials.csv (seconds, rank aside), summary metrics, weights.npy, bias.npy"
        cmp -s <(strip_cols "$WORK/$case-v3/trials.csv") <(strip_cols "$WORK/$case-v4/trials.csv") ||
            fail "$case: trials.csv differs between v3 and v4:
$(diff <(strip_cols "$WORK/$case-v3/trials.csv") <(strip_cols "$WORK/$case-v4/trials.csv") | head -n 10)"
        for f in weights.npy bias.npy; do
            cmp "$WORK/$case-v3/$f" "$WORK/$case-v4/$f" || fail "$case: $f differs between v3 and v4"
        done
        py - "$WORK/$case-v3/summary.json" "$WORK/$case-v4/summary.json" <<'PY' || fail "$case: summary.json metrics differ between v3 and v4"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for key in ("best", "test", "confusion_matrix"):
    if a[key] != b[key]:
        sys.exit(f"  {key}: v3 {a[key]} != v4 {b[key]}")
PY
        ok "$case: v3 == v4"
    else
        soft_fail "$case: v3 and v4 cannot be compared: this CPU lacks ${lacking[*]}"
    fi
    check "$case: the baseline (no FMA) agrees with the widest level within float rounding"
    py - "$WORK/$case-baseline/trials.csv" "$WORK/$case-${levels[0]}/trials.csv" <<'PY'
import csv, math, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
worst, differing = 0.0, 0
for x, y in zip(a, b):
    for key in ("val_cost", "val_cross_entropy"):
        u, v = float(x[key]), float(y[key])
        if math.isfinite(u) and math.isfinite(v):
            worst = max(worst, abs(u - v) / (1 + abs(v)))
            differing += u != v
        elif math.isfinite(u) != math.isfinite(v):
            sys.exit(f"FAIL: trial {x['trial']} {key}: baseline {u}, widest level {v}")
if len(a) != len(b) or worst > 1e-4:
    sys.exit(f"FAIL: baseline against the widest level: {len(a)} vs {len(b)} rows, largest relative difference {worst:g}")
print(f"  ok: {differing} of {2 * len(a)} validation figures differ in their last bits, by at most {worst:.2g} (relative)")
PY
done

for level in "${levels[@]}"; do
    for script in test_rank_invariance.sh test_reference.sh; do
        check "$script under HYPERGRID_ISA=$level"
        HYPERGRID_ISA=$level bash "$SCRIPTS/$script" >"$WORK/$script-$level.log" 2>&1 ||
            fail "$script under HYPERGRID_ISA=$level failed:
$(tail -n 30 "$WORK/$script-$level.log")"
        ok "$(tail -n 1 "$WORK/$script-$level.log")"
    done
done

echo "test_isa_levels: all checks passed"
