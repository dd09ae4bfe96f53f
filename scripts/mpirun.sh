#!/usr/bin/env bash
# mpirun for this machine: as many ranks as cores by default, allowed as root (Open MPI refuses root
# unless told), oversubscription allowed when more ranks than cores are asked for.
# Usage: scripts/mpirun.sh [-np N] PROGRAM ARGS...
#
# On one machine the ranks talk through shared memory (Open MPI's ob1 messaging over its vader
# transport). Left to choose, Open MPI first probes its fabric layers (cm with libfabric, PSM),
# which costs every start ~0.2 s here (measured: MPI start-up and shut-down 0.31 s -> 0.12 s) and
# ends on ob1 anyway; so ob1 is the default here, unless OMPI_MCA_pml says otherwise.
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
exec mpirun "${extra[@]}" -x HYPERGRID_STDOUT_IS_TERMINAL -np "$ranks" "$@"
