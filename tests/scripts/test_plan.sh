#!/usr/bin/env bash
# `hypergrid plan CONFIG --ranks N` prints the units of work and the balance per rank without
# training anything: for configs/fashion_mnist.toml (a 3x3x3x3 grid) it must report 81 trials and
# list the legs of every unit (each epoch once, each leg on its own rank below N); --ranks 0 is bad
# input (exit 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG="$HYPERGRID_SOURCE_DIR/configs/fashion_mnist.toml"
[[ -f "$CONFIG" ]] || fail "$CONFIG is missing"

# check_plan OUTPUT_FILE RANKS: the report's trial count, units and ranks against the config's grid.
check_plan() {
    py - "$1" "$2" "$CONFIG" <<'PY'
import math, re, sys
try:
    import tomllib
except ImportError:
    tomllib = None

out, ranks, config = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(out).read()
lines = text.splitlines()

def die(msg):
    sys.exit(f"FAIL: plan --ranks {ranks}: {msg}\n--- output ---\n{text}--------------")

# The grid from the config (the few keys needed; tomllib only exists from Python 3.11).
if tomllib:
    cfg = tomllib.load(open(config, "rb"))
    grid, models_per_unit = cfg["grid"], cfg.get("run", {}).get("models_per_unit", 9)
else:
    grid, models_per_unit = {}, 9
    for line in open(config):
        m = re.match(r"\s*(epochs|alpha|learning_rate|batch_size|models_per_unit)\s*=\s*(.*?)\s*(#.*)?$", line)
        if m and m.group(1) == "models_per_unit":
            models_per_unit = int(m.group(2))
        elif m:
            grid[m.group(1)] = [float(v) for v in m.group(2).strip("[]").split(",")]
trials = math.prod(len(grid[k]) for k in ("epochs", "alpha", "learning_rate", "batch_size"))
# Each batch size's (alpha, lr) pairs in chunks of at most models_per_unit; with more than one rank,
# perhaps split further, up to three units per rank (or one model per unit): the planner keeps the
# cut expected to end soonest (which cut that is, the unit tests check).
pairs, batches = len(grid["alpha"]) * len(grid["learning_rate"]), len(grid["batch_size"])
fewest = batches * math.ceil(pairs / models_per_unit)
most = max(fewest, min(3 * ranks if ranks > 1 else 1, batches * pairs))
if trials != 81:
    die(f"test bug: {config} has {trials} trials, this test expects the 3x3x3x3 grid")

m = re.search(r"\b(\d+) trials in (\d+) units, (\d+) legs", text)
if not m:
    die("no '<N> trials in <M> units, <L> legs' line")
if int(m.group(1)) != trials:
    die(f"reports {m.group(1)} trials, the grid has {trials}")
units_reported, legs_reported = int(m.group(2)), int(m.group(3))
if not fewest <= units_reported <= most:
    die(f"reports {units_reported} units, expected {fewest} to {most} "
        f"({len(grid['batch_size'])} batch sizes x ceil({len(grid['alpha'])} alphas x "
        f"{len(grid['learning_rate'])} learning rates / {models_per_unit} models per unit), "
        f"up to three per rank)")
# Relay legs: a unit is cut at most once, so at most ranks - 1 extra legs.
if not units_reported <= legs_reported <= units_reported + ranks - 1:
    die(f"reports {legs_reported} legs for {units_reported} units on {ranks} ranks")

# The leg table: a header line starting "leg", then one row per leg.
try:
    start = next(i for i, l in enumerate(lines) if l.split()[:1] == ["leg"])
except StopIteration:
    die("no leg table (a header line starting 'leg')")
header = lines[start].split()
for col in ("leg", "unit", "epochs", "trials", "rank"):
    if col not in header:
        die(f"leg table header {header} has no '{col}' column")
rows = []
for l in lines[start + 1:]:
    fields = l.split()
    if not fields or not fields[0].isdigit():
        break
    if len(fields) != len(header):
        die(f"leg row {l!r} has {len(fields)} fields, header has {len(header)}")
    rows.append(dict(zip(header, fields)))
if [int(r["leg"]) for r in rows] != list(range(legs_reported)):
    die(f"leg rows are not legs 0..{legs_reported - 1} in order")
ids = sorted({int(r["unit"]) for r in rows})
if ids != list(range(units_reported)):
    die(f"leg rows list units {ids}; expected each of 0..{units_reported - 1}")
# Each unit's legs run its epochs once, from 1 up, each leg on its own rank.
max_epochs = int(max(grid["epochs"]))
for unit in ids:
    legs = sorted((tuple(map(int, r["epochs"].split("-"))), int(r["rank"])) for r in rows if int(r["unit"]) == unit)
    spans = [span for span, _ in legs]
    if spans[0][0] != 1 or spans[-1][1] != max_epochs or any(a[1] + 1 != b[0] for a, b in zip(spans, spans[1:])):
        die(f"unit {unit}'s legs cover epochs {spans}, not 1-{max_epochs} once")
    if len({rank for _, rank in legs}) != len(legs):
        die(f"unit {unit}'s legs run on ranks {[rank for _, rank in legs]}: two on one rank")
listed = sum(int(r["trials"]) for r in rows)
if listed != trials:
    die(f"the legs' trials add up to {listed}, not {trials}")
used = {int(r["rank"]) for r in rows}
if not used <= set(range(ranks)):
    die(f"legs are assigned to ranks {sorted(used)}, outside 0..{ranks - 1}")
if len(used) != min(ranks, legs_reported):
    die(f"{legs_reported} legs on {ranks} ranks use only ranks {sorted(used)}")
cuts = [l for l in lines if re.match(r"unit \d+ is cut after epoch \d+: rank \d+ hands its models to rank \d+$", l)]
if len(cuts) != legs_reported - units_reported:
    die(f"{legs_reported - units_reported} units are cut but {len(cuts)} 'unit U is cut' lines say how")
load = [l for l in lines if l.startswith("expected load per rank")]
if len(load) != 1 or len(re.findall(r"\d+(?:\.\d+)?", load[0].split(":", 1)[-1])) != ranks:
    die(f"expected one 'expected load per rank' line with {ranks} values")
final = [l for l in lines if l.startswith("then the final model")]
if len(final) != 1:
    die("expected one 'then the final model' line (a run trains it ahead on the first idle rank)")
print(f"  ok: {trials} trials, {units_reported} units in {legs_reported} legs covering each unit's epochs once, "
      f"trials per leg sum to {listed}, ranks used {sorted(used)}")
PY
}

for ranks in 2 3; do
    check "hypergrid plan configs/fashion_mnist.toml --ranks $ranks"
    code=0
    run_hypergrid 1 plan "$CONFIG" --ranks "$ranks" >"$WORK/plan$ranks.out" 2>"$WORK/plan$ranks.err" || code=$?
    [[ $code -eq 0 ]] || fail "exit code $code, expected 0; stderr: $(cat "$WORK/plan$ranks.err")"
    [[ ! -s "$WORK/plan$ranks.err" ]] || fail "plan wrote to stderr: $(cat "$WORK/plan$ranks.err")"
    ok "exit 0"
    check_plan "$WORK/plan$ranks.out" "$ranks"
done

check "plan under mpirun -np 2 prints the same report, once"
run_hypergrid 2 plan "$CONFIG" --ranks 2 >"$WORK/plan2np2.out" 2>"$WORK/plan2np2.err" ||
    fail "mpirun -np 2 hypergrid plan exited non-zero: $(cat "$WORK/plan2np2.err")"
cmp -s "$WORK/plan2.out" "$WORK/plan2np2.out" ||
    fail "plan output at -np 2 differs from -np 1:
$(diff "$WORK/plan2.out" "$WORK/plan2np2.out" | head -n 20)"
ok "identical"

check "plan trains nothing and writes no outputs"
cp "$CONFIG" "$WORK/fashion_mnist.toml"  # its output is relative: $WORK/runs/fashion_mnist
run_hypergrid 1 plan "$WORK/fashion_mnist.toml" --ranks 2 >/dev/null ||
    fail "plan of a copy of $CONFIG failed"
[[ ! -e "$WORK/runs" ]] || fail "plan created $WORK/runs: $(find "$WORK/runs" | head)"
ok "no output directory"

check "--ranks 0 and other bad rank counts are bad input (exit 2)"
expect_fail 2 "ranks" run_hypergrid 1 plan "$CONFIG" --ranks 0
# The line must also read sensibly: a person should see what a valid --ranks is, not a range
# check printed with 300-digit bounds.
line=$(head -n 1 "$WORK/last.stderr")
if [[ ${#line} -gt 200 ]]; then
    soft_fail "--ranks 0: the error line is ${#line} characters long, expected a short message: $line"
else
    ok "--ranks 0 message is ${#line} characters"
fi
expect_fail 2 "ranks" run_hypergrid 1 plan "$CONFIG" --ranks -3
expect_fail 2 "ranks" run_hypergrid 1 plan "$CONFIG" --ranks two

if [[ ${#FAILURES[@]} -eq 0 ]]; then echo "test_plan: all checks passed"; fi
