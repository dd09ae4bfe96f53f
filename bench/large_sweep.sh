#!/usr/bin/env bash
# Large-sweep benchmark (scheduling, journaling, memory), printing its figures:
#  1. 10^5 trials on a tiny dataset (64 examples, 4 features, 3 classes, 1 epoch) at 2 ranks:
#     wall time per trial (an upper bound on the scheduling and journaling overhead: the training
#     is included) and the peak memory of each rank.
#  2. Planning 10^6 trials, a grid and a random search: the peak memory of `hypergrid plan`.
#  3. The 81-trial Fashion-MNIST grid (bench/perf_grid.toml) at 2 ranks with rank 1's core shared
#     with a busy process: static vs dynamic schedule, wall times side by side.
# Usage: bench/large_sweep.sh   (builds with scripts/setup.sh first; SKIP_SLOW=1 skips part 3;
#        MILLION=1 adds a 10^6-trial sweep of the tiny problem, about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
PYTHON=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
hog_pid=
cleanup() {
    if [[ -n $hog_pid ]]; then kill "$hog_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

json() { "$PYTHON" -c "import json,sys; v=json.load(open(sys.argv[1])); print(eval('v' + sys.argv[2]))" "$1" "$2"; }
elapsed_since() { "$PYTHON" -c "import sys, time; print(round(time.time() - float(sys.argv[1]), 2))" "$1"; }

echo "== 1. 10^5 trials on a tiny dataset, 2 ranks"
"$PYTHON" - "$work" <<'PY'
import numpy as np, sys
rng = np.random.default_rng(1)
X = rng.normal(size=(64, 4)).astype(np.float32)
y = rng.integers(0, 3, 64)
for name, array in (("images", X), ("labels", y), ("test_images", X[:32]), ("test_labels", y[:32])):
    np.save(f"{sys.argv[1]}/{name}.npy", array)
PY
cat >"$work/tiny.toml" <<'TOML'
[data]
train_images = "images.npy"
train_labels = "labels.npy"
test_images = "test_images.npy"
test_labels = "test_labels.npy"
[grid]
epochs = [1]
alpha = { start = 1e-6, stop = 1e-1, num = 100, scale = "log" }
learning_rate = { start = 1e-3, stop = 1.0, num = 100, scale = "log" }
batch_size = [1, 2, 3, 4, 5, 6, 8, 16, 32, 64]
TOML
start=$(date +%s.%N)
scripts/mpirun.sh -np 2 build/hypergrid run "$work/tiny.toml" --output "$work/tiny" >"$work/tiny.log"
wall=$(elapsed_since "$start")
summary="$work/tiny/summary.json"
trials=$(json "$summary" "['trials']")
sweep=$(json "$summary" "['seconds']['sweep']")
echo "  trials $trials, journaled $(($(wc -l <"$work/tiny/journal.jsonl") - 1)), sweep phase ${sweep} s, whole run ${wall} s"
echo "  per trial: $("$PYTHON" -c "print(round($sweep / $trials * 1e6, 1))") us in the sweep phase," \
     "$("$PYTHON" -c "print(round($wall / $trials * 1e6, 1))") us for the whole run (target < 100 us)"
echo "  peak resident memory per rank, MB: $(json "$summary" "['peak_memory_mb']") (target for rank 0 < 100)"

if [[ ${MILLION:-0} == 1 ]]; then
    echo "== 1b. 10^6 trials (epochs 1..10 on the same space), 2 ranks"
    sed 's/^epochs = .*/epochs = { start = 1, stop = 10, num = 10 }/' "$work/tiny.toml" >"$work/million.toml"
    start=$(date +%s.%N)
    scripts/mpirun.sh -np 2 build/hypergrid run "$work/million.toml" --output "$work/million" >"$work/million.log"
    wall=$(elapsed_since "$start")
    summary="$work/million/summary.json"
    echo "  trials $(json "$summary" "['trials']"), sweep phase $(json "$summary" "['seconds']['sweep']") s, whole run ${wall} s," \
         "per trial ${wall} us"  # seconds for 10^6 trials = microseconds per trial
    echo "  peak resident memory per rank, MB: $(json "$summary" "['peak_memory_mb']")"
    rm -rf "$work/million"
fi

echo "== 2. Planning 10^6 trials (hypergrid plan --ranks 64 on the tiny data): peak resident memory"
# The plan keeps one id per model track and two numbers per unit; it never holds an object per trial.
for space in grid random; do
    if [[ $space == grid ]]; then
        sed 's/^epochs = .*/epochs = { start = 1, stop = 10, num = 10 }/' "$work/tiny.toml" >"$work/plan-$space.toml"
    else
        sed 's/, num = 100//; s/^batch_size = .*/batch_size = { start = 1, stop = 64 }/; s/^epochs = .*/epochs = { start = 1, stop = 10 }/' \
            "$work/tiny.toml" >"$work/plan-$space.toml"
        printf '[search]\nmode = "random"\nsamples = 1000000\nseed = 3\n' >>"$work/plan-$space.toml"
    fi
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/plan-$space.rss" build/hypergrid plan "$work/plan-$space.toml" --ranks 64 >"$work/plan-$space.txt"
    echo "  $space: $(head -c 60 "$work/plan-$space.txt" | head -n 1 | cut -d';' -f1), planned in $(elapsed_since "$start") s," \
         "peak resident memory $(($(cat "$work/plan-$space.rss") / 1024)) MB"
done

[[ ${SKIP_SLOW:-0} == 1 ]] && exit 0
echo "== 3. bench/perf_grid.toml at 2 ranks, rank 1's core shared with a busy loop"
taskset -c 1 sh -c 'while :; do :; done' &
hog_pid=$!
for schedule in static dynamic; do
    sed "s/^\[run\]$/[run]\nschedule = \"$schedule\"/" bench/perf_grid.toml >"$work/$schedule.toml"
    grep -q "^schedule" "$work/$schedule.toml" || printf '[run]\nschedule = "%s"\n' "$schedule" >>"$work/$schedule.toml"
    sed -i "s|^output = .*|output = \"$work/$schedule-out\"|" "$work/$schedule.toml"
    sed -i "s|\"\.\./|\"$PWD/|; s|\"\./|\"$PWD/bench/|" "$work/$schedule.toml"
    start=$(date +%s.%N)
    scripts/mpirun.sh -np 2 --bind-to core build/hypergrid run "$work/$schedule.toml" >"$work/$schedule.log"
    echo "  $schedule: wall $(elapsed_since "$start") s, sweep phase $(json "$work/$schedule-out/summary.json" "['seconds']['sweep']") s"
done
if diff <(cut -d, -f1-9 "$work/static-out/trials.csv") <(cut -d, -f1-9 "$work/dynamic-out/trials.csv") >/dev/null; then
    echo "  trials.csv identical for both schedules (seconds and rank aside)"
else
    echo "  trials.csv DIFFERS between the schedules"
    exit 1
fi
