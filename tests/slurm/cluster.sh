#!/usr/bin/env bash
# A throw-away SLURM cluster on this one machine, for testing slurm/*.sbatch against a real
# slurmctld + slurmd: munged, slurmctld and one or more slurmd ("fake nodes" n1, n2, ... all on
# 127.0.0.1), every file (config, key, sockets, state, spool, logs, pid files) under one base
# directory, nothing written to /etc, /var or /run, no systemd and no cgroups needed.
#
# Usage:
#   tests/slurm/cluster.sh start [--base DIR] [--nodes N] [--cpus C]
#       Installs the Debian packages if missing, writes DIR/slurm.conf, starts the daemons and waits
#       (bounded) until every node is idle. Prints SLURM_CONF=DIR/slurm.conf; DIR/env.sh exports it
#       (every client -- sbatch, squeue, srun -- needs SLURM_CONF; jobs inherit it).
#       N nodes (default 2) advertise C CPUs each (default 4, more than the cores is fine).
#   tests/slurm/cluster.sh stop [--base DIR]
#       Cancels every job, stops the daemons by the PIDs in their pid files, then ends any process
#       still carrying this cluster's marker in its environment (left-over slurmstepd or tasks).
#       Safe to call twice or on a cluster that never came up.
#   tests/slurm/cluster.sh status [--base DIR]
#
# DIR defaults to $HYPERGRID_SLURM_BASE, else ${TMPDIR:-/tmp}/hypergrid-slurm-$(id -u). Ports:
# slurmctld on $HYPERGRID_SLURM_PORT (default 16817), node i on that + i; change it to run two
# clusters at once.
#
# As root (CI): everything works as is; munged (with its own key and socket, not the system's),
# slurmctld and slurmd all run as root, with SlurmUser=root.
# As a normal user: the packages must already be installed (apt-get needs root; this script says so
# and stops). munged, slurmctld (SlurmUser=you) and slurmd (SlurmdUser=you) would then run as you,
# but slurmd cannot switch users, so only your own jobs could run, and slurmd may still need root for
# parts of a job launch; that mode is untested and CI never uses it.
# The base directory and every directory above it must be searchable by all (munged insists).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

base=${HYPERGRID_SLURM_BASE:-${TMPDIR:-/tmp}/hypergrid-slurm-$(id -u)}
nodes=2
cpus=4
port=${HYPERGRID_SLURM_PORT:-16817}

command=${1:-}
[[ -n $command ]] || die "usage: cluster.sh start|stop|status [--base DIR] [--nodes N] [--cpus C]"
shift
while (($#)); do
    case $1 in
        --base) base=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ $nodes =~ ^[1-9][0-9]*$ && $cpus =~ ^[1-9][0-9]*$ ]] || die "--nodes and --cpus take positive integers"
if [[ $command == start ]]; then mkdir -p "$base"; fi
if [[ ! -d $base ]]; then
    [[ $command == stop ]] && exit 0  # nothing was ever started there
    die "no cluster directory $base"
fi
base=$(cd "$base" && pwd)
conf=$base/slurm.conf
export SLURM_CONF=$conf
# Inherited by the daemons and so by every slurmstepd they start: lets 'stop' find what is left.
MARKER=HYPERGRID_SLURM_CLUSTER=$base

# ---------------------------------------------------------------------------------------------------
ensure_packages() {
    local missing=() package
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        die "missing packages ${missing[*]}; install them as root: apt-get install --no-install-recommends ${missing[*]}"
    fi
    echo "cluster.sh: installing ${missing[*]}"
    apt-get update -q || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" ||
        die "apt-get install ${PACKAGES[*]} failed"
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            die "package $package is still not installed"
    done
}

# pid_alive PIDFILE NAME: the pid in PIDFILE, if that process is alive and is NAME (so a recycled pid
# is never mistaken for the daemon).
pid_alive() {
    local pid
    [[ -s $1 ]] || return 1
    pid=$(<"$1")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
    echo "$pid"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { echo "cluster.sh: timed out after ${seconds} s waiting for $what" >&2; return 1; }
        sleep 0.2
    done
}

node_names() {
    local i
    for ((i = 1; i <= nodes; i++)); do echo "n$i"; done
}

write_config() {
    local user i
    user=$(id -un)
    mkdir -p "$base"/{munge,state,run,log}
    for i in $(node_names); do mkdir -p "$base/spool/$i" "$base/tmp/$i"; done
    {
        cat <<EOF
# Written by tests/slurm/cluster.sh: a test cluster under $base.
ClusterName=hypergrid-test
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
# Our own munged (own key and socket). cred_expire also delays a requeued job's restart
# (default 120 s); shortened so the requeue test stays quick.
AuthInfo=socket=$base/munge/munge.socket,cred_expire=10
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool/%n
TmpFS=$base/tmp/%n
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd-%n.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd-%n.log
MailProg=/bin/true
# No cgroups here: the cgroup defaults fail every task launch.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
EnforcePartLimits=ALL
# Start a batch job ~1 s after submission (not ~3 s); look at pending jobs every 2 s (not 60 s), so a
# requeued job starts as soon as it may (cred_expire above).
SchedulerParameters=batch_sched_delay=0,bf_interval=2,sched_interval=2
# Finished jobs stay visible to 'scontrol show job' (there is no sacct without accounting).
MinJobAge=3600
# A node may advertise more CPUs than the machine has.
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=10
EOF
        i=0
        for name in $(node_names); do
            i=$((i + 1))
            echo "NodeName=$name NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + i)) CPUs=$cpus State=UNKNOWN"
        done
        echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
    } >"$conf"
}

start_munged() {
    local dir=$base/munge path
    # munged (run as whoever runs this script, with a key of our own) insists that every directory
    # above its socket be searchable by all, so that any user's client can reach it.
    chmod 0755 "$base"
    path=$base
    while [[ $path != / ]]; do
        [[ $(stat -c %A "$path") == ?????????[xt] ]] ||
            die "munged needs every directory above its socket searchable by all (o+x): $path is not; choose another --base"
        path=$(dirname "$path")
    done
    [[ -s $dir/munge.key ]] || dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$dir/munge.key"
    chmod 0755 "$dir"
    env "$MARKER" /usr/sbin/munged --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" ||
        { tail -n 20 "$dir/munged.log" >&2 2>/dev/null; die "munged did not start"; }
    wait_for 10 "munged" bash -c 'munge -n --socket="$1" | unmunge --socket="$1"' _ "$dir/munge.socket" ||
        { tail -n 20 "$dir/munged.log" >&2; die "munged does not answer"; }
}

all_nodes_idle() {
    local states
    states=$(sinfo -h -N -o '%N %T') || return 1
    [[ $(grep -c ' idle$' <<<"$states") -eq $nodes ]]
}

start() {
    ensure_packages
    local pidfile
    for pidfile in "$base/munge/munged.pid" "$base/run/slurmctld.pid" "$base"/run/slurmd-*.pid; do
        [[ -e $pidfile ]] || continue
        if pid_alive "$pidfile" "$(basename "${pidfile%.pid}" | sed 's/-.*//')" >/dev/null; then
            die "a cluster is already running under $base (cluster.sh stop --base $base)"
        fi
    done
    # The ports must be free: a cluster left over elsewhere (killed test) would answer our clients.
    local p
    for ((p = port; p <= port + nodes; p++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            die "port $p is in use (a cluster left running under another base directory? stop it with" \
                "'cluster.sh stop --base DIR', or set HYPERGRID_SLURM_PORT)"
        fi
    done
    # A fresh start: no state from an earlier cluster in the same place.
    rm -rf "$base/state" "$base/spool" "$base/tmp" "$base/run" "$base/log" "$base/munge"
    write_config
    start_munged
    env "$MARKER" /usr/sbin/slurmctld -f "$conf" ||
        { tail -n 30 "$base/log/slurmctld.log" >&2; die "slurmctld did not start"; }
    wait_for 30 "slurmctld to answer" scontrol ping ||
        { tail -n 30 "$base/log/slurmctld.log" >&2; stop_all; die "slurmctld does not answer"; }
    local name
    for name in $(node_names); do
        env "$MARKER" /usr/sbin/slurmd -f "$conf" -N "$name" ||
            { tail -n 30 "$base/log/slurmd-$name.log" >&2; stop_all; die "slurmd $name did not start"; }
    done
    if ! wait_for 30 "$nodes node(s) to be idle" all_nodes_idle; then
        sinfo -N >&2 || true
        for name in $(node_names); do tail -n 20 "$base/log/slurmd-$name.log" >&2 || true; done
        tail -n 20 "$base/log/slurmctld.log" >&2 || true
        stop_all
        die "the nodes did not become idle"
    fi
    echo "export SLURM_CONF=$(printf '%q' "$conf")" >"$base/env.sh"
    echo "SLURM_CONF=$conf"
}

# stop_pid PIDFILE NAME: TERM, up to 10 s, then KILL.
stop_pid() {
    local pid i
    pid=$(pid_alive "$1" "$2") || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.2
    done
    echo "cluster.sh: $2 ($pid) ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

# What this cluster started: its daemons and every slurmstepd carry the marker in their environment;
# a job's processes carry this SLURM_CONF (the submitter's) and a SLURM_JOB_ID.
leftovers() {
    local environ pid vars
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}
        pid=${pid%/environ}
        [[ $pid != "$$" && $pid != "$BASHPID" ]] || continue
        vars=$( { tr '\0' '\n' <"$environ"; } 2>/dev/null) || continue
        if grep -qxF "$MARKER" <<<"$vars" ||
            { grep -qxF "SLURM_CONF=$conf" <<<"$vars" && grep -q '^SLURM_JOB_ID=' <<<"$vars"; }; then
            echo "$pid"
        fi
    done
}

stop_all() {
    local pidfile pids
    # Running jobs first, while slurmctld can still cancel them (a slurmstepd outlives its slurmd).
    if pid_alive "$base/run/slurmctld.pid" slurmctld >/dev/null; then
        scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
        wait_for 20 "jobs to end" bash -c '[[ -z $(squeue -h -t running,completing,suspended -o %i) ]]' || true
    fi
    for pidfile in "$base"/run/slurmd-*.pid; do
        if [[ -e $pidfile ]]; then stop_pid "$pidfile" slurmd; fi
    done
    stop_pid "$base/run/slurmctld.pid" slurmctld
    stop_pid "$base/munge/munged.pid" munged
    # Anything left over: TERM, then KILL.
    pids=$(leftovers)
    if [[ -n $pids ]]; then
        echo "cluster.sh: ending left-over processes $(echo $pids)" >&2
        kill -TERM $pids 2>/dev/null || true
        sleep 1
        pids=$(leftovers)
        [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
    fi
}

status() {
    local any=0 pidfile pid
    for pidfile in "$base/munge/munged.pid:munged" "$base/run/slurmctld.pid:slurmctld" "$base"/run/slurmd-*.pid; do
        local file=${pidfile%%:*} name=${pidfile##*:}
        [[ $pidfile == *:* ]] || name=slurmd
        if pid=$(pid_alive "$file" "$name"); then
            echo "$name running (pid $pid, $file)"
            any=1
        fi
    done
    ((any)) || { echo "no daemon running under $base"; return 1; }
    sinfo -N
}

case $command in
    start) start ;;
    stop) stop_all ;;
    status) status ;;
    *) die "unknown command '$command' (start, stop or status)" ;;
esac
