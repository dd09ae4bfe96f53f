#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the default sweep on all local cores.
# Usage: scripts/run.sh [CONFIG] [extra hypergrid run options]   (default: configs/fashion_mnist.toml)
# Run again, it continues the same sweep from its journal (--resume): an interrupted sweep finishes,
# a finished one only retrains its final model and rewrites its outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
config=${1:-configs/fashion_mnist.toml}
shift || true
exec scripts/mpirun.sh build/hypergrid run "$config" --resume "$@"
