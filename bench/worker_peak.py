#!/usr/bin/env python3
"""Runs a command and reports the peak RSS (VmHWM) of its forager workers.

    worker_peak.py OUT.json -- CMD ARGS...

Looks in /proc every 4 ms for descendants of the command whose first
argument is "__worker" (a forager worker after exec), and reads each known
worker's VmHWM from /proc/PID/status every 2 ms (through a descriptor kept
open): the kernel's high-water mark of the process's resident set, so the
last value read before the worker exits is its peak. (Reading every 20 ms
missed the end of short-lived workers: a base crawl read 7 MB once in a
series of 15 MB.) Writes
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


def open_worker_status(pid):
    """A descriptor on /proc/PID/status when PID is a forager worker, else None."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
        if len(args) < 2 or args[1] != b"__worker":
            return None
        return os.open("/proc/%d/status" % pid, os.O_RDONLY)
    except OSError:
        return None


def read_hwm(fd):
    """VmHWM in kB from an open status descriptor; None once the process is gone."""
    try:
        data = os.pread(fd, 8192, 0)
    except OSError:
        return None
    at = data.find(b"VmHWM:")
    if at < 0:
        return None  # a zombie: its memory is gone
    return int(data[at + 6:data.index(b"kB", at)])


def main():
    out_path = sys.argv[1]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proc = subprocess.Popen(cmd)
    peaks, fds, seen, tick = {}, {}, set(), 0
    while proc.poll() is None:
        if tick % 2 == 0:
            for pid in descendants(proc.pid):
                if pid not in seen:
                    fd = open_worker_status(pid)
                    if fd is not None:
                        seen.add(pid)
                        fds[pid] = fd
        for pid, fd in list(fds.items()):
            hwm = read_hwm(fd)
            if hwm is None:
                os.close(fd)
                del fds[pid]
            else:
                peaks[pid] = max(peaks.get(pid, 0), hwm)
        tick += 1
        time.sleep(0.002)
    for fd in fds.values():
        os.close(fd)
    result = {"workers": peaks, "max_worker_hwm_kb": max(peaks.values(), default=0), "exit": proc.returncode}
    with open(out_path, "w") as f:
        json.dump(result, f)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
