#!/usr/bin/env bash
# report.html in a real browser. Headless Chromium (Debian's chromium, installed if missing) renders
# the report of a small grid sweep (with a hand-written legs.csv, so the timeline shows) and of a
# 10^4-trial random sweep to PNG. Fails when the page does not render, the browser reports a console
# error, the PNG is blank (one colour or nearly), the rendered DOM lacks the report, or an SVG is not
# well-formed XML (report_check.py). The PNGs stay in the build tree (report_screens/, or
# $HYPERGRID_REPORT_SCREENS) for a person to look at.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCREENS=${HYPERGRID_REPORT_SCREENS:-$PWD/report_screens}
mkdir -p "$SCREENS"

check "chromium is installed (installing it if missing)"
"$HYPERGRID_SOURCE_DIR/scripts/install_packages.sh" chromium >"$WORK/install.log" 2>&1 ||
    fail "chromium is missing and could not be installed: $(tail -n 3 "$WORK/install.log")"
BROWSER=$(command -v chromium) || fail "chromium installed but not on PATH"
ok "$("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"

# render NAME HTML HEIGHT: screenshot and DOM of HTML in a fresh profile; fails the test on no render,
# a console error or a blank page.
render() {
    local name=$1 html=$2 height=$3
    local profile png="$SCREENS/$name.png" log="$SCREENS/$name.log"
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    local flags=(--headless --disable-gpu --disable-quic --no-first-run --disable-background-networking
                 --disable-component-update --disable-sync --user-data-dir="$profile" --enable-logging=stderr --v=0
                 --hide-scrollbars --window-size=1240,"$height" --default-background-color=ffffffff)
    [[ $(id -u) -eq 0 ]] && flags+=(--no-sandbox)
    rm -f "$png"
    timeout 120 "$BROWSER" "${flags[@]}" --screenshot="$png" "file://$html" >"$log" 2>&1 ||
        fail "$name: chromium failed to render: $(tail -n 5 "$log")"
    [[ -s "$png" ]] || fail "$name: no screenshot: $(tail -n 5 "$log")"
    timeout 120 "$BROWSER" "${flags[@]}" --dump-dom "file://$html" >"$WORK/$name.dom" 2>>"$log" ||
        fail "$name: chromium failed to dump the DOM: $(tail -n 5 "$log")"
    # Console messages reach the log as "INFO:CONSOLE:LINE] ..." (older builds: "CONSOLE(LINE)").
    if grep -E ':CONSOLE[:(]|Uncaught' "$log" >"$WORK/console" 2>/dev/null; then
        soft_fail "$name: the browser reported console messages: $(head -n 5 "$WORK/console")"
    fi
    grep -q "hypergrid sweep" "$WORK/$name.dom" && grep -q "<svg" "$WORK/$name.dom" ||
        soft_fail "$name: the rendered DOM lacks the report"
    py "$HYPERGRID_SOURCE_DIR/tests/scripts/png_check.py" "$png" || soft_fail "$name: blank page"
}

DATA="$WORK/data"
make_npy_dataset "$DATA" --n 600 --d 8 --classes 4 --seed 9 --dtype float32
DATA_TABLE="$NPY_DATA
validation_fraction = 0.25"

check "the report of a small grid sweep renders"
cat >"$DATA/grid.toml" <<TOML
$DATA_TABLE
[grid]
epochs = [1, 2, 4, 8]
alpha = [1e-5, 1e-4, 1e-3, 1e-2]
learning_rate = [0.01, 0.03, 0.1, 0.3]
batch_size = [16, 64]
[run]
models_per_unit = 4
TOML
run_hypergrid 2 run "$DATA/grid.toml" --output "$WORK/grid" >"$WORK/grid.log" 2>&1 || fail "the grid sweep failed: $(tail -n 5 "$WORK/grid.log")"
cat >"$WORK/grid/legs.csv" <<'CSV'
rank,leg,unit,kind,start_seconds,end_seconds
0,0,0,leg,0.02,0.61
1,1,1,leg,0.03,0.55
0,2,2,leg,0.62,1.10
1,3,3,leg,0.56,0.98
1,4,4,leg,0.99,1.31
0,5,5,leg,1.11,1.40
1,-1,-1,final,1.32,1.52
CSV
"$HYPERGRID_BIN" report "$WORK/grid" >/dev/null || fail "hypergrid report failed"
py "$HYPERGRID_SOURCE_DIR/tests/scripts/report_check.py" "$WORK/grid/report.html" "$WORK/grid" --legs ||
    soft_fail "the grid report disagrees with its records"
cp "$WORK/grid/report.html" "$SCREENS/grid.html"
render grid "$WORK/grid/report.html" 3600
ok "report_screens/grid.png"

check "the report of a 10^4-trial random sweep renders and stays small"
cat >"$DATA/random.toml" <<TOML
$DATA_TABLE
limit_train = 80
[grid]
epochs = { start = 1, stop = 3 }
alpha = { start = 1e-6, stop = 1e-1, scale = "log" }
learning_rate = { start = 0.003, stop = 1.0, scale = "log" }
batch_size = [16, 32, 64]
[search]
mode = "random"
samples = 10000
[run]
models_per_unit = 9
TOML
run_hypergrid 2 run "$DATA/random.toml" --output "$WORK/random" >"$WORK/random.log" 2>&1 ||
    fail "the random sweep failed: $(tail -n 5 "$WORK/random.log")"
py "$HYPERGRID_SOURCE_DIR/tests/scripts/report_check.py" "$WORK/random/report.html" "$WORK/random" ||
    soft_fail "the random sweep's report disagrees with its records"
size=$(stat -c %s "$WORK/random/report.html")
((size < 2000000)) || soft_fail "the 10^4-trial report has $size bytes"
cp "$WORK/random/report.html" "$SCREENS/random.html"
render random "$WORK/random/report.html" 3500
ok "report_screens/random.png, report of $size bytes"
