#!/usr/bin/python3
"""Runs a command and samples the proportional set size (Pss) of its matching processes until it exits.

    pss_sampler.py --match NAME [--out FILE] [--interval 0.1] -- command args...

Every --interval seconds the sampler reads /proc/PID/smaps_rollup of the command and of each of its
descendants whose name matches NAME, and records the largest sum of Pss over them (peak_total_pss_mb) and
the largest Pss of each process. Pss charges a page shared by k processes 1/k to each, so the sum counts
every page once, which makes it the fair measure of what several MPI ranks occupy together.

A process matches NAME when its command name (/proc/PID/comm) or the base name of its argv[0] is NAME, or
when it is an interpreter (python, bash, ...) and the base name of its script (its first argument that is
not an option) is NAME. So `--match hypergrid` finds the ranks of `mpirun ... build/hypergrid ...` (not
mpirun itself), and `--match numpy_peer.py` the ranks of `mpirun ... python3 bench/numpy_peer.py ...`.
Only the command and its descendants are looked at: other jobs of the same name on the machine are not.

The command's stdout and stderr pass through; the sampler exits with the command's exit code (128 + N if
it was killed by signal N). The JSON line goes to --out (stdout if omitted) and has: command, match,
exit_code, wall_seconds (from starting the command to its exit), interval_seconds, samples,
peak_total_pss_mb, sampler_cpu_seconds (the sampler's own CPU time: its overhead) and processes (pid,
rank from OMPI_COMM_WORLD_RANK where readable, argv, peak_pss_mb).
Sizes are in MiB (1024 * 1024 bytes), as hypergrid's peak_memory_mb.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

INTERPRETERS = ("python", "perl", "ruby", "node", "bash", "sh")


def read_text(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:  # the process is gone, or not ours
        return None


def process_table():
    """{pid: parent pid} of every process visible in /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read_text(f"/proc/{entry}/stat")
        if stat is None:
            continue
        # pid (comm) state ppid ...: comm may contain spaces and parentheses, so split after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
    return parents


def descendants(root, parents):
    """The pids below root in the process tree."""
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def argv_of(pid):
    raw = read_text(f"/proc/{pid}/cmdline", "rb")
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a] if raw else []


def matches(pid, name):
    comm = (read_text(f"/proc/{pid}/comm") or "").strip()
    argv = argv_of(pid)
    if not argv:
        return False, argv
    program = os.path.basename(argv[0])
    if comm == name[:15] or program == name:  # comm is truncated to 15 characters
        return True, argv
    if comm.startswith(INTERPRETERS) or program.startswith(INTERPRETERS):
        # the script is the first argument that is not an option (python3 -u script.py ...); the arguments
        # after it are the script's, and may name the program it launches (bash scripts/mpirun.sh ... hypergrid)
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        return script is not None and os.path.basename(script) == name, argv
    return False, argv


def pss_kib(pid):
    rollup = read_text(f"/proc/{pid}/smaps_rollup")
    if rollup is None:
        return None
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return None


def mpi_rank(pid):
    environ = read_text(f"/proc/{pid}/environ", "rb")
    if not environ:
        return None
    for item in environ.split(b"\0"):
        if item.startswith(b"OMPI_COMM_WORLD_RANK="):
            return int(item.split(b"=", 1)[1])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--match", required=True, help="process name to watch (see above)")
    parser.add_argument("--out", help="file for the JSON line (default: stdout)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between samples (default 0.1)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command args...")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (pss_sampler.py --match NAME -- command args...)")

    started = time.perf_counter()
    child = subprocess.Popen(command)
    finished = threading.Event()
    ended = []

    def waiter():
        child.wait()
        ended.append(time.perf_counter())
        finished.set()

    threading.Thread(target=waiter, daemon=True).start()

    peaks = {}  # pid -> {"pid", "rank", "argv", "peak_pss_mb"}
    peak_total_kib = 0
    samples = 0
    try:
        while True:
            total = 0
            for pid in [child.pid] + descendants(child.pid, process_table()):
                ok, argv = matches(pid, args.match)
                if not ok:
                    continue
                kib = pss_kib(pid)
                if kib is None:
                    continue
                total += kib
                record = peaks.get(pid)
                if record is None:
                    record = peaks[pid] = {"pid": pid, "rank": mpi_rank(pid), "argv": argv, "peak_pss_kib": 0}
                record["peak_pss_kib"] = max(record["peak_pss_kib"], kib)
            peak_total_kib = max(peak_total_kib, total)
            samples += 1
            if finished.wait(args.interval):
                break
    except KeyboardInterrupt:  # the child got the same SIGINT (same process group); report what was seen
        finished.wait()

    code = child.returncode
    if code < 0:
        code = 128 - code
    processes = sorted(peaks.values(), key=lambda p: (p["rank"] is None, p["rank"] or 0, p["pid"]))
    for p in processes:
        p["peak_pss_mb"] = round(p.pop("peak_pss_kib") / 1024, 1)
    report = {
        "command": command,
        "match": args.match,
        "exit_code": code,
        "wall_seconds": round(ended[0] - started, 3),
        "interval_seconds": args.interval,
        "samples": samples,
        "peak_total_pss_mb": round(peak_total_kib / 1024, 1),
        "sampler_cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 3),
        "processes": processes,
    }
    line = json.dumps(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(line + "\n")
    else:
        print(line, flush=True)
    if not processes:
        print(f"pss_sampler: no process matching {args.match!r} was seen", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
