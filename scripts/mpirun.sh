#!/usr/bin/env bash
# mpirun for this machine: as many ranks as cores by default, allowed as root (Open MPI refuses root
# unless told), oversubscription allowed when more ranks than cores are asked for.
# Usage: scripts/mpirun.sh [-np N] PROGRAM ARGS...
#
# On one machine the ranks talk through shared memory (Open MPI's ob1 messaging over its vader
# transport). Left to choose, Open MPI first probes its fabric layers (cm with libfabric, PSM),
# which costs every start ~0.2 s here (measured: MPI start-up and shut-down 0.31 s -> 0.12 s) and
# ends on ob1 anyway; so ob1 is the default here, unless OMPI_MCA_pml says otherwise.
#
# Stops and exit status: SIGTERM, SIGINT and SIGUSR1 sent to this script reach the ranks as SIGUSR1
# through mpirun, which forwards SIGUSR1 and waits, where on SIGTERM it would kill the ranks a
# second later (odls_base_sigkill_timeout), perhaps while rank 0 writes its partial outputs. The
# script exits with hypergrid's own status: 3 for a stop ("resume me"), 2 for bad input, 1 for a
# failure. mpirun itself exits 1 whenever it was signalled, even when every rank stopped cleanly
# with 3; so rank 0 also leaves its status in HYPERGRID_STATUS_FILE, which the script prefers.
set -euo pipefail
# The ranks' stdout is a pseudo-terminal under mpirun whatever ours is: tell hypergrid what ours is
# (a progress bar on a terminal, log lines in a file).
[[ -t 1 ]] && export HYPERGRID_STDOUT_IS_TERMINAL=1 || export HYPERGRID_STDOUT_IS_TERMINAL=0
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
ranks=$(nproc)
if [[ ${1:-} == -np ]]; then ranks=$2; shift 2; fi
extra=()
[[ $(id -u) -eq 0 ]] && extra+=(--allow-run-as-root)
((ranks > $(nproc))) && extra+=(--oversubscribe)

status_file=$(mktemp "${TMPDIR:-/tmp}/hypergrid-status.XXXXXX")
trap 'rm -f "$status_file"' EXIT
export HYPERGRID_STATUS_FILE=$status_file
mpirun "${extra[@]}" -x HYPERGRID_STDOUT_IS_TERMINAL -x HYPERGRID_STATUS_FILE -np "$ranks" "$@" &
launcher=$!
for signal in TERM INT USR1; do
    trap "kill -USR1 $launcher 2>/dev/null || true" "$signal"
done
status=0
# wait returns early (status > 128) when a trapped signal arrives: wait again until mpirun has ended.
while true; do
    wait "$launcher" && status=0 || status=$?
    kill -0 "$launcher" 2>/dev/null || break
done
reported=$(cat "$status_file" 2>/dev/null || true)
# mpirun's own status when it is 0 or rank 0 said nothing (killed, or failed before it could).
if ((status != 0)) && [[ $reported =~ ^[0-9]+$ ]] && ((reported != 0)); then status=$reported; fi
exit "$status"
