#!/usr/bin/env bash
# Never losing work: kill -9 at many moments, SIGUSR1/SIGTERM, --resume, foreign and torn journals,
# dynamic vs static schedules, and a sweep cut into shards then merged by finalize. Every path must
# end with the trials.csv (seconds and rank aside), best trial and test metrics of one plain run,
# and a journal in which no trial appears twice.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D="$WORK/data"
make_npy_dataset "$D" --n 16000 --d 300 --classes 10 --seed 3 >/dev/null
write_config() {  # write_config FILE [extra [run] lines...]
    local file=$1
    shift
    cat >"$file" <<CONFIG
[data]
train_images = "$D/images.npy"
train_labels = "$D/labels.npy"
test_images = "$D/test_images.npy"
test_labels = "$D/test_labels.npy"
[grid]
epochs = [5, 15, 40]
alpha = [0.0, 0.001, 0.01]
learning_rate = [0.05, 0.2]
batch_size = [4, 16]
[run]
models_per_unit = 2
CONFIG
    printf '%s\n' "$@" >>"$file"
}
CONFIG="$WORK/sweep.toml"
write_config "$CONFIG"

# same_results DIR: DIR's outcome equals the reference run's, and its journal has no duplicates.
same_results() {
    local dir=$1 what=$2
    diff <(strip_cols "$REF/trials.csv") <(strip_cols "$dir/trials.csv") >/dev/null ||
        soft_fail "$what: trials.csv differs from the uninterrupted run"
    py - "$REF/summary.json" "$dir/summary.json" "$dir/journal.jsonl" "$what" <<'PY' || soft_fail "$what: summary or journal differs"
import json, sys
ref, got, journal, what = sys.argv[1:]
a, b = json.load(open(ref)), json.load(open(got))
for key in ("best", "test", "confusion_matrix", "complete"):
    if a[key] != b[key]:
        sys.exit(f"{what}: summary {key}: {b[key]} != {a[key]}")
lines = open(journal).read().splitlines()[1:]
trials = [json.loads(line)["trial"] for line in lines]
if len(trials) != len(set(trials)):
    sys.exit(f"{what}: a trial was journaled twice")
if sorted(trials) != list(range(a["trials"])):
    sys.exit(f"{what}: the journal holds {len(trials)} trials, not each of {a['trials']} once")
PY
}

check "an uninterrupted run gives the reference"
REF="$WORK/ref"
start=$(date +%s.%N)
run_hypergrid 2 run "$CONFIG" --output "$REF" >"$WORK/ref.log" 2>&1 || fail "reference run failed: $(tail -3 "$WORK/ref.log")"
DURATION=$(py -c "print($(date +%s.%N) - $start)")
ok "reference in ${DURATION}s: $(tail -1 "$WORK/ref.log")"

# at FRACTION: seconds into a run of the reference's length.
at() { py -c "print(round($1 * $DURATION, 3))"; }
# run_in_background OUT: starts a 2-rank run into OUT; its mpirun's pid in RUN_PID.
run_in_background() {
    "$MPIEXEC" -np 2 "$HYPERGRID_BIN" run "$CONFIG" --output "$1" >"$1.log" 2>&1 &
    RUN_PID=$!
}
# rank_pids PID: the hypergrid ranks mpirun PID started (Open MPI gives each its own process group).
rank_pids() { pgrep -P "$1" -x hypergrid || true; }

check "kill -9 of mpirun and every rank at ten moments, each followed by --resume"
interrupted=0
for fraction in 0.15 0.25 0.35 0.45 0.55 0.62 0.7 0.78 0.86 0.93; do
    out="$WORK/kill-$fraction"
    run_in_background "$out"
    sleep "$(at "$fraction")"
    kill -9 $(rank_pids "$RUN_PID") "$RUN_PID" 2>/dev/null || true
    wait "$RUN_PID" 2>/dev/null || true
    before=0
    [[ -f "$out/journal.jsonl" ]] && before=$(($(grep -c '"trial":' "$out/journal.jsonl" || true)))
    ((before > 0 && before < 36)) && interrupted=$((interrupted + 1))
    run_hypergrid 2 run "$CONFIG" --output "$out" --resume >"$out.resume.log" 2>&1 ||
        { soft_fail "resume after kill at $fraction of the run failed: $(tail -2 "$out.resume.log")"; continue; }
    same_results "$out" "kill -9 at $fraction of the run"
    ok "killed at $(at "$fraction")s with $before of 36 trials journaled; resumed to identical results"
done
((interrupted >= 5)) || soft_fail "only $interrupted kills landed mid-sweep (with some trials journaled, not all)"

# stop_with SIGNAL OUT TARGET: starts a run, sends SIGNAL mid-sweep to mpirun or to the ranks,
# expects exit 3 and partial outputs, then resumes it.
stop_with() {
    local signal=$1 out=$2 target=$3 status=0
    run_in_background "$out"
    sleep "$(at 0.5)"
    if [[ $target == mpirun ]]; then kill "-$signal" "$RUN_PID"; else kill "-$signal" $(rank_pids "$RUN_PID"); fi
    wait "$RUN_PID" || status=$?
    [[ $status -eq 3 ]] || soft_fail "$signal to $target: exit $status, expected 3: $(tail -3 "$out.log")"
    py -c "import json,sys; s=json.load(open('$out/summary.json')); sys.exit(0 if s['complete'] is False and s['finished'] < s['trials'] else 'summary not partial')" ||
        soft_fail "$signal to $target: summary.json does not say the sweep is partial"
    [[ $(($(wc -l <"$out/trials.csv") - 1)) -lt 36 ]] || soft_fail "$signal to $target: partial trials.csv has every trial"
    run_hypergrid 2 run "$CONFIG" --output "$out" --resume >"$out.resume.log" 2>&1 || soft_fail "resume after $signal failed"
    same_results "$out" "$signal to $target then --resume"
    ok "exit $status, partial outputs, resumed to identical results"
}
check "SIGUSR1 to mpirun (forwarded to the ranks, as SLURM's warning) stops the sweep with exit 3"
stop_with USR1 "$WORK/usr1" mpirun
check "SIGTERM to the ranks (as srun delivers it) stops the sweep with exit 3"
stop_with TERM "$WORK/term" ranks

check "a dying rank takes the job down, the journal stays intact, --resume completes the sweep"
out="$WORK/dying-rank"
run_in_background "$out"
sleep "$(at 0.5)"
ranks=($(rank_pids "$RUN_PID"))
((${#ranks[@]} == 2)) || soft_fail "expected 2 ranks under mpirun $RUN_PID, found ${#ranks[@]}"
kill -9 "${ranks[-1]}"  # one rank only; mpirun must end the others
status=0
wait "$RUN_PID" || status=$?
((status != 0)) || soft_fail "mpirun exited 0 although a rank died"
py - "$out/journal.jsonl" <<'PY' || soft_fail "the journal is damaged after a rank died"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for line in lines:
    json.loads(line)  # every line complete: the dead rank never wrote it, rank 0 flushed each batch
PY
run_hypergrid 2 run "$CONFIG" --output "$out" --resume >"$out.resume.log" 2>&1 || soft_fail "resume after a rank died failed"
same_results "$out" "a rank killed, then --resume"
ok "mpirun exited $status, journal intact, resumed to identical results"

check "a second run on a journal in use is refused"
run_in_background "$WORK/busy"
sleep "$(at 0.3)"
expect_fail 2 "journal\.jsonl: in use by another running hypergrid" run_hypergrid 1 run "$CONFIG" --output "$WORK/busy" --resume
wait "$RUN_PID" || soft_fail "the first run failed while a second was refused"
same_results "$WORK/busy" "run next to a refused second run"
ok "refused while the first run holds it; the first run completed identically"

check "a torn last line (killed mid-write) is tolerated"
out="$WORK/torn"
cp -r "$WORK/usr1" "$out"
head -n 10 "$WORK/usr1/journal.jsonl" >"$out/journal.jsonl"
sed -n 11p "$WORK/usr1/journal.jsonl" | head -c 40 >>"$out/journal.jsonl"
run_hypergrid 2 run "$CONFIG" --output "$out" --resume >"$out.log" 2>&1 || soft_fail "resume over a torn line failed: $(tail -2 "$out.log")"
same_results "$out" "torn last line"
ok "torn line dropped, sweep completed identically"

check "a journal from another config or other data is refused"
write_config "$WORK/other-seed.toml" "seed = 2"
expect_fail 2 "journal\.jsonl:1: journal of another sweep" run_hypergrid 1 run "$WORK/other-seed.toml" --output "$REF" --resume
cp "$D/images.npy" "$WORK/images-copy.npy"
py -c "import numpy as np; x=np.load('$D/images.npy'); x[0,0]+=1; np.save('$WORK/images-other.npy', x)"
sed "s|$D/images.npy|$WORK/images-other.npy|" "$CONFIG" >"$WORK/other-data.toml"
expect_fail 2 "journal of another sweep" run_hypergrid 1 run "$WORK/other-data.toml" --output "$REF" --resume
sed "s|$D/images.npy|$WORK/images-copy.npy|" "$CONFIG" >"$WORK/same-data.toml"
run_hypergrid 1 run "$WORK/same-data.toml" --output "$REF" --resume >"$WORK/same.log" 2>&1 ||
    soft_fail "the same data under another file name was refused: $(tail -1 "$WORK/same.log")"
ok "other seed and changed data refused; same bytes under another name accepted"

check "dynamic and static schedules give identical results at 1 to 4 ranks"
write_config "$WORK/static.toml" 'schedule = "static"'
for np in 1 2 3 4; do
    for schedule in dynamic static; do
        config=$CONFIG
        [[ $schedule == static ]] && config="$WORK/static.toml"
        out="$WORK/$schedule-$np"
        run_hypergrid "$np" run "$config" --output "$out" >"$out.log" 2>&1 || soft_fail "$schedule at $np ranks failed"
        diff <(strip_cols "$REF/trials.csv") <(strip_cols "$out/trials.csv") >/dev/null ||
            soft_fail "$schedule schedule at $np ranks: trials.csv differs"
    done
done
ok "trials.csv identical for both schedules at 1, 2, 3 and 4 ranks"

check "a sweep in three shards, merged by finalize, equals one run"
for k in 0 1 2; do
    run_hypergrid 2 run "$CONFIG" --shard "$k/3" --output "$WORK/shard-$k" >"$WORK/shard-$k.log" 2>&1 ||
        soft_fail "shard $k/3 failed: $(tail -2 "$WORK/shard-$k.log")"
done
expect_fail 2 "2 of 3 shards given" run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1" --output "$WORK/merged"
run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1" "$WORK/shard-2" --output "$WORK/merged" \
    >"$WORK/merged.log" 2>&1 || soft_fail "finalize failed: $(tail -2 "$WORK/merged.log")"
diff <(strip_cols "$REF/trials.csv") <(strip_cols "$WORK/merged/trials.csv") >/dev/null ||
    soft_fail "merged trials.csv differs from one run"
py - "$REF/summary.json" "$WORK/merged/summary.json" <<'PY' || soft_fail "merged summary differs"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for key in ("best", "test", "confusion_matrix"):
    assert a[key] == b[key], key
PY
ok "three shards merged: identical trials.csv, best and test metrics"

if [[ ${#FAILURES[@]} -eq 0 ]]; then echo "test_resume: all checks passed"; fi
