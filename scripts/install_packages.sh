#!/usr/bin/env bash
# Installs those of the given Debian packages that are missing: as root with apt-get, as a user
# through sudo when there is one; otherwise fails, naming the packages to install.
# Usage: scripts/install_packages.sh PACKAGE...
set -euo pipefail
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
  [[ -t 0 ]] || sudo+=(-n)  # no terminal (ctest, CI): fail at once rather than wait for a password
else
  echo "install_packages: missing packages ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]}"
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
