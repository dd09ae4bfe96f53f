#!/usr/bin/env bash
# The cost of [run] curves = true, as a ratio measured in one invocation: bench/perf_grid.toml (81
# trials over full Fashion-MNIST; CONFIG=FILE for another, whose [run] table comes last) run with
# curves off and on, RUNS rounds interleaved (the order
# alternates from round to round, so a drift of the host's speed weighs on both alike), on the
# same ranks. Prints each run's wall time (around mpirun) and sweep time (summary.json), the load
# average as it ran, the medians and the ratios on/off; checks that trials.csv is the same with
# curves on (seconds and rank aside) and counts curves.csv's rows. The report is saved to
# bench/results/<date>-curves.txt.
# Usage: RUNS=3 bench/curves.sh [RANKS]   (defaults: RUNS=3, 2 ranks; BUILD=build, built first if
# missing). About 2 x RUNS runs of the grid (some 10-20 s each on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
RANKS=${1:-2}
BUILD=${BUILD:-build}
CONFIG=${CONFIG:-bench/perf_grid.toml}
PYTHON=${PYTHON:-/usr/bin/python3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "curves.sh: RUNS must be a positive integer, not '$RUNS'" >&2; exit 1; }
if [[ -d $BUILD ]]; then cmake --build "$BUILD" --target hypergrid -j "$(nproc)" >/dev/null; else scripts/setup.sh "$BUILD" >/dev/null; fi
work=$(mktemp -d -t hypergrid-curves.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs"
mkdir -p bench/results
report=bench/results/$(date +%Y-%m-%d)-curves.txt
[[ -e $report ]] && report=bench/results/$(date +%Y-%m-%d-%H%M%S)-curves.txt
exec > >(tee "$report") 2>&1

cp "$CONFIG" "$work/off.toml"
{ cat "$CONFIG"; echo "curves = true"; } >"$work/on.toml"  # into [run], the last table
load() { cut -d' ' -f1-3 /proc/loadavg; }
# The 1-minute load above 2.5 on this 2-core machine: someone else's work shared the cores.
shared() { awk '$1 > 2.5 { print " -- above 2.5: the machine was shared; the interleaved ratio is fairer than the times" }' /proc/loadavg; }
dirty=$(git diff --quiet HEAD -- 2>/dev/null || echo " + uncommitted changes")
echo "bench/curves.sh at $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty, $(date '+%Y-%m-%d %H:%M %Z')"
echo "machine   $(hostname), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "settings  RUNS=$RUNS, $RANKS ranks, $CONFIG"
echo "load avg  $(load) (1/5/15 min) at the start$(shared)"
echo "plan      $("$BUILD"/hypergrid plan "$work/off.toml" --ranks "$RANKS" | grep -m1 -E 'units')"

# timed CURVES ROUND: one run into $work/runs/CURVES-ROUND; prints and records its times.
timed() {
    local out=$work/runs/$1-$2 start end
    start=$(date +%s.%N)
    scripts/mpirun.sh -np "$RANKS" "$BUILD"/hypergrid run "$work/$1.toml" --output "$out" --progress none >"$out.log" 2>&1 ||
        { tail -n 20 "$out.log"; echo "curves.sh: run $1-$2 failed" >&2; exit 1; }
    end=$(date +%s.%N)
    "$PYTHON" - "$out" "$1" "$2" "$start" "$end" "$(load)" <<'PY' | tee -a "$work/times.tsv"
import json, sys
out, curves, round_, start, end, load = sys.argv[1:]
sweep = json.load(open(f"{out}/summary.json"))["seconds"]["sweep"]
print(f"{curves}\t{round_}\t{float(end) - float(start):.2f}\t{sweep:.3f}\t{load}")
PY
}

echo
echo "run	round	wall s	sweep s	load avg after (1/5/15 min)"
for ((round = 1; round <= RUNS; round++)); do
    if ((round % 2)); then timed off "$round"; timed on "$round"; else timed on "$round"; timed off "$round"; fi
done

"$PYTHON" - "$work" "$RUNS" <<'PY'
import csv, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
rows = [line.split("\t") for line in open(f"{work}/times.tsv").read().splitlines()]
median = {(curves, column): statistics.median(float(r[column]) for r in rows if r[0] == curves)
          for curves in ("off", "on") for column in (2, 3)}
print()
for column, name in ((3, "sweep"), (2, "wall")):
    off, on = median[("off", column)], median[("on", column)]
    print(f"median {name:<5} off {off:7.2f} s, on {on:7.2f} s: on/off {on / off:.3f} ({100 * (on / off - 1):+.1f}%)")
strip = lambda path: [{k: v for k, v in r.items() if k not in ("seconds", "rank")} for r in csv.DictReader(open(path))]
same = all(strip(f"{work}/runs/on-{i}/trials.csv") == strip(f"{work}/runs/off-1/trials.csv") for i in range(1, runs + 1))
points = sum(1 for _ in open(f"{work}/runs/on-1/curves.csv")) - 1
print(f"trials.csv with curves on, seconds and rank aside: {'the same' if same else 'DIFFERENT'}; curves.csv: {points} rows")
PY
echo "load avg  $(load) (1/5/15 min) at the end$(shared)"
echo "report    $report"
