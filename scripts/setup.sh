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

# The portable build: it runs on any x86-64 CPU and picks the widest kernels the CPU has at start-up.
# NATIVE=OFF spelled out, so a build directory configured natively before becomes portable again.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHYPERGRID_NATIVE=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
