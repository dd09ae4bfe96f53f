#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the default sweep on all local cores.
# Usage: scripts/run.sh [CONFIG] [extra hypergrid run options]   (default: configs/fashion_mnist.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
config=${1:-configs/fashion_mnist.toml}
shift || true
exec scripts/mpirun.sh build/hypergrid run "$config" "$@"
