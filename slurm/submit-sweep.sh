#!/usr/bin/env bash
# Submits a sharded sweep: a job array of SHARDS tasks (slurm/hypergrid.sbatch), then the finalize
# job (slurm/finalize.sbatch), which starts once every shard has succeeded and is cancelled if one
# fails.
#
#   slurm/submit-sweep.sh [SBATCH OPTIONS FOR THE SHARDS...] CONFIG SHARDS [SWEEP_DIR]
#
# SWEEP_DIR defaults to runs/<array job id>: shard K lands in SWEEP_DIR/shard-K, the final outputs
# in SWEEP_DIR. Options before CONFIG go to each array task, not to the finalize job (e.g.
# --ntasks=8 or --nodes=2 --ntasks-per-node=16: the ranks of every shard, see hypergrid.sbatch);
# sbatch's input variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...) apply to both jobs. Paths are
# relative to the current directory, where the jobs also run. Prints both job ids.
set -euo pipefail

die() {
    echo "submit-sweep.sh: $*" >&2
    exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
options=()
while (($#)) && [[ $1 == -* ]]; do
    options+=("$1")
    shift
done
(($# >= 2 && $# <= 3)) || die "usage: submit-sweep.sh [SBATCH OPTIONS...] CONFIG SHARDS [SWEEP_DIR]"
config=$1
shards=$2
sweep=${3:-}
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a positive integer, not '$shards'"
[[ -f $config ]] || die "no config file $config"
command -v sbatch >/dev/null || die "sbatch not found (is this a SLURM login node?)"

# --parsable prints "id" or "id;cluster". The caller's options come last, so they win.
array=$(sbatch --parsable --array="0-$((shards - 1))" --job-name=hypergrid-shard --output=hypergrid-%A_%a.out \
    "${options[@]}" "$here/hypergrid.sbatch" "$config" ${sweep:+"$sweep"})
array=${array%%;*}
[[ $array =~ ^[0-9]+$ ]] || die "unexpected answer from sbatch: '$array'"
sweep=${sweep:-runs/$array}

if ! finalize=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    "$here/finalize.sbatch" "$config" "$sweep"); then
    scancel "$array" || true
    die "submitting the finalize job failed; cancelled the array job $array"
fi
finalize=${finalize%%;*}

echo "array job:    $array ($shards shards -> $sweep/shard-0 .. shard-$((shards - 1)))"
echo "finalize job: $finalize (after every shard succeeds -> $sweep)"
