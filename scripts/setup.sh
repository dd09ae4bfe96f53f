#!/usr/bin/env bash
# Installs the Debian packages hypergrid needs (only those missing) and builds it with CMake (Release).
# Usage: scripts/setup.sh [BUILD_DIR]   (default: build). Works as root or, through sudo, as a user.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev libboost-mpi-dev
          libboost-serialization-dev libeigen3-dev libtomlplusplus-dev libcli11-dev zlib1g-dev libdeflate-dev catch2
          dataset-fashion-mnist python3 python3-numpy python3-mpi4py libopenblas0-pthread time)
scripts/install_packages.sh "${packages[@]}"

# The build runs where it was built, so it may use every vector unit of this CPU.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHYPERGRID_NATIVE=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
