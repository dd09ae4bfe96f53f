#!/usr/bin/env bash
# The SLURM scripts (slurm/*) against a real local cluster (tests/slurm/cluster.sh: munged, slurmctld
# and two slurmd "fake nodes" on this machine). Installs the SLURM packages if they are missing and
# fails -- never skips -- when it cannot, or when the cluster does not come up.
#
# Every job's trials.csv (seconds and rank columns dropped), best trial, test metrics and final
# model must equal those of a plain `scripts/mpirun.sh -np 2 hypergrid run` of the same config, and
# every job must run as many ranks as it asked for: hypergrid's start line ("... on N ranks ...") and
# the log's header ("nodes: ... (K), tasks per node: ..., ranks: N") say so, and the header notes
# allocated CPUs left idle exactly when SLURM allocated more CPUs than ranks:
#   1. slurm/hypergrid.sbatch on configs/quick.toml with the script's defaults (1 node, 2 ranks),
#      launched with srun (the default)
#   2. the same launched with mpirun (HYPERGRID_LAUNCHER=mpirun), as root without OMPI_ALLOW_RUN_AS_ROOT
#   3. every common way of asking for ranks: --ntasks=5; --nodes=2 --ntasks-per-node=2 (with srun
#      and with mpirun); --nodes=2 alone (the script's 2 per node); -n 3 -N 2
#   4. resubmitting job 1's output directory: the script passes --resume, nothing is trained again
#   5. slurm/submit-sweep.sh: a 3-task array (hypergrid run --shard K/3) with --ntasks=3, a 2-task
#      array with --nodes=2 --ntasks-per-node=2, and their finalize jobs
#   6. errors: no executable, a missing config (the job's exit code is hypergrid's 2), a SLURM_NTASKS
#      inherited from the submitting shell that the allocation cannot hold
#   7. a sweep longer than its time limit (--time=1): SLURM's warning signal reaches hypergrid, which
#      stops (exit 3); the job requeues itself and resumes until the sweep is done
#   8. with a stand-in for hypergrid (seconds, not minutes): an array task that requeues itself keeps
#      the finalize job waiting, then resumes its own shard; a run that finished no trial is not
#      requeued
#
# Environment (set by ctest, see tests/CMakeLists.txt): HYPERGRID_BIN, HYPERGRID_SOURCE_DIR, PYTHON.
# HYPERGRID_KEEP_WORK=1 keeps the work directory (job logs and outputs) for a look afterwards.
set -euo pipefail

: "${HYPERGRID_BIN:?HYPERGRID_BIN must name the hypergrid executable (run the tests through ctest)}"
: "${HYPERGRID_SOURCE_DIR:?HYPERGRID_SOURCE_DIR must name the repository root (run the tests through ctest)}"
PYTHON=${PYTHON:-/usr/bin/python3}
SRC=$HYPERGRID_SOURCE_DIR
[[ -x $HYPERGRID_BIN ]] || { echo "FAIL: HYPERGRID_BIN=$HYPERGRID_BIN is not an executable" >&2; exit 1; }

# The jobs must cope as root on their own (the sbatch script adds --allow-run-as-root for mpirun):
# none of ctest's Open MPI allowances reach them.
unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe OMPI_MCA_pml
# Nothing from an enclosing SLURM job or a user's defaults may leak into the submissions.
while read -r name; do unset "$name"; done < <(env | grep -oE '^(SLURM|SBATCH|SRUN|SALLOC)_[A-Za-z0-9_]*' || true)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hypergrid-slurm-test.XXXXXX")
# munged wants every directory above its socket searchable by all, which WORK (mode 0700) is not:
# the cluster gets a directory of its own.
CLUSTER=$(mktemp -d /tmp/hypergrid-slurm-cluster.XXXXXX)
JOBS=$WORK/jobs   # the jobs' working directory: their logs and runs/<job id> land here
REF=$WORK/reference
mkdir -p "$JOBS" "$REF"
T0=$SECONDS

on_exit() {
    local status=$?
    trap - EXIT
    set +e
    bash "$SRC/tests/slurm/cluster.sh" stop --base "$CLUSTER"
    if ((status != 0)); then
        echo "--- slurmctld log (last lines) ---" >&2
        tail -n 15 "$CLUSTER/log/slurmctld.log" >&2 2>/dev/null
    fi
    if [[ ${HYPERGRID_KEEP_WORK:-0} == 1 ]]; then
        echo "kept $WORK and $CLUSTER"
    else
        rm -rf "$WORK" "$CLUSTER"
    fi
    echo "test_slurm: $( ((status == 0)) && echo passed || echo FAILED) after $((SECONDS - T0)) s"
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "[$((SECONDS - T0)) s] $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# --- helpers ------------------------------------------------------------------------------------

# submit SBATCH ARGS...: sbatch from $JOBS; prints the job id.
submit() {
    local id
    id=$(cd "$JOBS" && sbatch --parsable "$@") || fail "sbatch $* failed"
    id=${id%%;*}
    [[ $id =~ ^[0-9]+$ ]] || fail "sbatch $* answered '$id', not a job id"
    echo "$id"
}

# show_job ID: one line per job (per array task) of `scontrol show job`, and the job's log(s).
show_job() {
    local id=$1 file
    scontrol -o show job "$id" >&2 || true
    for file in "$JOBS"/hypergrid-"$id".out "$JOBS"/hypergrid-"$id"_*.out "$JOBS"/hypergrid-finalize-"$id".out; do
        [[ -f $file ]] || continue
        echo "--- $file ---" >&2
        tail -n 40 "$file" >&2
    done
}

# wait_jobs SECONDS ID...: polls squeue every 0.5 s until none of the jobs is pending, running,
# requeued or completing; fails after SECONDS.
wait_jobs() {
    local seconds=$1 ids deadline left
    shift
    ids=$(IFS=,; echo "$*")
    deadline=$((SECONDS + seconds))
    while :; do
        left=$(squeue -h -j "$ids" -o '%i %T') || fail "squeue -j $ids failed"
        [[ -n $left ]] || return 0
        if ((SECONDS >= deadline)); then
            echo "still in the queue after $seconds s:" >&2
            echo "$left" >&2
            local id
            for id; do show_job "$id"; done
            fail "jobs $ids did not finish within $seconds s"
        fi
        sleep 0.5
    done
}

# job_states ID: "STATE EXITCODE RESTARTS" per job (per task of an array).
job_states() {
    scontrol -o show job "$1" | awk '{
        state = code = restarts = "?"
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^JobState=/) state = substr($i, 10)
            if ($i ~ /^ExitCode=/) code = substr($i, 10)
            if ($i ~ /^Restarts=/) restarts = substr($i, 10)
        }
        print state, code, restarts
    }'
}

# expect_state ID STATE EXITCODE WHAT: every job (array task) of ID ended in STATE with EXITCODE.
expect_state() {
    local id=$1 state=$2 code=$3 what=$4 states
    states=$(job_states "$id")
    [[ -n $states ]] || fail "$what: job $id unknown to scontrol"
    if grep -qv "^$state $code " <<<"$states"; then
        show_job "$id"
        fail "$what: job $id ended '$(tr '\n' ';' <<<"$states")', expected $state with exit code $code"
    fi
    log "  ok: $what: job $id $state, exit code $code"
}

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/strip_cols.sh"

# same_results DIR REFDIR WHAT: trials.csv (seconds, rank aside), summary.json's best trial, test
# metrics and confusion matrix, and the final model's bytes.
same_results() {
    local dir=$1 ref=$2 what=$3 file
    for file in trials.csv summary.json weights.npy bias.npy; do
        [[ -f $dir/$file ]] || fail "$what: $dir/$file is missing"
    done
    if ! diff <(strip_cols "$ref/trials.csv") <(strip_cols "$dir/trials.csv") >"$WORK/diff"; then
        head -n 20 "$WORK/diff" >&2
        fail "$what: $dir/trials.csv differs from the plain mpirun run's (seconds and rank aside)"
    fi
    "$PYTHON" - "$dir/summary.json" "$ref/summary.json" "$what" <<'PY' || exit 1
import json, sys
got, want = (json.load(open(f)) for f in sys.argv[1:3])
for key in ("best", "test", "confusion_matrix", "trials", "finished", "complete"):
    if got.get(key) != want.get(key):
        sys.exit(f"FAIL: {sys.argv[3]}: summary.json '{key}' is {got.get(key)!r}, expected {want.get(key)!r}")
PY
    cmp -s "$dir/weights.npy" "$ref/weights.npy" || fail "$what: weights.npy differs from the plain run's"
    cmp -s "$dir/bias.npy" "$ref/bias.npy" || fail "$what: bias.npy differs from the plain run's"
    log "  ok: $what: same trials.csv, best trial, test metrics and model as the plain run"
}

# expect_log FILE PATTERN WHAT: the job log has a line matching the extended regex.
expect_log() {
    grep -Eq -- "$2" "$1" 2>/dev/null || { tail -n 40 "$1" >&2 || true; fail "$3: no line matching /$2/ in $1"; }
}

# reference NAME CONFIG: the plain run, once per config.
reference() {
    local out=$REF/$1
    "$SRC/scripts/mpirun.sh" -np 2 "$HYPERGRID_BIN" run "$2" --output "$out" >"$REF/$1.log" 2>&1 ||
        { tail -n 30 "$REF/$1.log" >&2; fail "the plain run of $2 failed"; }
    for file in trials.csv summary.json weights.npy bias.npy; do
        [[ -f $out/$file ]] || fail "the plain run of $2 wrote no $file"
    done
}

# --- the cluster --------------------------------------------------------------------------------

log "starting a local SLURM cluster under $CLUSTER"
bash "$SRC/tests/slurm/cluster.sh" start --base "$CLUSTER" --nodes 2 --cpus 4 ||
    fail "the local SLURM cluster did not come up (see above)"
# shellcheck source=/dev/null
source "$CLUSTER/env.sh"
[[ -n ${SLURM_CONF:-} && -f $SLURM_CONF ]] || fail "cluster.sh wrote no usable env.sh"
sinfo -N

QUICK=$SRC/configs/quick.toml
SBATCH_SCRIPT=$SRC/slurm/hypergrid.sbatch
[[ -f $QUICK && -f $SBATCH_SCRIPT ]] || fail "$QUICK or $SBATCH_SCRIPT is missing"

log "plain run of configs/quick.toml (reference)"
reference quick "$QUICK"

# --- 1-3, 5, 6: submitted together ----------------------------------------------------------------

log "submitting the quick jobs"
job_srun=$(submit "$SBATCH_SCRIPT" "$QUICK")
job_mpirun=$(HYPERGRID_LAUNCHER=mpirun submit "$SBATCH_SCRIPT" "$QUICK")
# Two slurmd on one host: Open MPI's shared-memory transport must not be used between the "nodes"
# (every job from here on may span both).
export OMPI_MCA_btl=self,tcp
job_ntasks=$(submit --ntasks=5 "$SBATCH_SCRIPT" "$QUICK")
job_nodes_srun=$(submit --nodes=2 --ntasks-per-node=2 "$SBATCH_SCRIPT" "$QUICK")
job_nodes_mpirun=$(HYPERGRID_LAUNCHER=mpirun submit --nodes=2 --ntasks-per-node=2 "$SBATCH_SCRIPT" "$QUICK")
job_nodes_only=$(submit --nodes=2 "$SBATCH_SCRIPT" "$QUICK")
job_n_N=$(submit -n 3 -N 2 "$SBATCH_SCRIPT" "$QUICK")
# sweep OPTIONS... SHARDS: submit-sweep.sh; prints "ARRAY_ID FINALIZE_ID".
sweep() {
    local out array finalize
    out=$(cd "$JOBS" && bash "$SRC/slurm/submit-sweep.sh" "${@:1:$#-1}" "$QUICK" "${!#}") ||
        fail "slurm/submit-sweep.sh $* failed"
    echo "$out" >&2
    array=$(awk '/^array job:/ {print $3}' <<<"$out")
    finalize=$(awk '/^finalize job:/ {print $3}' <<<"$out")
    [[ $array =~ ^[0-9]+$ && $finalize =~ ^[0-9]+$ ]] || fail "submit-sweep.sh $* printed no job ids"
    echo "$array $finalize"
}
ids=$(sweep --ntasks=3 3)
read -r job_array job_finalize <<<"$ids"
ids=$(sweep --nodes=2 --ntasks-per-node=2 2)
read -r job_array_nodes job_finalize_nodes <<<"$ids"
# Errors: an executable that is not there, and none on PATH either; a config that is not there.
job_nobin=$(HYPERGRID_BIN=$WORK/no-such-hypergrid submit "$SBATCH_SCRIPT" "$QUICK")
job_nopath=$(env -u HYPERGRID_BIN PATH=/usr/bin:/bin sbatch --parsable --chdir="$JOBS" "$SBATCH_SCRIPT" "$QUICK") ||
    fail "sbatch without HYPERGRID_BIN failed"
job_noconfig=$(submit "$SBATCH_SCRIPT" "$WORK/no-such-config.toml")
# A task count left in the submitting shell by an enclosing job, larger than this job's allocation.
job_stale=$(SLURM_NTASKS=16 submit "$SBATCH_SCRIPT" "$QUICK")
log "jobs: srun $job_srun, mpirun $job_mpirun, --ntasks=5 $job_ntasks, 2 nodes x 2 $job_nodes_srun/$job_nodes_mpirun," \
    "--nodes=2 $job_nodes_only, -n 3 -N 2 $job_n_N, arrays $job_array/$job_array_nodes +" \
    "finalize $job_finalize/$job_finalize_nodes, errors $job_nobin $job_nopath $job_noconfig $job_stale"

wait_jobs 300 "$job_srun" "$job_mpirun" "$job_ntasks" "$job_nodes_srun" "$job_nodes_mpirun" "$job_nodes_only" \
    "$job_n_N" "$job_array" "$job_finalize" "$job_array_nodes" "$job_finalize_nodes" \
    "$job_nobin" "$job_nopath" "$job_noconfig" "$job_stale"

# job_field ID FIELD: FIELD of `scontrol show job` (the first array task's, for an array).
job_field() {
    scontrol -o show job "$1" | head -n 1 | grep -oE "(^| )$2=[^ ]*" | sed 's/^ //; s/^[^=]*=//'
}

# check_ranks ID LOG WHAT RANKS NODES TASKS_PER_NODE: the job (array task) ID ran RANKS ranks, as its
# log's header and hypergrid's start line (every one, if it ran more than once) say; NODES and
# TASKS_PER_NODE (extended regexes) are the header's node count and per-node list. The header notes
# idle CPUs exactly when SLURM allocated more CPUs than ranks.
check_ranks() {
    local id=$1 logf=$2 what=$3 ranks=$4 nodes=$5 per_node=$6 cpus counted
    expect_log "$logf" "^nodes: +[^ ]+ \(($nodes)\), tasks per node: ($per_node), ranks: $ranks\$" \
        "$what: header with $ranks ranks"
    counted=$(grep -oE " on [0-9]+ ranks" "$logf" | sort -u) || true
    [[ $counted == " on $ranks ranks" ]] ||
        { tail -n 40 "$logf" >&2; fail "$what: hypergrid's start line says '${counted:-nothing}', expected on $ranks ranks"; }
    cpus=$(job_field "$id" NumCPUs)
    [[ $cpus =~ ^[0-9]+$ ]] || fail "$what: scontrol shows no NumCPUs for job $id"
    if ((cpus > ranks)); then
        expect_log "$logf" "^note: +$ranks ranks use $ranks of the $cpus CPUs allocated" "$what: note on idle CPUs"
    elif grep -q "^note:" "$logf"; then
        fail "$what: the header notes idle CPUs, but $ranks ranks have $cpus CPUs: $(grep "^note:" "$logf")"
    fi
    log "  ok: $what: $ranks ranks ran (header and start line), on $cpus allocated CPUs"
}

check_single_job() {
    local id=$1 what=$2 launcher=$3 logf=$JOBS/hypergrid-$1.out
    shift 3
    expect_state "$id" COMPLETED 0:0 "$what"
    expect_log "$logf" "^=== hypergrid job $id" "$what: header"
    check_ranks "$id" "$logf" "$what" "$@"
    expect_log "$logf" "^binary: .*\(hypergrid [0-9]+\.[0-9]+\.[0-9]+\)" "$what: hypergrid version in the header"
    expect_log "$logf" "^launch: +$launcher " "$what: launched with $launcher"
    same_results "$JOBS/runs/$id" "$REF/quick" "$what"
}
# The script's defaults: no task count, so a rank per allocated CPU, 2 per node (--mincpus=2).
check_single_job "$job_srun" "srun, the script's defaults" "srun --mpi=pmix" 2 1 2
check_single_job "$job_mpirun" "mpirun, the script's defaults" mpirun 2 1 2
check_single_job "$job_ntasks" "srun, --ntasks=5" "srun --mpi=pmix" 5 "1|2" "5|[0-9],[0-9]"
check_single_job "$job_nodes_srun" "srun, --nodes=2 --ntasks-per-node=2" "srun --mpi=pmix" 4 2 "2\\(x2\\)"
check_single_job "$job_nodes_mpirun" "mpirun, --nodes=2 --ntasks-per-node=2" mpirun 4 2 "2\\(x2\\)"
check_single_job "$job_nodes_only" "srun, --nodes=2 alone" "srun --mpi=pmix" 4 2 "2\\(x2\\)"
check_single_job "$job_n_N" "srun, -n 3 -N 2" "srun --mpi=pmix" 3 2 "2,1|1,2"
for id in "$job_nodes_srun" "$job_nodes_mpirun" "$job_nodes_only" "$job_n_N"; do
    [[ $(job_field "$id" NodeList) == "n[1-2]" ]] ||
        fail "job $id did not run on both nodes: $(scontrol -o show job "$id")"
done

# The sharded sweep: 3 tasks, each a third of the trials; finalize merges them.
expect_state "$job_array" COMPLETED 0:0 "array sweep, 3 shards"
[[ $(job_states "$job_array" | wc -l) -eq 3 ]] || fail "array job $job_array does not have 3 tasks"
expect_state "$job_finalize" COMPLETED 0:0 "finalize after the array"
sweep_dir=$JOBS/runs/$job_array
for k in 0 1 2; do
    [[ -f $sweep_dir/shard-$k/journal.jsonl && -f $sweep_dir/shard-$k/trials.csv ]] ||
        fail "shard $k wrote no journal.jsonl or trials.csv in $sweep_dir/shard-$k"
    expect_log "$JOBS/hypergrid-${job_array}_$k.out" "--shard $k/3 " "array task $k: --shard $k/3"
    check_ranks "${job_array}_$k" "$JOBS/hypergrid-${job_array}_$k.out" "array task $k, --ntasks=3" 3 "1|2" "3|[0-9],[0-9]"
    [[ $(strip_cols "$sweep_dir/shard-$k/trials.csv" | wc -l) -gt 1 ]] || fail "shard $k has no trials"
done
# The shards' rows together are the plain run's rows, each exactly once.
if ! diff <(strip_cols "$REF/quick/trials.csv" | tail -n +2 | sort -t, -k1,1n) \
    <(for k in 0 1 2; do strip_cols "$sweep_dir/shard-$k/trials.csv" | tail -n +2; done | sort -t, -k1,1n) \
    >"$WORK/diff"; then
    head -n 20 "$WORK/diff" >&2
    fail "the shards' trials.csv rows together differ from the plain run's"
fi
log "  ok: the 3 shards' trials.csv hold the plain run's rows, each once"
same_results "$sweep_dir" "$REF/quick" "array sweep + finalize"

# The same sweep in 2 shards of 2 nodes x 2 ranks.
expect_state "$job_array_nodes" COMPLETED 0:0 "array sweep, 2 shards of --nodes=2 --ntasks-per-node=2"
[[ $(job_states "$job_array_nodes" | wc -l) -eq 2 ]] || fail "array job $job_array_nodes does not have 2 tasks"
expect_state "$job_finalize_nodes" COMPLETED 0:0 "finalize after the 2-node array"
for k in 0 1; do
    check_ranks "${job_array_nodes}_$k" "$JOBS/hypergrid-${job_array_nodes}_$k.out" \
        "array task $k, --nodes=2 --ntasks-per-node=2" 4 2 "2\\(x2\\)"
done
same_results "$JOBS/runs/$job_array_nodes" "$REF/quick" "2-node array sweep + finalize"

# Errors: the script's own (exit 2, one clear line) and hypergrid's status passed on.
expect_state "$job_nobin" FAILED 2:0 "HYPERGRID_BIN not executable"
expect_log "$JOBS/hypergrid-$job_nobin.out" "HYPERGRID_BIN=.*no-such-hypergrid is not an executable" \
    "HYPERGRID_BIN not executable: message"
expect_state "$job_nopath" FAILED 2:0 "no hypergrid on PATH"
expect_log "$JOBS/hypergrid-$job_nopath.out" "hypergrid not found: set HYPERGRID_BIN" "no hypergrid on PATH: message"
expect_state "$job_noconfig" FAILED 2:0 "missing config (hypergrid's exit code 2)"
expect_log "$JOBS/hypergrid-$job_noconfig.out" "^hypergrid: .*no-such-config" "missing config: hypergrid's message"
expect_state "$job_stale" FAILED 2:0 "SLURM_NTASKS inherited from the submitting shell"
expect_log "$JOBS/hypergrid-$job_stale.out" "SLURM_NTASKS=16, but this job has 2 task slots .*inherited" \
    "inherited SLURM_NTASKS: message"

# --- 4: resubmitting a finished output directory resumes it -------------------------------------

log "resubmitting job $job_srun's output directory"
job_resume=$(submit "$SBATCH_SCRIPT" "$QUICK" "runs/$job_srun")
wait_jobs 120 "$job_resume"
expect_state "$job_resume" COMPLETED 0:0 "resubmitted into a finished output directory"
expect_log "$JOBS/hypergrid-$job_resume.out" "^launch: .* --resume\$" "resubmission: --resume passed"
expect_log "$JOBS/hypergrid-$job_resume.out" "^output: +runs/$job_srun \(resuming" "resubmission: header says resuming"
same_results "$JOBS/runs/$job_srun" "$REF/quick" "resumed output directory"

# --- 8 (submitted now, checked at the end): the requeue protocol with a stand-in for hypergrid ------

# The stand-in only plays hypergrid's part in stopping: a journal (header line, a line per trial),
# exit 3 on SIGUSR1, --resume finishing at once. It lets the array case and the no-progress guard
# be checked in seconds (the warning comes at the first 30 s tick with --signal=B:USR1@50).
STUB=$WORK/stub-hypergrid
cat >"$STUB" <<'EOF'
#!/usr/bin/env bash
[[ $1 == --version ]] && { echo "hypergrid 0.0.0 (stand-in)"; exit 0; }
[[ $1 == finalize ]] && { echo "stand-in: finalize ${*:2}"; exit 0; }
output=; shard=0/1
while (($#)); do
    case $1 in --output) output=$2; shift ;; --shard) shard=$2; shift ;; esac
    shift
done
journal=$output/journal.jsonl
mkdir -p "$output"
if [[ -f $journal ]]; then echo "stand-in: resumed $shard"; echo '{"trial":1}' >>"$journal"; exit 0; fi
echo '{"format":"stand-in"}' >"$journal"
[[ $shard == 0/1 || $shard == 1/* ]] || { echo '{"trial":0}' >>"$journal"; exit 0; }
# A plain run and shard 1 wait for the warning, journal a trial (or not) and stop.
trap '[[ -n ${STUB_NO_PROGRESS:-} ]] || echo "{\"trial\":0}" >>"$journal"; echo "stand-in: stopped"; exit 3' USR1
while :; do sleep 0.2; done
EOF
chmod +x "$STUB"
log "submitting the stand-in jobs: an array whose task 1 requeues itself, and a run without progress"
stub_sweep=$(cd "$JOBS" && HYPERGRID_BIN=$STUB bash "$SRC/slurm/submit-sweep.sh" --ntasks=1 --time=1 \
    --signal=B:USR1@50 "$QUICK" 3 runs/stub-sweep) || fail "slurm/submit-sweep.sh (stand-in) failed"
stub_array=$(awk '/^array job:/ {print $3}' <<<"$stub_sweep")
stub_finalize=$(awk '/^finalize job:/ {print $3}' <<<"$stub_sweep")
[[ $stub_array =~ ^[0-9]+$ && $stub_finalize =~ ^[0-9]+$ ]] || fail "submit-sweep.sh printed no job ids"
stub_noprogress=$(HYPERGRID_BIN=$STUB STUB_NO_PROGRESS=1 submit --ntasks=1 --time=1 --signal=B:USR1@50 \
    "$SBATCH_SCRIPT" "$QUICK")

# --- 7: the time limit: warning signal, stop, self-requeue, resume --------------------------------

# The sweep must outlast the latest warning (50 s into the run, see below) on any machine and any
# version of hypergrid, in short units: the full Fashion-MNIST training set, 36 units of one model
# each, and as many epochs as make a minute or more of sweep on 2 ranks. A probe of 1-2 epochs
# gives the first guess; a job that still finishes before the warning is tried again with more
# epochs, scaled by its own sweep time (a busy machine only makes the job slower: more requeues).
long_config() {  # long_config FILE EPOCHS...
    local file=$1 epochs
    shift
    epochs=$(IFS=,; echo "$*")
    cat >"$file" <<EOF
[data]
train_images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
train_labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"
test_images  = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
test_labels  = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
limit_test = 1000
[grid]
epochs        = [$epochs]
alpha         = [1e-4, 1e-3, 1e-2]
learning_rate = [0.05, 0.1, 0.2]
batch_size    = [16, 32, 64, 128]
[run]
models_per_unit = 1
output = "unused"
EOF
}
sweep_seconds() {
    "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"]["sweep"])' "$1/summary.json"
}
log "probing the sweep speed (epochs 1, 2)"
long_config "$WORK/probe.toml" 1 2
reference probe "$WORK/probe.toml"
probe_seconds=$(sweep_seconds "$REF/probe")
# Each unit trains to the largest epoch count, so the sweep's time grows about linearly with it; the
# probe's fixed costs make it look slower per epoch than a long sweep is, hence the 110 s it aims at.
max_epochs=$("$PYTHON" -c 'import math, sys; print(min(300, max(10, math.ceil(110 * 2 / max(float(sys.argv[1]), 0.01)))))' \
    "$probe_seconds")
LONG=$WORK/long.toml

# --time=1: the limit is 60 s. SLURM checks time limits every 30 s and sends the warning at the
# first check with at most 10 + 30 s left, i.e. 20 to 50 s into each run; the limit itself is
# enforced at the first check past 60 s, so hypergrid has 30 s or more to stop (it needs about one).
for attempt in 1 2 3; do
    long_config "$LONG" $((max_epochs / 2)) "$max_epochs"
    log "submitting a sweep of epochs $((max_epochs / 2)), $max_epochs with --time=1 --signal=B:USR1@10" \
        "(the probe's sweep took $probe_seconds s)"
    job_limit=$(submit --time=1 --signal=B:USR1@10 "$SBATCH_SCRIPT" "$LONG")
    wait_jobs 420 "$job_limit"
    read -r state code restarts < <(job_states "$job_limit")
    log "  job $job_limit: $state, exit code $code, restarts $restarts"
    expect_state "$job_limit" COMPLETED 0:0 "time-limited job, in the end"
    ((restarts == 0)) || break
    job_seconds=$(sweep_seconds "$JOBS/runs/$job_limit")
    ((attempt < 3)) || fail "the time-limited job was never requeued: its sweep took only $job_seconds s"
    log "  its sweep took $job_seconds s, over before the warning could come: again with more epochs"
    max_epochs=$("$PYTHON" -c 'import math, sys; print(math.ceil(int(sys.argv[1]) * 80 / max(float(sys.argv[2]), 0.01)))' \
        "$max_epochs" "$job_seconds")
done
limit_log=$JOBS/hypergrid-$job_limit.out
expect_log "$limit_log" "SIGUSR1 \(time limit near\)" "time-limited job: the warning reached the batch script"
expect_log "$limit_log" "^=== hypergrid exited with status 3" "time-limited job: hypergrid stopped with exit code 3"
expect_log "$limit_log" "requeueing job $job_limit" "time-limited job: requeued itself"
expect_log "$limit_log" "^launch: .* --resume\$" "time-limited job: resumed with --resume"
[[ $(grep -c "^=== hypergrid job $job_limit" "$limit_log") -eq $((restarts + 1)) ]] ||
    fail "time-limited job: the log (open-mode=append) does not hold one header per run"
log "  ok: time-limited job: warned, stopped (exit 3), requeued itself $restarts time(s), resumed, completed"
log "plain run of the same config (reference)"
reference long "$LONG"
same_results "$JOBS/runs/$job_limit" "$REF/long" "time-limited job after $restarts requeue(s)"

log "the stand-in jobs"
wait_jobs 180 "$stub_array" "$stub_finalize" "$stub_noprogress"
expect_state "$stub_array" COMPLETED 0:0 "stand-in array, task 1 requeued"
task1=$(scontrol -o show job "$stub_array" | grep -E '(^| )ArrayTaskId=1 ') || fail "no task 1 in array $stub_array"
grep -q ' Restarts=1 ' <<<"$task1" || fail "stand-in array task 1 was not requeued once: $task1"
expect_log "$JOBS/hypergrid-${stub_array}_1.out" "requeueing job" "stand-in array task 1: requeued itself"
expect_log "$JOBS/hypergrid-${stub_array}_1.out" "--shard 1/3 --output runs/stub-sweep/shard-1 --resume\$" \
    "stand-in array task 1: resumed its own shard"
expect_state "$stub_finalize" COMPLETED 0:0 "stand-in finalize, after the requeued task"
task1_end=$(grep -oE ' EndTime=[^ ]+' <<<"$task1")
finalize_start=$(scontrol -o show job "$stub_finalize" | grep -oE ' StartTime=[^ ]+')
[[ ${finalize_start#*=} > ${task1_end#*=} || ${finalize_start#*=} == "${task1_end#*=}" ]] ||
    fail "the finalize job started ($finalize_start) before the requeued task ended ($task1_end)"
expect_log "$JOBS/hypergrid-finalize-$stub_finalize.out" \
    "^shards: +runs/stub-sweep/shard-0 runs/stub-sweep/shard-1 runs/stub-sweep/shard-2\$" "stand-in finalize: the 3 shards"
log "  ok: a requeued array task keeps the finalize job waiting (afterok), then it runs"
expect_state "$stub_noprogress" FAILED 3:0 "stand-in run without progress: not requeued"
expect_log "$JOBS/hypergrid-$stub_noprogress.out" "no trial finished in this run" "no progress: message"

log "all SLURM checks passed"
