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
  - with --stopped: the page says what is done so far.
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

for p in problems:
    print(f"{report}: {p}")
sys.exit(1 if problems else 0)
