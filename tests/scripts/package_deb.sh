#!/usr/bin/env bash
# The Debian package: cpack -G DEB builds it, it declares its dependencies, apt-get installs it,
# the installed hypergrid (on PATH, with its man page and modulefile) runs configs/quick.toml from
# another directory, and apt-get removes it again. Needs root or passwordless sudo (it installs a
# package system-wide); without either it fails saying so: exclude it with `ctest -LE package`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    fail "installing the .deb needs root or passwordless sudo; run the suite as root, or leave this test out with ctest -LE package"
fi
if dpkg-query -W -f='${Status}' hypergrid 2>/dev/null | grep -q "ok installed"; then
    fail "a hypergrid package is already installed here; this test would replace and then remove it (apt-get remove hypergrid first)"
fi

BUILD=$(dirname "$HYPERGRID_BIN")
check "cpack -G DEB"
(cd "$WORK" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg") >"$WORK/cpack.log" 2>&1 ||
    fail "cpack failed:
$(tail -n 20 "$WORK/cpack.log")"
deb=$(ls "$WORK"/pkg/hypergrid_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for want in openmpi-bin libboost-mpi libopenmpi libdeflate; do
    grep -q "$want" <<<"$depends" || soft_fail "Depends lacks $want: $depends"
done
ok "$(basename "$deb"): Depends: $depends"

check "apt-get install ./$(basename "$deb")"
chmod 755 "$WORK" "$WORK/pkg" && chmod 644 "$deb"  # apt's download user reads it
remove() { "${sudo[@]}" apt-get remove -y -q hypergrid >"$WORK/remove.log" 2>&1; }
trap 'remove || true; _lib_on_exit' EXIT
(cd "$WORK/pkg" && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "./$(basename "$deb")") \
    >"$WORK/apt.log" 2>&1 || fail "apt-get install failed:
$(tail -n 20 "$WORK/apt.log")"
[[ $(command -v hypergrid) == /usr/bin/hypergrid ]] || fail "hypergrid is not /usr/bin/hypergrid on PATH"
man -w hypergrid >/dev/null || soft_fail "man hypergrid: no manual entry"
ok "/usr/bin/hypergrid, $(man -w hypergrid)"

check "the installed hypergrid runs /usr/share/hypergrid/configs/quick.toml from another directory"
mkdir -p "$WORK/elsewhere"
(cd "$WORK/elsewhere" && "$MPIEXEC" -np 2 hypergrid run /usr/share/hypergrid/configs/quick.toml --output quick) \
    >"$WORK/run.log" 2>&1 || fail "the run failed:
$(tail -n 20 "$WORK/run.log")"
grep -q '"complete": true' "$WORK/elsewhere/quick/summary.json" || fail "the run's summary is incomplete"
ok "$(tail -n 1 "$WORK/run.log")"

check "module load hypergrid (Environment Modules)"
"$HYPERGRID_SOURCE_DIR/scripts/install_packages.sh" environment-modules >"$WORK/modules.log" 2>&1 ||
    fail "cannot install environment-modules: $(tail -n 5 "$WORK/modules.log")"
loaded=$(env -i HOME="$HOME" PATH=/bin bash -c 'source /usr/share/modules/init/bash && module use /usr/share/modulefiles &&
    module load hypergrid && echo "$(command -v hypergrid) $HYPERGRID_SHARE"' 2>&1) || true
[[ $loaded == "/usr/bin/hypergrid /usr/share/hypergrid" ]] || soft_fail "module load hypergrid gave: $loaded"
ok "$loaded"

check "apt-get remove hypergrid"
remove || fail "apt-get remove failed: $(tail -n 5 "$WORK/remove.log")"
[[ ! -e /usr/bin/hypergrid && ! -e /usr/share/hypergrid ]] || fail "files left after removal"
ok "removed"
