#!/usr/bin/env bash
# Successive halving against the full grid it prunes, in one invocation: configs/halving.toml
# (243 configurations, epochs [5, 15, 45] x 9 alphas x 9 learning rates x batch {64, 128, 256}, full
# Fashion-MNIST) run as a full grid and with halving, on the same ranks. Prints for each: model-epochs
# (from `hypergrid plan`), wall time of the sweep and of the whole run, the winner and its validation
# cost; for halving also the winner's rank among the full grid's 729 trials and its cost's distance
# from the full grid's best (targets of issue #20: at most 1/3 of the wall time, within 1%).
# Usage: bench/halving.sh [RANKS]   (default: 2; builds with scripts/setup.sh first). Takes the
# full grid's time (about 11,000 model-epochs, a few minutes on two cores) plus halving's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >/dev/null
RANKS=${1:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed 's/^mode = "halving"/mode = "grid"/; /^factor = /d' configs/halving.toml >"$work/full.toml"
cp configs/halving.toml "$work/halving.toml"

for search in full halving; do
    echo "== $search: $(build/hypergrid plan "$work/$search.toml" --ranks "$RANKS" | grep -E 'model-epochs' | head -2 | tr '\n' ' ')"
    start=$(date +%s.%N)
    scripts/mpirun.sh -np "$RANKS" build/hypergrid run "$work/$search.toml" --output "$work/$search" >"$work/$search.log"
    end=$(date +%s.%N)
    echo "$search wall $("$PYTHON" -c "print(round($end - $start, 2))") s; $(tail -1 "$work/$search.log")"
done

"$PYTHON" - "$work/full" "$work/halving" <<'PY'
import csv, json, sys
full_dir, halving_dir = sys.argv[1:]
full = list(csv.DictReader(open(f"{full_dir}/trials.csv")))
halving = list(csv.DictReader(open(f"{halving_dir}/trials.csv")))
by_trial = {r["trial"]: r for r in full}
differ = [r["trial"] for r in halving if any(r[k] != by_trial[r["trial"]][k] for k in ("val_cost", "val_cross_entropy", "val_accuracy"))]
summary = {name: json.load(open(f"{d}/summary.json")) for name, d in (("full", full_dir), ("halving", halving_dir))}
ranked = sorted(full, key=lambda r: (float(r["val_cost"]) if r["status"] == "ok" else float("inf"), int(r["trial"])))
winner = summary["halving"]["best"]
rank = [r["trial"] for r in ranked].index(str(winner["trial"])) + 1
best = float(ranked[0]["val_cost"])
sweep = {name: s["seconds"]["sweep"] for name, s in summary.items()}
total = {name: s["seconds"]["total"] for name, s in summary.items()}
print(f"halving rows: {len(halving)} of {len(full)} trials; rows differing from the full grid's: {len(differ)}")
print(f"sweep wall: full {sweep['full']:.1f} s, halving {sweep['halving']:.1f} s ({100 * sweep['halving'] / sweep['full']:.1f}%); "
      f"whole run: full {total['full']:.1f} s, halving {total['halving']:.1f} s ({100 * total['halving'] / total['full']:.1f}%)")
print(f"winner: halving trial {winner['trial']} val_cost {winner['val_cost']:.6f}, rank {rank} of {len(full)}; "
      f"full grid's best trial {ranked[0]['trial']} val_cost {best:.6f} ({100 * (winner['val_cost'] - best) / best:+.3f}%)")
print(f"test accuracy: full {summary['full']['test']['accuracy']:.4f}, halving {summary['halving']['test']['accuracy']:.4f}")
PY
