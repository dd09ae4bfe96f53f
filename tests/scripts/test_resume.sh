#!/usr/bin/env bash
# Never losing work: a process killed at journal-defined moments (HYPERGRID_FAULT=<point>:kill, no
# timing), SIGUSR1/SIGTERM, --resume, torn and corrupt journals, the journal lock, dynamic vs static
# schedules, and a sweep cut into shards then merged by finalize. Every path must end with the
# trials.csv (seconds and rank aside), best trial, test metrics and model files (byte for byte) of
# one plain run, and a journal in which no trial appears twice.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Two sweeps of 24 trials in 4 units (2 models each): a tiny one for the many interrupted runs (a
# unit is cut into relay legs at 2 ranks, checked below), and a longer one (about a second of
# training) for the signals, which must land while trials are still in progress.
TOTAL=24
make_npy_dataset "$WORK/tiny" --n 600 --d 12 --classes 3 --seed 3 --dtype float32 >/dev/null
make_npy_dataset "$WORK/long" --n 8000 --d 60 --classes 4 --seed 3 --dtype float32 >/dev/null
write_config() {  # write_config FILE DATA_DIR EPOCHS BATCH_SIZES [extra [run] lines...]
    local file=$1 data=$2 epochs=$3 batch_sizes=$4
    shift 4
    cat >"$file" <<CONFIG
[data]
train_images = "$data/images.npy"
train_labels = "$data/labels.npy"
test_images = "$data/test_images.npy"
test_labels = "$data/test_labels.npy"
[grid]
epochs = [$epochs]
alpha = [0.0, 0.01]
learning_rate = [0.05, 0.2]
batch_size = [$batch_sizes]
[run]
models_per_unit = 2
CONFIG
    printf '%s\n' "$@" >>"$file"
}
CONFIG="$WORK/sweep.toml"
write_config "$CONFIG" "$WORK/tiny" "1, 2, 4" "8, 32"
LONG="$WORK/long.toml"
write_config "$LONG" "$WORK/long" "2, 10, 40" "4, 16"

# journaled DIR: the number of trials in DIR's journal (0 without one).
journaled() {
    [[ -f "$1/journal.jsonl" ]] || { echo 0; return; }
    grep -c '"trial":' "$1/journal.jsonl" || true
}

# same_results REF DIR WHAT: DIR's outcome equals the uninterrupted run REF's -- trials.csv (seconds
# and rank aside), summary.json's results, weights.npy and bias.npy byte for byte -- and its journal
# holds every trial exactly once.
same_results() {
    local ref=$1 dir=$2 what=$3
    [[ -f "$dir/summary.json" ]] || { soft_fail "$what: no summary.json"; return 0; }
    cmp -s <(strip_cols "$ref/trials.csv") <(strip_cols "$dir/trials.csv") ||
        soft_fail "$what: trials.csv differs from the uninterrupted run"
    local f
    for f in weights.npy bias.npy; do
        cmp -s "$ref/$f" "$dir/$f" || soft_fail "$what: $f differs from the uninterrupted run's"
    done
    py - "$ref/summary.json" "$dir/summary.json" "$dir/journal.jsonl" "$what" <<'PY' || soft_fail "$what: summary or journal differs"
import json, sys
ref, got, journal, what = sys.argv[1:]
a, b = json.load(open(ref)), json.load(open(got))
for key in ("trials", "finished", "best", "test", "confusion_matrix", "complete"):
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

check "uninterrupted runs give the references"
REF="$WORK/ref"
run_hypergrid 2 run "$CONFIG" --output "$REF" >"$REF.log" 2>&1 || fail "reference run failed: $(tail -3 "$REF.log")"
LONG_REF="$WORK/long-ref"
run_hypergrid 2 run "$LONG" --output "$LONG_REF" >"$LONG_REF.log" 2>&1 || fail "long reference run failed: $(tail -3 "$LONG_REF.log")"
[[ $(journaled "$REF") -eq $TOTAL && $(journaled "$LONG_REF") -eq $TOTAL ]] || fail "a reference did not journal $TOTAL trials"
run_hypergrid 1 plan "$CONFIG" --ranks 2 | grep -q " is cut after epoch " ||
    fail "the tiny sweep has no relay leg at 2 ranks: the receive_state moment below would not exist"
ok "both complete, $TOTAL trials each; the tiny sweep cuts a unit across 2 ranks"

# interrupt NP FAULT OUT JOURNAL FILES [run ARGS...]: a run into OUT with HYPERGRID_FAULT=FAULT must
# be killed there: mpirun exits 128 + 9 and reports the signal, every journal line is whole, the
# journal holds JOURNAL trials ("0", "some": 1 to TOTAL - 1, "all", "any": below TOTAL, "upto": up to
# TOTAL) and the outputs in place are exactly FILES (e.g. "-" for none, "trials.csv weights.npy"):
# never summary.json.
interrupt() {
    local np=$1 fault=$2 out=$3 want_journal=$4 want_files=$5 code=0
    shift 5
    HYPERGRID_FAULT=$fault "$MPIEXEC" -np "$np" "$HYPERGRID_BIN" run "$CONFIG" --output "$out" "$@" \
        >"$out.kill.log" 2>&1 || code=$?
    local what="-np $np HYPERGRID_FAULT=$fault"
    if [[ $code -ne 137 ]] || ! grep -q "exited on signal 9" "$out.kill.log"; then
        soft_fail "$what: exit $code, expected 137 from a rank killed there: $(tail -4 "$out.kill.log")"
        return 1
    fi
    local n files
    n=$(journaled "$out")
    files=$(cd "$out" && ls trials.csv weights.npy bias.npy summary.json 2>/dev/null | tr '\n' ' ' || true)
    files=${files% }
    case $want_journal in
        0) ((n == 0)) ;;
        some) ((n > 0 && n < TOTAL)) ;;
        all) ((n == TOTAL)) ;;
        any) ((n < TOTAL)) ;;
        upto) ((n <= TOTAL)) ;;
    esac || { soft_fail "$what: $n trials journaled, expected $want_journal"; return 1; }
    [[ "${files:--}" == "$want_files" ]] || { soft_fail "$what: outputs in place: '${files:--}', expected '$want_files'"; return 1; }
    py -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]' "$out/journal.jsonl" ||
        { soft_fail "$what: a journal line is not whole"; return 1; }
    KILLED_WITH=$n
}

# resume NP OUT WHAT: --resume must end as the uninterrupted run did, with no temporary left behind.
resume() {
    run_hypergrid "$1" run "$CONFIG" --output "$2" --resume >"$2.resume.log" 2>&1 ||
        { soft_fail "$3: --resume failed: $(tail -2 "$2.resume.log")"; return 0; }
    local stale
    stale=$(find "$2" -name '.*.hypergrid-tmp.*')
    [[ -z $stale ]] || soft_fail "$3: temporaries a killed run left are still there after --resume: $stale"
    same_results "$REF" "$2" "$3"
}

check "a rank killed at journal-defined moments: each interrupts the run, --resume ends as the uninterrupted run"
# np | fault | journal after the kill | outputs in place after the kill
moments=(
    "2|journal_open:kill|0|-"                   # the journal created, locked, its header not yet written
    "2|plan:kill|0|-"                           # the journal's header written, no trial yet
    "2|journal_append#1:kill|some|-"            # after the first journaled trials
    "2|journal_append#5:kill|some|-"
    "2|journal_append#11:kill|some|-"           # one append before the last
    "1|journal_append#3:kill|some|-"
    "2|send_results@1#1:kill|any|-"             # a worker dies with its first results unsent
    "2|train_epoch@1#3:kill|any|-"              # a worker dies mid-unit
    "2|receive_state:kill|some|-"               # between a hand-over and its pick-up
    "2|final_model#1:kill|upto|-"               # 2 ranks: the final model trained ahead, by an idle rank
    "1|final_model#1:kill|all|-"                # 1 rank: after the sweep, every trial journaled
    "2|write_outputs#1:kill|all|-"              # trials.csv written, not yet renamed into place
    "2|write_outputs#2:kill|all|trials.csv"     # weights.npy not yet in place
    "2|write_outputs#4:kill|all|bias.npy trials.csv weights.npy"  # all but summary.json
)
for moment in "${moments[@]}"; do
    IFS='|' read -r np fault want_journal want_files <<<"$moment"
    out="$WORK/kill-${fault//[^a-z0-9_]/-}-np$np"
    interrupt "$np" "$fault" "$out" "$want_journal" "$want_files" || continue
    resume 2 "$out" "-np $np killed at $fault"
    ok "-np $np $fault: exit 137 with $KILLED_WITH trials journaled; resumed to identical results and model files"
done

check "a resume killed in turn (at its journal read, at its second append) and resumed again"
out="$WORK/twice"
if interrupt 2 "journal_append#2:kill" "$out" some - &&
    interrupt 2 "journal_read:kill" "$out" some - --resume &&
    interrupt 1 "journal_append#2:kill" "$out" some - --resume; then
    resume 2 "$out" "killed three times"
    ok "killed in the sweep, in the resume's journal read, in the resume's sweep ($KILLED_WITH trials); resumed"
fi

check "a torn last line on an interrupted sweep's journal is dropped and its trial trained again"
out="$WORK/torn"
if interrupt 2 "journal_append#4:kill" "$out" some -; then
    # The torn line: the first half of the reference's line for a trial this journal lacks.
    missing=$(py - "$REF/journal.jsonl" "$out/journal.jsonl" <<'PY'
import json, sys
ref, got = (open(f).read().splitlines()[1:] for f in sys.argv[1:])
have = {json.loads(line)["trial"] for line in got}
print(next(line for line in ref if json.loads(line)["trial"] not in have))
PY
)
    printf '%s' "${missing:0:$((${#missing} / 2))}" >>"$out/journal.jsonl"
    resume 2 "$out" "torn last line"
    ok "torn half of trial $(py -c 'import json,sys; print(json.loads(sys.argv[1])["trial"])' "$missing") dropped; resumed to identical results"
fi

check "a corrupt line in the middle of a journal is refused, naming the line, and left as it was"
out="$WORK/corrupt"
if interrupt 2 "journal_append#4:kill" "$out" some -; then
    sed -i '3s/"val_cost": /"val_cost": x/' "$out/journal.jsonl"
    grep -q '"val_cost": x' "$out/journal.jsonl" || fail "test bug: line 3 of $out/journal.jsonl was not corrupted"
    sum=$(sha256sum <"$out/journal.jsonl")
    for np in 1 2; do
        expect_fail 2 "$(re "$out/journal.jsonl"):3: corrupt journal line" \
            run_hypergrid "$np" run "$CONFIG" --output "$out" --resume
    done
    [[ $(sha256sum <"$out/journal.jsonl") == "$sum" ]] || soft_fail "the refused journal was changed"
    ok "refused at 1 and 2 ranks; journal unchanged"
fi

# start_long OUT [ARGS...]: a 2-rank run of the long sweep into OUT in the background; mpirun's pid in
# RUN_PID. pause_mid_sweep OUT: once it has journaled a trial, stops its ranks (SIGSTOP), requires
# trials still unjournaled then, and puts the ranks' pids in RANK_PIDS; nothing moves until SIGCONT,
# so a signal sent meanwhile lands mid-sweep by construction.
start_long() {
    local out=$1
    shift
    "$MPIEXEC" -np 2 "$HYPERGRID_BIN" run "$LONG" --output "$out" "$@" >"$out.log" 2>&1 &
    RUN_PID=$!
}
rank_pids() { pgrep -P "$1" -x hypergrid || true; }
# proc_field PID FIELD: a field of /proc/PID/status (State: T when stopped; ShdPnd: pending signals).
proc_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# fail_paused MESSAGE: fail, killing the run in progress first (stopped ranks would linger).
RANK_PIDS=()
fail_paused() {
    kill -KILL "${RANK_PIDS[@]}" "${RUN_PID:-}" 2>/dev/null || true
    fail "$@"
}
# await SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails the test after SECONDS.
await() {
    local seconds=$1 what=$2 polls=0
    shift 2
    until "$@"; do
        ((++polls < seconds * 100)) || fail_paused "$what: not within $seconds s"
        sleep 0.01
    done
}
stopped() { [[ $(proc_field "$1" State) == T ]]; }
# pending PID SIGNAL_NUMBER: the signal waits in the process's pending set.
pending() { (((0x$(proc_field "$1" ShdPnd) >> ($2 - 1)) & 1)); }
pause_mid_sweep() {
    local out=$1
    until (($(journaled "$out") > 0)); do
        kill -0 "$RUN_PID" 2>/dev/null || fail "$out: the run ended before journaling a trial: $(tail -3 "$out.log")"
        sleep 0.01
    done
    RANK_PIDS=($(rank_pids "$RUN_PID"))
    ((${#RANK_PIDS[@]} == 2)) || fail_paused "expected 2 ranks under mpirun $RUN_PID, found ${#RANK_PIDS[@]}"
    kill -STOP "${RANK_PIDS[@]}"
    local pid n
    for pid in "${RANK_PIDS[@]}"; do  # SIGSTOP takes effect after kill returns
        await 30 "rank $pid stopping" stopped "$pid"
    done
    n=$(journaled "$out")
    ((n < TOTAL)) || fail_paused "$out: all $n trials were journaled before the ranks stopped: the long sweep is too short"
}

# stop_with SIGNAL OUT TARGET: SIGNAL to mpirun or to the ranks mid-sweep; expects exit 3 and
# partial outputs, then resumes it.
stop_with() {
    local signal=$1 out=$2 target=$3 status=0
    start_long "$out"
    pause_mid_sweep "$out"
    if [[ $target == mpirun ]]; then kill "-$signal" "$RUN_PID"; else kill "-$signal" "${RANK_PIDS[@]}"; fi
    # mpirun forwards it to the stopped ranks, where it waits (pending) for SIGCONT.
    local pid number
    number=$(kill -l "$signal")
    for pid in "${RANK_PIDS[@]}"; do
        await 30 "$signal to $target reaching rank $pid" pending "$pid" "$number"
    done
    kill -CONT "${RANK_PIDS[@]}"
    wait "$RUN_PID" || status=$?
    [[ $status -eq 3 ]] || soft_fail "$signal to $target: exit $status, expected 3: $(tail -3 "$out.log")"
    py -c "import json,sys; s=json.load(open('$out/summary.json')); sys.exit(0 if s['complete'] is False and s['finished'] < s['trials'] else 'summary not partial')" ||
        soft_fail "$signal to $target: summary.json does not say the sweep is partial"
    [[ $(($(wc -l <"$out/trials.csv") - 1)) -lt $TOTAL ]] || soft_fail "$signal to $target: partial trials.csv has every trial"
    run_hypergrid 2 run "$LONG" --output "$out" --resume >"$out.resume.log" 2>&1 || soft_fail "resume after $signal failed"
    same_results "$LONG_REF" "$out" "$signal to $target then --resume"
    ok "exit $status, partial outputs, resumed to identical results"
}
check "SIGUSR1 to mpirun (forwarded to the ranks, as SLURM's warning) stops the sweep with exit 3"
stop_with USR1 "$WORK/usr1" mpirun
check "SIGTERM to the ranks (as srun delivers it) stops the sweep with exit 3"
stop_with TERM "$WORK/term" ranks

check "a second run on a journal in use is refused"
start_long "$WORK/busy"
pause_mid_sweep "$WORK/busy"
expect_fail 2 "journal\.jsonl: in use by another running hypergrid" run_hypergrid 1 run "$LONG" --output "$WORK/busy" --resume
kill -CONT "${RANK_PIDS[@]}"
wait "$RUN_PID" || soft_fail "the first run failed while a second was refused"
same_results "$LONG_REF" "$WORK/busy" "run next to a refused second run"
ok "refused while the first run holds it; the first run completed identically"

check "a journal from another config or other data is refused"
write_config "$WORK/other-seed.toml" "$WORK/tiny" "1, 2, 4" "8, 32" "seed = 2"
expect_fail 2 "journal\.jsonl:1: journal of another sweep" run_hypergrid 1 run "$WORK/other-seed.toml" --output "$REF" --resume
D="$WORK/tiny"
cp "$D/images.npy" "$WORK/images-copy.npy"
py -c "import numpy as np; x=np.load('$D/images.npy'); x[0,0]+=1; np.save('$WORK/images-other.npy', x)"
sed "s|$D/images.npy|$WORK/images-other.npy|" "$CONFIG" >"$WORK/other-data.toml"
expect_fail 2 "journal of another sweep" run_hypergrid 1 run "$WORK/other-data.toml" --output "$REF" --resume
sed "s|$D/images.npy|$WORK/images-copy.npy|" "$CONFIG" >"$WORK/same-data.toml"
cp -r "$REF" "$WORK/same-data"
run_hypergrid 1 run "$WORK/same-data.toml" --output "$WORK/same-data" --resume >"$WORK/same.log" 2>&1 ||
    soft_fail "the same data under another file name was refused: $(tail -1 "$WORK/same.log")"
ok "other seed and changed data refused; same bytes under another name accepted"

check "dynamic and static schedules give identical results at 1 to 4 ranks"
write_config "$WORK/static.toml" "$WORK/tiny" "1, 2, 4" "8, 32" 'schedule = "static"'
for np in 1 2 3 4; do
    for schedule in dynamic static; do
        config=$CONFIG
        [[ $schedule == static ]] && config="$WORK/static.toml"
        out="$WORK/$schedule-$np"
        run_hypergrid "$np" run "$config" --output "$out" >"$out.log" 2>&1 || soft_fail "$schedule at $np ranks failed"
        same_results "$REF" "$out" "$schedule schedule at $np ranks"
    done
done
ok "trials.csv, summary and model files identical for both schedules at 1, 2, 3 and 4 ranks"

check "a sweep in three shards, merged by finalize, equals one run; a missing, incomplete or foreign shard is refused"
for k in 0 1 2; do
    run_hypergrid 2 run "$CONFIG" --shard "$k/3" --output "$WORK/shard-$k" >"$WORK/shard-$k.log" 2>&1 ||
        soft_fail "shard $k/3 failed: $(tail -2 "$WORK/shard-$k.log")"
done
expect_fail 2 "finalize: 2 of 3 shards given" \
    run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1" --output "$WORK/merged"
# Shard 1 killed after its first journaled results: its journal is short of its share.
code=0
HYPERGRID_FAULT="journal_append#1:kill" "$MPIEXEC" -np 2 "$HYPERGRID_BIN" run "$CONFIG" --shard 1/3 \
    --output "$WORK/shard-1-part" >"$WORK/shard-1-part.log" 2>&1 || code=$?
[[ $code -eq 137 && $(journaled "$WORK/shard-1-part") -gt 0 ]] ||
    soft_fail "shard 1/3 killed at its first append: exit $code, $(journaled "$WORK/shard-1-part") trials journaled"
expect_fail 2 "shard-1-part/journal\.jsonl: shard 1/3 is incomplete \([0-9]+ of [0-9]+ trials\)" \
    run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1-part" "$WORK/shard-2" --output "$WORK/merged"
# Shard 1 of the same grid with another seed: complete, but another sweep's.
run_hypergrid 2 run "$WORK/other-seed.toml" --shard 1/3 --output "$WORK/shard-1-other" >"$WORK/shard-1-other.log" 2>&1 ||
    soft_fail "shard 1/3 of the other config failed: $(tail -2 "$WORK/shard-1-other.log")"
expect_fail 2 "shard-1-other/journal\.jsonl:1: journal of another sweep" \
    run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1-other" "$WORK/shard-2" --output "$WORK/merged"
[[ ! -e "$WORK/merged/summary.json" ]] || soft_fail "a refused finalize wrote $WORK/merged/summary.json"
run_hypergrid 1 finalize "$CONFIG" "$WORK/shard-0" "$WORK/shard-1" "$WORK/shard-2" --output "$WORK/merged" \
    >"$WORK/merged.log" 2>&1 || soft_fail "finalize failed: $(tail -2 "$WORK/merged.log")"
cmp -s <(strip_cols "$REF/trials.csv") <(strip_cols "$WORK/merged/trials.csv") || soft_fail "merged trials.csv differs from one run"
for f in weights.npy bias.npy; do cmp -s "$REF/$f" "$WORK/merged/$f" || soft_fail "merged $f differs from one run's"; done
py - "$REF/summary.json" "$WORK/merged/summary.json" <<'PY' || soft_fail "merged summary differs"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for key in ("best", "test", "confusion_matrix"):
    assert a[key] == b[key], key
PY
ok "three shards merged: identical trials.csv, best, test metrics and model files"

if [[ ${#FAILURES[@]} -eq 0 ]]; then echo "test_resume: all checks passed"; fi
