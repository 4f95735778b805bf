#!/usr/bin/env python3
"""Runs a command under GNU time and samples its whole process tree.

    peak_rss.py [--interval 0.1] [--timeout SECONDS] [--series FILE] [--root-name NAME]
                [--stdout FILE] [--stderr FILE] OUT.json -- CMD ARGS...

GNU time (/usr/bin/time) gives wall, user and system CPU seconds of the command
and its waited-for children, and %M: the max RSS of the *largest single*
process. This helper additionally walks /proc every --interval seconds, finds
every descendant of the command (coordinator + workers, children of children,
...), and records the peak of the SUM of their VmRSS, and of the sum of their
PSS (/proc/PID/smaps_rollup: shared pages split between the sharers, so pages
shared after fork() are not counted twice). The `time` process itself is not
counted.

--series FILE writes one CSV line per sample: seconds, Unix time, processes, tree RSS KB,
RSS KB of the first process named --root-name (e.g. the coordinator).
--per-process FILE writes one CSV line per process per sample: seconds, pid, parent pid,
name, its first argument, VmRSS KB (for bench/soak.sh: every worker generation is seen;
a forager worker's first argument is "__worker" once it has exec'd).
--timeout kills the tree (SIGTERM, then SIGKILL after 10 s) when it runs too long.
Writes OUT.json; exits with the command's exit status (124 on timeout).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: the ppid follows the last ')'.
        rest = data[data.rindex(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def descendants(root):
    kids = children_map()
    out, stack = [], list(kids.get(root, []))
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, []))
    return out


def status_of(pid):
    rss, name, ppid = 0, "", 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Name:"):
                    name = line.split()[1]
                elif line.startswith("PPid:"):
                    ppid = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    break
    except OSError:
        pass
    return name, rss, ppid


def first_arg(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
        return args[1].decode("utf-8", "replace") if len(args) > 1 else ""
    except OSError:
        return ""


def pss_of(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit(__doc__)
    cut = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--series")
    ap.add_argument("--per-process")
    ap.add_argument("--root-name")
    ap.add_argument("--stdout")
    ap.add_argument("--stderr")
    ap.add_argument("out")
    args = ap.parse_args(argv[:cut])
    cmd = argv[cut + 1:]
    tfile = args.out + ".time"
    fmt = "%e %U %S %M"
    stdout = open(args.stdout, "w") if args.stdout else None
    stderr = open(args.stderr, "w") if args.stderr else None
    proc = subprocess.Popen(["/usr/bin/time", "-f", fmt, "-o", tfile] + cmd, start_new_session=True,
                            stdout=stdout, stderr=stderr)
    series = open(args.series, "w") if args.series else None
    if series:
        series.write("seconds,epoch,processes,tree_rss_kb,root_rss_kb\n")
    per_process = open(args.per_process, "w") if args.per_process else None
    if per_process:
        per_process.write("seconds,pid,ppid,name,arg1,rss_kb\n")
    start = time.monotonic()
    peak_rss = peak_pss = peak_procs = samples = 0
    timed_out = False
    next_pss = 0.0
    while proc.poll() is None:
        now = time.monotonic() - start
        if now > args.timeout and not timed_out:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)
            kill_at = now + 10
        if timed_out and now > kill_at:
            os.killpg(proc.pid, signal.SIGKILL)
        pids = descendants(proc.pid)
        total = root_rss = 0
        for pid in pids:
            name, rss, ppid = status_of(pid)
            total += rss
            if per_process and rss:
                arg = first_arg(pid).replace(",", " ")[:40]
                per_process.write("%.1f,%d,%d,%s,%s,%d\n" % (now, pid, ppid, name, arg, rss))
            if args.root_name and name == args.root_name and not root_rss:
                root_rss = rss
        samples += 1
        if total > peak_rss:
            peak_rss = total
        peak_procs = max(peak_procs, len(pids))
        # PSS is dearer to read (smaps_rollup walks the mappings): every 0.5 s
        # and whenever the RSS sum reaches a new peak.
        if total >= peak_rss or now >= next_pss:
            next_pss = now + 0.5
            peak_pss = max(peak_pss, sum(pss_of(p) for p in pids))
        if series:
            series.write("%.2f,%.2f,%d,%d,%d\n" % (now, time.time(), len(pids), total, root_rss))
        time.sleep(args.interval)
    code = proc.wait()
    if series:
        series.close()
    if per_process:
        per_process.close()
    result = {"command": cmd, "exit": code, "timed_out": timed_out, "samples": samples,
              "peak_tree_rss_kb": peak_rss, "peak_tree_pss_kb": peak_pss, "peak_processes": peak_procs}
    try:
        with open(tfile) as f:
            last = f.read().strip().splitlines()[-1].split()
        result.update(wall_s=float(last[0]), user_s=float(last[1]), sys_s=float(last[2]),
                      max_single_rss_kb=int(last[3]))
    except (OSError, IndexError, ValueError):
        result.update(wall_s=time.monotonic() - start)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    sys.exit(124 if timed_out else code)


if __name__ == "__main__":
    main()
