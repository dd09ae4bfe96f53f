#!/usr/bin/env bash
# cmake --install into a fresh prefix: the layout (binary, man page, configs, SLURM scripts pointing
# at the installed binary, README and docs, modulefile), the man page covering every subcommand and
# config key, and the installed hypergrid running configs/quick.toml from another directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD=$(dirname "$HYPERGRID_BIN")
PREFIX="$WORK/prefix"
check "cmake --install $BUILD --prefix prefix (relative to the current directory)"
(cd "$WORK" && cmake --install "$BUILD" --prefix prefix) >"$WORK/install.log" 2>&1 || fail "cmake --install failed:
$(tail -n 20 "$WORK/install.log")"
version=$("$HYPERGRID_BIN" --version | awk '{print $2}')
for f in bin/hypergrid share/man/man1/hypergrid.1 share/hypergrid/configs/quick.toml \
         share/hypergrid/configs/fashion_mnist.toml share/hypergrid/slurm/hypergrid.sbatch \
         share/hypergrid/slurm/finalize.sbatch share/hypergrid/slurm/submit-sweep.sh \
         share/doc/hypergrid/README.md "share/modulefiles/hypergrid/$version"; do
    [[ -s "$PREFIX/$f" ]] || soft_fail "not installed: $f"
done
[[ -x "$PREFIX/bin/hypergrid" && -x "$PREFIX/share/hypergrid/slurm/submit-sweep.sh" ]] || soft_fail "not executable"
ok "$(cd "$PREFIX" && find . -type f | wc -l) files"

check "the installed batch scripts find the installed hypergrid without HYPERGRID_BIN or PATH"
for script in hypergrid.sbatch finalize.sbatch; do
    lookup=$(sed -n '/^installed_bin=/,/^fi$/p' "$PREFIX/share/hypergrid/slurm/$script")
    found=$(env -i PATH=/usr/bin:/bin bash -c "die() { echo \"died: \$*\"; exit 1; }
$lookup
echo \"\$bin\"") || true
    [[ $found == "$PREFIX/bin/hypergrid" ]] || soft_fail "$script finds '$found', expected $PREFIX/bin/hypergrid"
done
ok "both scripts: $PREFIX/bin/hypergrid"

check "the man page renders cleanly and covers every subcommand and config key"
warnings=$(MANWIDTH=100 man --warnings -l "$PREFIX/share/man/man1/hypergrid.1" 2>&1 >/dev/null || true)
[[ -z $warnings ]] || soft_fail "man warns: $warnings"
page=$(MANWIDTH=200 man -l "$PREFIX/share/man/man1/hypergrid.1" 2>/dev/null)
commands=$("$HYPERGRID_BIN" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF {print $1}')
[[ -n $commands ]] || fail "no subcommands in hypergrid --help"
for command in $commands; do
    grep -q "hypergrid $command" <<<"$page" || soft_fail "the man page lacks the subcommand $command"
done
# Every key the config reader accepts (the lists given to reject_unknown_keys), and every exit code.
keys=$(py - "$HYPERGRID_SOURCE_DIR/src/config.cpp" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for call in re.findall(r"reject_unknown_keys\(src,[^{]*\{([^}]*)\}", text):
    print("\n".join(re.findall(r'"([a-z_]+)"', call)))
PY
)
[[ $(wc -l <<<"$keys") -ge 20 ]] || fail "found only $(wc -l <<<"$keys") config keys in src/config.cpp"
for key in $keys; do
    grep -qw -- "$key" <<<"$page" || soft_fail "the man page lacks the config key $key"
done
for code in 0 1 2 3; do
    sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$page" | grep -qE "^ +$code( |$)" || soft_fail "the man page lacks exit status $code"
done
ok "$(wc -w <<<"$commands") subcommands, $(wc -l <<<"$keys") config keys, exit codes 0-3"

check "the installed hypergrid runs configs/quick.toml from another directory"
mkdir -p "$WORK/elsewhere"
(cd "$WORK/elsewhere" && "$MPIEXEC" -np 2 "$PREFIX/bin/hypergrid" run "$PREFIX/share/hypergrid/configs/quick.toml" \
    --output quick >"$WORK/run.log" 2>&1) || fail "the installed binary failed:
$(tail -n 20 "$WORK/run.log")"
py - "$WORK/elsewhere/quick/summary.json" <<'PY' || fail "the installed run's summary is incomplete"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["complete"] and s["finished"] == s["trials"] == 16 and s["model"]["feature_scale"] == 255, s
print(f"  ok: 16 trials, test accuracy {s['test']['accuracy']}")
PY
