#!/usr/bin/env bash
# mpirun for this machine: as many ranks as cores by default, allowed as root (Open MPI refuses root
# unless told), oversubscription allowed when more ranks than cores are asked for.
# Usage: scripts/mpirun.sh [-np N] PROGRAM ARGS...
set -euo pipefail
ranks=$(nproc)
if [[ ${1:-} == -np ]]; then ranks=$2; shift 2; fi
extra=()
[[ $(id -u) -eq 0 ]] && extra+=(--allow-run-as-root)
((ranks > $(nproc))) && extra+=(--oversubscribe)
exec mpirun "${extra[@]}" -np "$ranks" "$@"
