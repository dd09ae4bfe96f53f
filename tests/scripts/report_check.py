"""Checks a report.html against the run's records (used by test_report.sh and test_report_browser.sh).

Usage: report_check.py REPORT RUN_DIR [--legs] [--stopped]

Fails (exit 1, one line per problem) unless:
  - every <svg> element parses as XML, and the page has no script and fetches nothing;
  - the top-10 table lists the trials of trials.csv with the lowest finite val_cost (ties to the
    lowest id) with their val_cost to 6 decimals;
  - the best trial is summary.json's (or, without one, trials.csv's best so far); the trial count,
    the test accuracy and the confusion matrix are those of summary.json;
  - with --legs: the timeline's balance figure is the one computed here from legs.csv, else the
    page says no timeline was recorded;
  - with --stopped: the page says what is done so far;
  - when trials.csv has a rung column (successive halving): the summary names the mode and the Rungs
    table lists per rung its epochs, the configurations trained, how many the next rung continued
    and the best val_cost, as computed here from trials.csv;
  - when trials.csv has val_cost_std (k-fold): the top-10 table shows each trial's std, and the
    Spread over folds table shows the best 5 trials' per-fold val_cost of folds.csv, mean and std;
  - the learning curves say where they come from: with curves.csv, every epoch, each of the 8 best
    tracks (by their best trial; ties in track order) drawn with as many points as it has epochs
    that every fold reached with a finite cost; without it, the checkpoints;
  - when summary.json has "data": the data card shows its examples and shape.
"""
import csv
import json
import os
import math
import re
import sys
import xml.etree.ElementTree as ET

report, run_dir = sys.argv[1], sys.argv[2]
flags = set(sys.argv[3:])
page = open(report, encoding="utf-8").read()
summary = json.load(open(f"{run_dir}/summary.json"))
trials = list(csv.DictReader(open(f"{run_dir}/trials.csv")))
problems = []

svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
if not svgs:
    problems.append("no <svg> element")
for i, element in enumerate(svgs):
    try:
        ET.fromstring(element)
    except ET.ParseError as e:
        problems.append(f"svg #{i} is not well-formed XML: {e}")
if re.search(r"<script", page, re.I):
    problems.append("the page has a script")
for url in re.findall(r"https?://[^\"' )]+", page):
    if url != "http://www.w3.org/2000/svg":
        problems.append(f"the page refers to {url}")
if re.search(r"\b(src|href)\s*=", page, re.I):
    problems.append("the page loads something (src= or href=)")

# The best 10 trials, by the rule of pick_best.
ok = [t for t in trials if t["status"] == "ok" and math.isfinite(float(t["val_cost"]))]
ok.sort(key=lambda t: (float(t["val_cost"]), int(t["trial"])))
section = page.split("The best 10 trials", 1)[-1]
rows = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td>(?:<td[^>]*>[^<]*</td>){4}<td>([^<]*)</td>", section)
want = [(str(k + 1), t["trial"], f"{float(t['val_cost']):.6f}") for k, t in enumerate(ok[:10])]
if rows != want:
    problems.append(f"top-10 table {rows} != trials.csv's {want}")

best = summary.get("best")
card = page.split("<h3>Best trial", 1)[-1].split("</dl>", 1)[0]
if best and f"<dt>trial</dt><dd>{best['trial']}</dd>" not in card:
    problems.append(f"the best-trial card does not name summary.json's best, trial {best['trial']}")
if not best and ok and f"<dt>trial</dt><dd>{ok[0]['trial']}</dd>" not in card:
    problems.append(f"the best-so-far card does not name trials.csv's best, trial {ok[0]['trial']}")
if f" {len(trials)} trials &middot;" not in page:
    problems.append(f"the header does not say {len(trials)} trials")
if summary.get("test"):
    accuracy = f"{100 * summary['test']['accuracy']:.2f}% accuracy"
    if accuracy not in page:
        problems.append(f"the test accuracy '{accuracy}' is missing")
    table = page.split('class="confusion"', 1)[-1].split("</table>", 1)[0]
    cells = [[int(v) for v in re.findall(r">(\d+)</td>", r)] for r in re.findall(r"<tr><th>\d+</th>(.*?)</tr>", table)]
    if cells != summary["confusion_matrix"]:
        problems.append(f"confusion matrix {cells} != summary.json's {summary['confusion_matrix']}")
    for i, row in enumerate(summary["confusion_matrix"]):
        recall = f"{100 * (row[i] / sum(row)):.1f}%</td></tr>"  # the order C++ computes in
        if sum(row) and recall not in table:
            problems.append(f"class {i}'s accuracy {recall} is missing")

# A run writes legs.csv itself; one whose sweep completed no leg (a stopped or merged run) lists none.
legs_file = f"{run_dir}/legs.csv"
if "--legs" not in flags and os.path.exists(legs_file) and len(open(legs_file).read().splitlines()) > 1:
    flags.add("--legs")
if "--legs" in flags:
    legs = list(csv.DictReader(open(legs_file)))
    ranks = max(int(l["rank"]) for l in legs) + 1
    busy = [0.0] * ranks
    for l in legs:
        busy[int(l["rank"])] += float(l["end_seconds"]) - float(l["start_seconds"])
    span = max(float(l["end_seconds"]) for l in legs)
    figure = f"busy {100 * (sum(busy) / ranks / span):.1f}% of the sweep"
    if figure not in page:
        problems.append(f"the busy share '{figure}' is missing")
    figure = f"predicts): <b>{100 * (sum(busy) / ranks / max(busy)):.1f}%</b>"
    if figure not in page:
        problems.append(f"the balance figure '{figure}' is missing")
    for r in range(ranks):
        if f">rank {r}</text>" not in page:
            problems.append(f"no timeline row for rank {r}")
elif "No timeline recorded" not in page:
    problems.append("without legs.csv the page should say no timeline was recorded")
if "--stopped" in flags and "What is done so far" not in page:
    problems.append("a stopped sweep's page does not say what is done")

# Successive halving: the rungs, from trials.csv alone.
if trials and "rung" in trials[0]:
    if "<dt>mode</dt><dd>successive halving" not in page:
        problems.append("the search card does not say successive halving")
    config = lambda t: (t["alpha"], t["learning_rate"], t["batch_size"])
    by_rung = {}
    for t in trials:
        by_rung.setdefault(int(t["rung"]), []).append(t)
    want = []
    for r in sorted(by_rung):
        rows_r = by_rung[r]
        following = {config(t) for t in by_rung.get(r + 1, [])}
        finite = sorted((float(t["val_cost"]), int(t["trial"])) for t in rows_r
                        if t["status"] == "ok" and math.isfinite(float(t["val_cost"])))
        want.append((str(r), rows_r[0]["epochs"], str(len(rows_r)), str(sum(config(t) in following for t in rows_r)),
                     f"{finite[0][0]:.6f}" if finite else "-", str(finite[0][1]) if finite else "-"))
    table = page.split('<table class="rungs">', 1)[-1].split("</table>", 1)[0]
    got = re.findall(r"<tr>" + "<td>([^<]*)</td>" * 6 + "</tr>", table)
    if got != want:
        problems.append(f"rungs table {got} != trials.csv's {want}")

# k-fold: the spread over folds, from trials.csv and folds.csv.
if trials and "val_cost_std" in trials[0]:
    section = page.split("The best 10 trials", 1)[-1].split("</table>", 1)[0]
    got = re.findall(r"<tr><td>\d+</td><td>(\d+)</td>(?:<td[^>]*>[^<]*</td>){5}<td>([^<]*)</td>", section)
    want = [(t["trial"], f"{float(t['val_cost_std']):.6f}") for t in ok[:10]]
    if got != want:
        problems.append(f"top-10 std column {got} != trials.csv's {want}")
    folds = {}
    for f in csv.DictReader(open(f"{run_dir}/folds.csv")):
        folds.setdefault(f["trial"], {})[int(f["fold"])] = f"{float(f['val_cost']):.6f}"
    k = 1 + max(fold for per in folds.values() for fold in per)
    table = page.split('<table class="folds">', 1)[-1].split("</table>", 1)[0]
    got = [tuple(re.findall(r"<td>([^<]*)</td>", r)) for r in re.findall(r"<tr>(<td>.*?)</tr>", table)]
    want = [(t["trial"], *[folds[t["trial"]].get(f, "-") for f in range(k)], f"{float(t['val_cost']):.6f}",
             f"{float(t['val_cost_std']):.6f}") for t in ok[:5]]
    if "Spread over folds" not in page or got != want:
        problems.append(f"spread-over-folds table {got} != folds.csv's {want}")
    for t in ok[:5]:  # the figures agree with each other: the mean of the folds is the trial's cost
        costs = [float(v) for v in folds[t["trial"]].values()]
        if not math.isclose(sum(costs) / len(costs), float(t["val_cost"]), rel_tol=1e-5, abs_tol=1e-6):
            problems.append(f"trial {t['trial']}: folds.csv's mean {sum(costs) / len(costs)} != val_cost {t['val_cost']}")

# Learning curves: every epoch from curves.csv when the run recorded one, else the checkpoints.
section = page.split("<h2>Learning curves</h2>", 1)[-1].split("</section>", 1)[0]
if os.path.exists(f"{run_dir}/curves.csv"):
    if "after every epoch (curves.csv" not in section:
        problems.append("the learning curves do not say they are curves.csv's, every epoch")
    points = list(csv.DictReader(open(f"{run_dir}/curves.csv")))
    fold_count = len({p["fold"] for p in points})
    costs = {}  # track -> epoch -> fold costs
    for p in points:
        track = (float(p["alpha"]), float(p["learning_rate"]), int(p["batch_size"]))
        costs.setdefault(track, {}).setdefault(int(p["epoch"]), []).append(float(p["val_cost"]))
    drawn = lambda track: sum(len(c) == fold_count and math.isfinite(sum(c)) for c in costs.get(track, {}).values())
    best = {}
    for t in ok:
        track = (float(t["alpha"]), float(t["learning_rate"]), int(t["batch_size"]))
        best[track] = min(best.get(track, math.inf), float(t["val_cost"]))
    ranked = sorted(sorted(best), key=lambda track: best[track])
    want = [drawn(track) for track in ranked if drawn(track) >= 2][:8]
    got = [len(line.split()) for line in re.findall(r'<polyline [^>]*points="([^"]*)"', section)]
    if got != want:
        problems.append(f"learning curves of {got} points, curves.csv's best tracks have {want} epochs")
elif "from the checkpoints" not in section and "no curve to draw" not in section:
    problems.append("without curves.csv the learning curves should come from the checkpoints")

data = summary.get("data")
if data:
    card = page.split("<h3>Data</h3>", 1)[-1].split("</dl>", 1)[0]
    held_out = data["validation_examples"]
    examples = (f"{data['train_examples']} train, {held_out} validation, " if held_out is not None
                else f"{data['train_examples']} train in the folds, ") + f"{data['test_examples']} test"
    for want in (f"<dt>examples</dt><dd>{examples}</dd>",
                 f"<dt>shape</dt><dd>{data['features']} features, {data['classes']} classes</dd>"):
        if want not in card:
            problems.append(f"the data card lacks {want}")

for p in problems:
    print(f"{report}: {p}")
sys.exit(1 if problems else 0)
