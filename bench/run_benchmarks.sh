#!/usr/bin/env bash
# hypergrid's performance benchmarks: prints a plain-text report and saves it to bench/results/<date>.txt.
#
#   bench/run_benchmarks.sh                 # full benchmark, about 30 minutes on 2 cores
#   RUNS=5 bench/run_benchmarks.sh          # repetitions of the timed runs (default 3)
#   SHORT=1 bench/run_benchmarks.sh         # section 1's rounds of the peer, portable and native only (no
#                                           # 1-rank, pair, float32 peer, 4-rank or section 2 runs)
#   SKIP_PEER=1 bench/run_benchmarks.sh     # without the numpy + mpi4py peer (bench/numpy_peer.py)
#   SKIP_BF16=1 bench/run_benchmarks.sh     # without the [run] precision = "bf16" runs (skipped anyway on a
#                                           # CPU with neither AVX512_BF16 nor AMX-BF16)
#   QUICK=1 bench/run_benchmarks.sh         # tiny problem (3000 examples, 4 trials): checks the plumbing in a
#                                           # minute; its report goes to bench/results/<date>-quick.txt
#
# Steps: build hypergrid twice, the portable default (scripts/setup.sh build) and -DHYPERGRID_NATIVE=ON
# (build-native/); single-core float32 probe (bench/gemm_probe.cpp: FMA peak, Eigen and OpenBLAS GEMM,
# hypergrid's SGD step; run again at the end, the larger FMA peak counting); section 1 on bench/perf_grid.toml, RUNS rounds
# of: the peer (float64, 2 ranks), hypergrid portable at 2 ranks, native at 2 ranks, portable with precision =
# "bf16" at 2 ranks (where the CPU has it), portable at 1 rank, and
# two independent 1-rank runs at once (one per core: what the cores give when nothing is shared, a
# yardstick for 1 -> 2 efficiency); then the peer in float32 at 2 ranks once, hypergrid at 4 ranks once
# (oversubscribed, for the memory ratio 4 vs 1 rank); section 2: the default sweep configs/fashion_mnist.toml
# at 1 and 2 ranks, once each; section 3 (bf16): the default sweep in float32 and bf16 at 2 ranks, once each,
# compared trial by trial (the issue's equivalence: every trial within 1%, the same winner). Every run goes through bench/pss_sampler.py, which times the mpirun command
# and samples the total Pss of the ranks. Works as root and as a user (scripts/mpirun.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
SKIP_PEER=${SKIP_PEER:-0}
QUICK=${QUICK:-0}
SHORT=${SHORT:-0}
SKIP_BF16=${SKIP_BF16:-0}
grep -m1 '^flags' /proc/cpuinfo | grep -q -w -E 'avx512_bf16|amx_bf16' || SKIP_BF16=1
PY=/usr/bin/python3  # the system python: has numpy and mpi4py (a python3 earlier on PATH may not)

die() { echo "run_benchmarks: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[[ -x $PY ]] || die "$PY not found"
if [[ $SKIP_PEER != 1 ]]; then
  $PY -c 'import numpy, mpi4py' 2>/dev/null || die "$PY lacks numpy or mpi4py (apt-get install python3-numpy python3-mpi4py), or set SKIP_PEER=1"
fi

echo '#include <cblas.h>' | g++ -E -x c++ - >/dev/null 2>&1 ||
  die "the probe needs OpenBLAS's headers (apt-get install libopenblas-dev)"

mkdir -p bench/results
stamp=$(date +%Y-%m-%d)
suffix=
quick_note=
if [[ $QUICK == 1 ]]; then
  suffix=-quick
  quick_note=" -- QUICK=1: tiny problem, plumbing check only, not results"
fi
report=bench/results/$stamp$suffix.txt
[[ -e $report ]] && report=bench/results/$stamp-$(date +%H%M%S)$suffix.txt
tmp=$(mktemp -d -t hypergrid-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
exec > >(tee "$report") 2>&1
tee_pid=$!

rule() { printf '%s\n' "------------------------------------------------------------------------------------------"; }

# ---------------------------------------------------------------------------------------------- header
echo "hypergrid benchmarks, $(date '+%Y-%m-%d %H:%M:%S %Z')$quick_note"
rule
dirty=$(git diff --quiet HEAD -- 2>/dev/null || echo " + uncommitted changes")
echo "commit    $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
echo "machine   $(hostname), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "load avg  $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start; the machine may be shared"
echo "flags     $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f|avx512_bf16|amx_bf16' | tr '\n' ' ')"
echo "tools     $(g++ --version | head -1), $(mpirun --version 2>/dev/null | head -1), numpy $($PY -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo n/a)"
echo "settings  RUNS=$RUNS SKIP_PEER=$SKIP_PEER SKIP_BF16=$SKIP_BF16 QUICK=$QUICK SHORT=$SHORT"
echo "report    $report"
echo

# ----------------------------------------------------------------------------------------------- build
echo "building hypergrid (scripts/setup.sh build) ..."
if ! scripts/setup.sh build >"$tmp/build.log" 2>&1; then
  # setup.sh builds every target, tests included; the benchmark needs only the hypergrid executable.
  cmake --build build --target hypergrid -j "$(nproc)" >>"$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log"; die "build failed"; }
  echo "WARNING: scripts/setup.sh build failed, but the hypergrid target builds; benchmarking it. The failure:"
  grep -m 5 -E 'error|Error' "$tmp/build.log" | sed 's/^/  /'
fi
echo "building hypergrid -DHYPERGRID_NATIVE=ON (build-native/), for comparison ..."
{ cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release -DHYPERGRID_NATIVE=ON -DHYPERGRID_TESTS=OFF &&
  cmake --build build-native --target hypergrid -j "$(nproc)"; } >"$tmp/build-native.log" 2>&1 ||
  { tail -n 30 "$tmp/build-native.log"; die "native build failed"; }
echo "building the probe (g++ -O3 -march=native, Eigen, OpenBLAS and the portable build's kernels, one thread) ..."
g++ -O3 -march=native -std=c++17 -I/usr/include/eigen3 -Iinclude -DEIGEN_DONT_PARALLELIZE -DEIGEN_MAX_ALIGN_BYTES=64 bench/gemm_probe.cpp \
    build/libhypergrid_lib.a -lopenblas -o "$tmp/gemm_probe" 2>"$tmp/probe-build.log" ||
    { tail -n 30 "$tmp/probe-build.log"; die "probe build failed"; }
# OpenBLAS's own kernel for this CPU, not one forced by the environment (as for the peer below)
probe() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$tmp/gemm_probe"; }
echo "running the probe ..."
probe >"$tmp/gemm.json"
echo
$PY - "$tmp/gemm.json" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    probe = json.load(f)
peak = probe["fma_peak_gflops"]
print("single-core float32 probe (bench/gemm_probe.cpp, GFLOP/s, best of repeated timings)")
print(f"  Eigen {probe['eigen']} ({probe['simd']}); hypergrid kernels {probe['kernels']}")
rows = [(name, probe[key]) for name, key in [
    ("FMA peak, AVX-512 (16 chains of vfmadd)", "fma_avx512_gflops"),
    ("FMA peak, AVX2 (12 chains of vfmadd)", "fma_avx2_gflops"),
    ("Eigen GEMM 1024 x 1024 x 1024", "gemm_1024_gflops"),
    ("  forward  W^T X: (90 x 784) * (784 x 32)", "forward_90x784x32_gflops"),
    ("  update   X S^T: (784 x 32) * (32 x 90)", "update_784x32x90_gflops"),
    ("  forward  W^T X: (10 x 784) * (784 x 32)", "forward_10x784x32_gflops"),
    ("  update   X S^T: (784 x 32) * (32 x 10)", "update_784x32x10_gflops"),
    ("OpenBLAS sgemm 1024 x 1024 x 1024", "openblas_gemm_1024_gflops"),
    ("  forward  W^T X: (90 x 784) * (784 x 32)", "openblas_forward_90x784x32_gflops"),
    ("  update   X S^T: (784 x 32) * (32 x 90)", "openblas_update_784x32x90_gflops"),
    ("  forward  W^T X: (10 x 784) * (784 x 32)", "openblas_forward_10x784x32_gflops"),
    ("  update   X S^T: (784 x 32) * (32 x 10)", "openblas_update_784x32x10_gflops"),
    ("hypergrid SGD step: 9 models, batch 32", "hypergrid_step_90x784x32_gflops"),
    ("  the same, the batch in cache", "hypergrid_step_90x784x32_in_cache_gflops"),
    ("hypergrid SGD step: 1 model, batch 32", "hypergrid_step_10x784x32_gflops")]]
for engine, (unit, single) in probe["hypergrid_bf16_steps_90_10x784x32_gflops"].items():
    rows += [(f"SGD step in bf16 ({engine}): 9 models", unit), (f"  the same: 1 model", single)]
print(f"  {'kernel':<40}  {'GFLOP/s':>7}  {'% of FMA peak':>13}")
for name, value in rows:
    share = f"{100 * value / peak:.0f}" if value and peak else "-"
    print(f"  {name:<40}  {'-' if value is None else format(value, '.1f'):>7}  {share:>13}")
EOF
echo

# --------------------------------------------------------------------------------------------- configs
if [[ $QUICK == 1 ]]; then
  perf_config=$tmp/quick.toml
  default_config=$tmp/quick.toml
  sed -n '/^\[data\]/,/^$/p' bench/perf_grid.toml | sed '/^$/d' >"$perf_config"
  cat >>"$perf_config" <<'EOF'
limit_train = 3000

[grid]
epochs        = [1, 2]
alpha         = [1e-4]
learning_rate = [0.1]
batch_size    = [64, 128]
EOF
else
  perf_config=bench/perf_grid.toml
  default_config=configs/fashion_mnist.toml
fi
# The same configs with the SGD step's products in bfloat16 ([run] is the last table of each, or absent).
with_bf16() {
  { cat "$1"; grep -q '^\[run\]' "$1" || echo '[run]'; echo 'precision = "bf16"'; } >"$2"
}
with_bf16 "$perf_config" "$tmp/perf_bf16.toml"
with_bf16 "$default_config" "$tmp/default_bf16.toml"
# The peer's arguments, from the same config: grid and limit_train (it has no limit_test, scale or seed).
mapfile -t peer_args < <($PY - "$perf_config" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    config = tomllib.load(f)
grid, data = config["grid"], config.get("data", {})
for option, key in [("--epochs", "epochs"), ("--alpha", "alpha"), ("--learning-rate", "learning_rate"),
                    ("--batch-size", "batch_size")]:
    print(option); print(",".join(repr(v) for v in grid[key]))
if data.get("limit_train"):
    print("--limit-train"); print(data["limit_train"])
EOF
)

# ---------------------------------------------------------------------------------------------- runs
# run LABEL MATCH COMMAND...: runs COMMAND under the PSS sampler; stdout, stderr and pss.json in $tmp/runs/LABEL.
run() {
  local label=$1 match=$2
  shift 2
  local dir=$tmp/runs/$label
  mkdir -p "$dir"
  printf '  %-10s %s\n' "$label" "$*" >>"$tmp/commands.txt"
  printf '  %-10s ' "$label"
  if ! $PY bench/pss_sampler.py --match "$match" --out "$dir/pss.json" -- "$@" >"$dir/stdout" 2>"$dir/stderr"; then
    echo "FAILED: $*"
    tail -n 20 "$dir/stderr" "$dir/stdout"
    die "run $label failed"
  fi
  $PY -c 'import json, sys; r = json.load(open(sys.argv[1]))
print("%9.2f s   peak total PSS %7.1f MB   sampler CPU %5.2f s   load avg %s" % (r["wall_seconds"],
      r["peak_total_pss_mb"], r["sampler_cpu_seconds"], open("/proc/loadavg").read().split()[0]))' "$dir/pss.json"
}
hypergrid() {  # hypergrid LABEL RANKS CONFIG [BUILD_DIR]
  run "$1" hypergrid scripts/mpirun.sh -np "$2" "${4:-build}/hypergrid" run "$3" --output "$tmp/runs/$1/out"
}
pair() {  # pair LABEL CONFIG: two independent 1-rank runs at once, each bound to a core of its own
  local script='for core in 0 1; do scripts/mpirun.sh -np 1 --cpu-set $core --bind-to core build/hypergrid run "$1"'
  script+=' --output "$2/$core" >"$2/$core.log" 2>&1 & done; wait -n && wait -n'
  run "$1" hypergrid bash -c "$script" pair "$2" "$tmp/runs/$1"
}
peer() {  # peer LABEL DTYPE: 2 ranks, one BLAS thread each, without this machine's OpenBLAS overrides
  run "$1" numpy_peer.py env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
      scripts/mpirun.sh -np 2 "$PY" bench/numpy_peer.py --dtype "$2" "${peer_args[@]}"
}

echo "section 1 runs: $perf_config (wall time around mpirun, peak total PSS of the ranks)"
# Round by round, so that the runs compared with each other (peer and 2 ranks; 1 and 2 ranks; 1 rank and
# the pair) meet the same host: its speed drifts over minutes, and the report pairs them by round too.
# The portable and the native build back to back in every round: their ratio is the one the issue asks for.
for ((i = 1; i <= RUNS; i++)); do
  [[ $SKIP_PEER == 1 ]] || peer "peer64-$i" float64
  hypergrid "hg2-$i" 2 "$perf_config"
  hypergrid "hn2-$i" 2 "$perf_config" build-native
  [[ $SKIP_BF16 == 1 ]] || hypergrid "hb2-$i" 2 "$tmp/perf_bf16.toml"
  [[ $SHORT == 1 ]] && continue
  hypergrid "hg1-$i" 1 "$perf_config"
  (($(nproc) < 2)) || pair "pair-$i" "$perf_config"
done
if [[ $SHORT != 1 ]]; then
  [[ $SKIP_PEER == 1 ]] || peer peer32-1 float32
  hypergrid hg4-1 4 "$perf_config"
  echo "section 2 runs: $default_config"
  hypergrid def1-1 1 "$default_config"
  hypergrid def2-1 2 "$default_config"
fi
if [[ $SKIP_BF16 != 1 ]]; then
  echo "section 3 runs: $default_config in float32 and bf16"
  [[ $SHORT == 1 ]] && hypergrid def2-1 2 "$default_config"
  hypergrid defb2-1 2 "$tmp/default_bf16.toml"
fi
plan=$(build/hypergrid plan "$perf_config" --ranks 2 2>/dev/null | tail -n 3 | tr '\n' ';' || true)
# The host's speed drifts over a benchmark's minutes: probe again, and count the larger peak.
probe >"$tmp/gemm-end.json"
echo

# -------------------------------------------------------------------------------------------- report
$PY - "$tmp" "$perf_config" "$default_config" "$plan" <<'EOF'
import glob, gzip, json, math, os, statistics, struct, sys

tmp, perf_config, default_config, plan = sys.argv[1:5]
D, C = 784, 10  # features (28 x 28 pixels) and classes of Fashion-MNIST


def load_run(directory):
    run = {"label": os.path.basename(directory)}
    with open(os.path.join(directory, "pss.json")) as f:
        run["pss"] = json.load(f)
    summary = os.path.join(directory, "out", "summary.json")
    if os.path.exists(summary):
        with open(summary) as f:
            run["summary"] = json.load(f)
    with open(os.path.join(directory, "stdout")) as f:
        lines = [line for line in f if line.startswith("{")]
    if lines and not os.path.exists(summary):
        run["peer"] = json.loads(lines[-1])
    return run


groups = {}
for directory in sorted(glob.glob(os.path.join(tmp, "runs", "*"))):
    run = load_run(directory)
    groups.setdefault(run["label"].rsplit("-", 1)[0], []).append(run)
with open(os.path.join(tmp, "gemm.json")) as f:
    probe = json.load(f)
with open(os.path.join(tmp, "gemm-end.json")) as f:
    probe_end = json.load(f)

NAMES = {"peer64": ("numpy peer float64", 2), "hg2": ("hypergrid", 2), "hn2": ("hypergrid native build", 2),
         "hb2": ("hypergrid bf16", 2), "defb2": ("hypergrid bf16", 2),
         "hg1": ("hypergrid", 1),
         "peer32": ("numpy peer float32", 2), "hg4": ("hypergrid (oversubscribed)", 4),
         "def1": ("hypergrid", 1), "def2": ("hypergrid", 2)}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def wall(group):
    return median(r["pss"]["wall_seconds"] for r in groups.get(group, []))


def pss_total(group):
    return median(r["pss"]["peak_total_pss_mb"] for r in groups.get(group, []))


def phase(group, name):
    """Median of one phase over the runs: summary.json seconds for hypergrid, the peer's own timers."""
    values = []
    for r in groups.get(group, []):
        if "summary" in r:
            values.append(r["summary"]["seconds"].get(name))
        elif "peer" in r:
            p = r["peer"]
            values.append({"sweep": p["seconds_sweep"], "final": p["seconds_final"], "total": p["seconds_total"],
                           "load": p["seconds_total"] - p["seconds_sweep"] - p["seconds_final"]}.get(name))
    return median(values)


def training(group):
    """Median over the runs of sweep + final: the training phases (with 2+ ranks, the final model is
    trained during the sweep by a rank left idle, so neither phase alone compares across rank counts)."""
    values = []
    for r in groups.get(group, []):
        seconds = r.get("summary", {}).get("seconds", {})
        if "sweep" in seconds:
            values.append(seconds["sweep"] + seconds.get("final", 0.0))
    return median(values)


def accuracy(run):
    return run["summary"]["test"]["accuracy"] if "summary" in run else run["peer"]["test_accuracy"]


def best(run):
    b = run["summary"]["best"] if "summary" in run else run["peer"]["best"]
    return f"{b['epochs']}/{b['alpha']:g}/{b['learning_rate']:g}/{b['batch_size']}"


def per_rank(group, key):
    """Median over the runs of each rank's figure: summary.json peak_memory_mb or the sampler's PSS peaks."""
    columns = []
    for r in groups.get(group, []):
        if key == "rss":
            values = r.get("summary", {}).get("peak_memory_mb")
        else:
            values = [p["peak_pss_mb"] for p in r["pss"]["processes"]]
        if values:
            columns.append(values)
    if not columns:
        return "n/a"
    width = max(len(c) for c in columns)
    return " ".join(f"{median(c[i] for c in columns if i < len(c)):.0f}" for i in range(width))


def fmt(value, spec=".2f", none="-"):
    return none if value is None else format(value, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def table(header, rows, left=(0,)):
    """Columns of text, numbers right-aligned; the columns in `left` left-aligned."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    for row in [header] + rows:
        print("  " + "  ".join(str(x).ljust(w) if j in left else str(x).rjust(w)
                               for j, (x, w) in enumerate(zip(row, widths))).rstrip())


def percent(part, whole):
    return None if part is None or not whole else 100 * part / whole


def examples(summary):
    """(n_train, n_all) of a run: its training set size after limit_train, minus the validation split."""
    data = summary["config"]["data"]
    n_all = data.get("limit_train") or 0
    labels = data["train"]["labels"]
    with (gzip.open if labels.endswith(".gz") else open)(labels, "rb") as f:  # IDX header: magic, count
        count = struct.unpack(">I", f.read(8)[4:])[0]
    n_all = min(n_all, count) if n_all else count
    n_val = math.floor(n_all * data.get("validation_fraction", 0.2) + 0.5)
    return n_all - n_val, n_all


core_peak = max(probe["fma_peak_gflops"], probe_end["fma_peak_gflops"])


# ------------------------------------------------------------------------------- section 1
print(f"section 1: {perf_config}")
print("-" * 90)
order = [g for g in ["peer64", "hg2", "hn2", "hb2", "hg1", "peer32", "hg4"] if g in groups]
rows = []
for g in order:
    runs = groups[g]
    walls = [r["pss"]["wall_seconds"] for r in runs]
    accs = sorted({accuracy(r) for r in runs})
    acc = f"{100 * accs[0]:.2f}%" + ("" if len(accs) == 1 else f"..{100 * accs[-1]:.2f}%")
    name, ranks = NAMES[g]
    rows.append([name, ranks, len(runs), fmt(median(walls)), fmt(min(walls)), fmt(max(walls)), acc, best(runs[0]),
                 fmt(pss_total(g), ".0f")])
print("wall time around mpirun (s), test accuracy, best trial (epochs/alpha/lr/batch), peak total PSS (MB)")
table(["tool", "ranks", "runs", "median", "min", "max", "test acc", "best e/a/lr/b", "PSS MB"], rows, left=(0, 7))
print()

print("phases, median over runs (s): hypergrid from summary.json; the peer's 'load' is its total minus")
print("sweep and final (loading, conversion, setup)")
rows = []
for g in order:
    name, ranks = NAMES[g]
    rows.append([f"{name}, {ranks} rank{'s' if ranks > 1 else ''}"] +
                [fmt(phase(g, p), ".3f" if p == "configure" else ".2f") for p in ["configure", "load", "sweep", "final", "total"]] +
                [fmt(wall(g))])
table(["run", "configure", "load", "sweep", "final", "total", "wall"], rows)
print()

print("peak memory per rank (MB, rank 0 first): RSS from summary.json peak_memory_mb, PSS from the sampler")
table(["run", "RSS per rank", "PSS per rank", "PSS total"],
      [[f"{NAMES[g][0]}, {NAMES[g][1]} rank{'s' if NAMES[g][1] > 1 else ''}", per_rank(g, "rss"), per_rank(g, "pss"),
        fmt(pss_total(g), ".0f")] for g in order], left=(0, 1, 2))
print()

print("figures")
print(f"  FMA peak per core (probe): {probe['fma_peak_gflops']:.1f} GFLOP/s at the start, {probe_end['fma_peak_gflops']:.1f} "
      f"at the end; the larger, {core_peak:.1f}, is the peak below")
t_peer, t2, t1, t4 = wall("peer64"), wall("hg2"), wall("hg1"), wall("hg4")
if t_peer is not None:
    speedup = ratio(t_peer, t2)
    print(f"  speed-up, peer float64 (batches gathered by index) / hypergrid portable, 2 ranks (median wall): "
          f"{fmt(speedup)}x   (target >= 13.5x: {'met' if speedup >= 13.5 else 'NOT met'})")
    if "hn2" in groups:
        print(f"      against the native build: {fmt(ratio(t_peer, wall('hn2')))}x")
    if "peer32" in groups:
        print(f"  speed-up, peer float32 / hypergrid, 2 ranks (for information): {fmt(ratio(wall('peer32'), t2))}x")
    if "hb2" in groups:
        speedup = ratio(t_peer, wall("hb2"))
        print(f"  speed-up, peer float64 / hypergrid with precision = \"bf16\" ({groups['hb2'][0]['summary']['isa']}), "
              f"2 ranks: {fmt(speedup)}x   (target >= 20x: {'met' if speedup >= 20 else 'NOT met'})")
reference = groups["hg2"][0]["summary"]
grid = reference["config"]["grid"]
n_train, n_all = examples(reference)
trial_epochs = sum(grid["epochs"]) * len(grid["alpha"]) * len(grid["learning_rate"]) * len(grid["batch_size"])
best_epochs = reference["best"]["epochs"]
sweep_flop = 4 * D * C * trial_epochs * n_train
final_flop = 4 * D * C * best_epochs * n_all
work = sweep_flop + final_flop
print(f"  work = 4 d c (sum over the {reference['trials']} trials of epochs x n_train) + 4 d c best_epochs n_all")
print(f"       = 4*{D}*{C}*({trial_epochs}*{n_train}) + 4*{D}*{C}*{best_epochs}*{n_all}"
      f" = {sweep_flop / 1e12:.4g} + {final_flop / 1e12:.4g} = {work / 1e12:.4g} TFLOP")
for g, t, cores in [("hg2", t2, 2), ("hg1", t1, 1)]:
    if t:
        rate = work / t / 1e9
        peak = cores * core_peak if core_peak else None
        against = f" = {100 * rate / peak:.1f}% of the {cores}-core FMA peak ({cores} x {core_peak:.1f})" if peak else ""
        if peak and cores == 2:
            against += f"   (target: above it: {'met' if rate > peak else 'NOT met'})"
        print(f"  effective GFLOP/s, hypergrid {cores} rank{'s' if cores > 1 else ''} (work / median wall): "
              f"{rate:.1f}{against}")
        s = training(g)
        if s:
            print(f"      training phases alone (work / median sweep + final seconds): {work / s / 1e9:.1f}")


def by_round(numerator, denominator, scale=1.0):
    """numerator's wall / (scale x denominator's) for each round that ran both, by run number."""
    walls = {g: {r["label"].rsplit("-", 1)[1]: r["pss"]["wall_seconds"] for r in groups.get(g, [])}
             for g in (numerator, denominator)}
    return [walls[numerator][i] / (scale * walls[denominator][i])
            for i in sorted(walls[numerator], key=int) if i in walls[denominator]]


def paired(values):
    return f"{', '.join(f'{v:.2f}' for v in values)}; median {median(values):.2f}"


if "hn2" in groups:
    share = ratio(t2, wall("hn2"))
    print(f"  portable / native build, 2 ranks (median wall): {fmt(share, '.3f')}   (target <= 1.05: "
          f"{'met' if share <= 1.05 else 'NOT met'}); round by round: {paired(by_round('hg2', 'hn2'))}")
if "hb2" in groups:
    print(f"  bf16 / float32, portable build, 2 ranks (median wall): {fmt(ratio(wall('hb2'), t2), '.3f')}; round by round: "
          f"{paired(by_round('hb2', 'hg2'))}")
if core_peak and t2:
    # The work hypergrid really does: each training to its largest epoch count (trials that differ only in
    # epochs share it), the final model, and the forward pass of every validation and the test evaluation.
    trainings = len(grid["alpha"]) * len(grid["learning_rate"]) * len(grid["batch_size"])
    n_val, n_test = n_all - n_train, 10000
    shared = (4 * D * C * (trainings * max(grid["epochs"]) * n_train + best_epochs * n_all) +
              2 * D * C * (reference["trials"] * n_val + n_test))
    floor = shared / (2 * core_peak * 1e9)
    print(f"  shared work = 4 d c ({trainings} trainings x {max(grid['epochs'])} epochs x n_train + best_epochs n_all)"
          f" + 2 d c (trials n_val + n_test) = {shared / 1e12:.4g} TFLOP")
    print(f"  float32 FMA floor, 2 cores: shared work / (2 x {core_peak:.1f} GFLOP/s) = {floor:.2f} s; portable build at "
          f"{100 * floor / t2:.1f}% of it (target >= 85%: {'met' if floor / t2 >= 0.85 else 'NOT met'}), wall "
          f"{t2:.2f} s; its training phases alone (sweep + final) {fmt(training('hg2'))} s")
    # What bounds that share: the SGD step is nearly all of the shared work, so no run gets nearer the
    # floor than its step gets to the FMA peak with nothing to wait for.
    in_cache = max(p["hypergrid_step_90x784x32_in_cache_gflops"] for p in (probe, probe_end))
    blas = max(p["openblas_gemm_1024_gflops"] for p in (probe, probe_end))
    print(f"      its bound on this CPU: the SGD step (9 models, batch 32) with its batch in cache runs at "
          f"{100 * in_cache / core_peak:.0f}% of the FMA peak\n      (probe, best of both runs); OpenBLAS's sgemm "
          f"reaches {100 * blas / core_peak:.0f}% at 1024 x 1024 x 1024")

if t1 and t2:
    efficiency = t1 / (2 * t2)
    print(f"  parallel efficiency 1 -> 2 ranks, T1 / (2 T2): whole run (wall) {efficiency:.2f}   (target >= 0.90: "
          f"{'met' if efficiency >= 0.9 else 'NOT met'}), training phases (sweep + final) "
          f"{fmt(ratio(training('hg1'), 2 * training('hg2')))}")
    print(f"      round by round (the 1- and 2-rank runs of a round back to back): {paired(by_round('hg1', 'hg2', 2))}")
t_pair = wall("pair")
if t1 and t_pair:
    print(f"  this machine's own 1 -> 2 scaling: two independent 1-rank runs at once, one per core, take "
          f"{t_pair:.2f} s (median wall, both done)\n      against {t1:.2f} s for one alone: {t1 / t_pair:.2f}, the "
          f"efficiency of a 2-rank run that lost nothing to balance, communication or serial parts")
    print(f"      round by round: {paired(by_round('hg1', 'pair'))}")
if plan:
    print(f"  plan for 2 ranks: {plan.strip(';').replace(';', '; ')}")
p4, p1 = pss_total("hg4"), pss_total("hg1")
if p4 and p1:
    r = p4 / p1
    print(f"  peak total PSS, 4 ranks / 1 rank: {p4:.0f} / {p1:.0f} MB = {r:.2f}   (target <= 1.3: "
          f"{'met' if r <= 1.3 else 'NOT met'})")
print()

# ------------------------------------------------------------------------------- section 2
if "def1" in groups and "def2" in groups:
    print(f"section 2: default sweep {default_config}, one run each")
    print("-" * 90)
    rows = []
    for g in ["def1", "def2"]:
        r = groups[g][0]
        s = r["summary"]["seconds"]
        rows.append([NAMES[g][1], fmt(r["pss"]["wall_seconds"])] + [fmt(s.get(p), ".3f" if p == "configure" else ".2f")
                    for p in ["configure", "load", "sweep", "final", "total"]] +
                    [f"{100 * accuracy(r):.2f}%", best(r), fmt(r["pss"]["peak_total_pss_mb"], ".0f"), per_rank(g, "rss")])
    table(["ranks", "wall", "configure", "load", "sweep", "final", "total", "test acc", "best e/a/lr/b", "PSS MB",
           "peak memory per rank (MB)"], rows, left=(8, 10))

# ------------------------------------------------------------------------------- section 3
if "def2" in groups and "defb2" in groups:
    import csv
    print(f"section 3: precision = \"bf16\" against float32, {default_config}, 2 ranks, one run each")
    print("-" * 90)
    f32, b16 = groups["def2"][0], groups["defb2"][0]
    rows = [[name, r["summary"]["isa"], fmt(r["pss"]["wall_seconds"]), f"{100 * accuracy(r):.2f}%",
             f"{r['summary']['test']['cross_entropy']:.5f}", r["summary"]["best"]["trial"], best(r),
             f"{r['summary']['best']['val_cost']:.6f}"] for name, r in [("float32", f32), ("bf16", b16)]]
    table(["precision", "kernels", "wall", "test acc", "test CE", "best", "e/a/lr/b", "val_cost"], rows, left=(0, 1, 6))
    def trials(run):
        with open(os.path.join(tmp, "runs", run["label"], "out", "trials.csv")) as f:
            return {r["trial"]: float(r["val_cost"]) for r in csv.DictReader(f)}
    a, b = trials(f32), trials(b16)
    relative = sorted((abs(b[t] / a[t] - 1), t) for t in a if t in b)
    worst, at = relative[-1]
    same = f32["summary"]["best"]["trial"] == b16["summary"]["best"]["trial"]
    print(f"  every trial's val_cost, bf16 against float32: largest relative difference {100 * worst:.3f}% (trial {at}), "
          f"median {100 * relative[len(relative) // 2][0]:.3f}% over {len(relative)} trials   (target < 1%: "
          f"{'met' if worst < 0.01 else 'NOT met'}); the same winner: {'yes' if same else 'NO'}")
    print(f"  bf16 / float32 wall: {fmt(ratio(b16['pss']['wall_seconds'], f32['pss']['wall_seconds']), '.3f')}")
    print()
EOF
echo
echo "commands"
cat "$tmp/commands.txt"
echo "load avg  $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at the end"
echo "saved to $report"

exec >&- 2>&-  # let tee finish writing the report before the temporary directory goes
wait "$tee_pid" 2>/dev/null || true
