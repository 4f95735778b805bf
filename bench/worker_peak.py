#!/usr/bin/env python3
"""Runs a command and reports the peak RSS (VmHWM) of its forager workers.

    worker_peak.py OUT.json -- CMD ARGS...

Polls /proc every 20 ms for descendants of the command whose first argument
is "__worker" (a forager worker after exec) and keeps each one's last VmHWM
from /proc/PID/status: the kernel's high-water mark of the process's resident
set, so the last value read before the worker exits is its peak. Writes
{"workers": {pid: kB}, "max_worker_hwm_kb": kB, "exit": status} to OUT.json.
"""
import json
import os
import subprocess
import sys
import time


def descendants(root):
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
            ppid = int(data[data.rindex(b")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(name))
        except (OSError, ValueError):
            pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for kid in kids.get(pid, []):
            out.append(kid)
            todo.append(kid)
    return out


def worker_hwm(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
        if len(args) < 2 or args[1] != b"__worker":
            return None
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    out_path = sys.argv[1]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proc = subprocess.Popen(cmd)
    peaks = {}
    while proc.poll() is None:
        for pid in descendants(proc.pid):
            hwm = worker_hwm(pid)
            if hwm is not None:
                peaks[pid] = max(peaks.get(pid, 0), hwm)
        time.sleep(0.02)
    result = {"workers": peaks, "max_worker_hwm_kb": max(peaks.values(), default=0), "exit": proc.returncode}
    with open(out_path, "w") as f:
        json.dump(result, f)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
