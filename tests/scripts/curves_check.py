"""Checks a run's curves.csv against its trials.csv and folds.csv (used by test_curves.sh).

Usage: curves_check.py RUN_DIR

Fails (exit 1, one line per problem) unless curves.csv:
  - has the header alpha,learning_rate,batch_size,fold,epoch,val_cost,val_cross_entropy,val_accuracy
    and its rows sorted by (alpha, learning_rate, batch_size, fold, epoch), each (model, epoch) once;
  - holds, for every model (alpha, learning_rate, batch_size, fold) of the run, the epochs 1 to the
    largest epoch count of its trials, no more and no fewer (fold -1 without k-fold; with k-fold one
    model per fold);
  - at each trial's epochs has exactly the trial's val_cost, val_cross_entropy and val_accuracy text
    (trials.csv's, or with k-fold each fold's in folds.csv).
"""
import csv
import os
import sys

run_dir = sys.argv[1]
problems = []
header = "alpha,learning_rate,batch_size,fold,epoch,val_cost,val_cross_entropy,val_accuracy"
text = open(f"{run_dir}/curves.csv").read()
if text.split("\n", 1)[0] != header:
    problems.append(f"curves.csv's header is {text.split(chr(10), 1)[0]!r}, expected {header!r}")
points = list(csv.DictReader(text.splitlines()))
trials = list(csv.DictReader(open(f"{run_dir}/trials.csv")))
folds_file = f"{run_dir}/folds.csv"
fold_rows = list(csv.DictReader(open(folds_file))) if os.path.exists(folds_file) else None

order = lambda p: (float(p["alpha"]), float(p["learning_rate"]), int(p["batch_size"]), int(p["fold"]), int(p["epoch"]))
keys = [order(p) for p in points]
if keys != sorted(keys):
    problems.append("curves.csv's rows are not sorted by (alpha, learning_rate, batch_size, fold, epoch)")
if len(set(keys)) != len(keys):
    problems.append(f"curves.csv repeats {len(keys) - len(set(keys))} (model, epoch) rows")
by_key = {(p["alpha"], p["learning_rate"], p["batch_size"], p["fold"], p["epoch"]): p for p in points}

# The run's models and the figures their trials had: (alpha, rate, batch, fold) -> {epochs: row}.
by_trial = {t["trial"]: t for t in trials}
results = [(by_trial[f["trial"]], f["fold"], f) for f in fold_rows] if fold_rows is not None else [(t, "-1", t) for t in trials]
models = {}
for trial, fold, figures in results:
    models.setdefault((trial["alpha"], trial["learning_rate"], trial["batch_size"], fold), {})[int(trial["epochs"])] = figures

epochs_of = {}
for p in points:
    epochs_of.setdefault((p["alpha"], p["learning_rate"], p["batch_size"], p["fold"]), []).append(int(p["epoch"]))
if set(epochs_of) != set(models):
    problems.append(f"curves.csv's models {sorted(set(epochs_of) ^ set(models))[:4]} are not (all) the trials' models")
for model, checkpoints in models.items():
    want = list(range(1, max(checkpoints) + 1))
    if sorted(epochs_of.get(model, [])) != want:
        problems.append(f"model {model}: epochs {sorted(epochs_of.get(model, []))[:12]}, expected 1..{max(checkpoints)}")
    for epochs, figures in checkpoints.items():
        point = by_key.get((*model, str(epochs)))
        for column in ("val_cost", "val_cross_entropy", "val_accuracy"):
            if point is not None and point[column] != figures[column]:
                problems.append(f"model {model} at {epochs} epochs: {column} {point[column]} in curves.csv, "
                                f"{figures[column]} in {'folds' if fold_rows is not None else 'trials'}.csv")

for p in problems:
    print(f"{run_dir}: {p}")
sys.exit(1 if problems else 0)
