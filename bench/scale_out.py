#!/usr/bin/env python3
"""One round of bench/scale-out.sh: the bench site crawled by forager on SQLite
and by 1, 2 and 3 members sharing one PostgreSQL server, measured alike.

    scale_out.py --forager BIN --base URL --site-list FILE --out DIR --pg-socket DIR
                 --pg-data DIR --round N [--members 0,1,2,3] [--workers W] [--timeout S]
                 [--compare BIN]

Members "0" is forager on a SQLite file; "cN" is N members of the --compare
binary (another build, crawled in the same round). For each configuration it
writes OUT/so-rROUND-mMEMBERS.json (so-rROUND-mcN.json for --compare):
  pages, wall_s, pages_per_s      the run's records; first start to last exit
  forager_cpu_s                   user+sys of every forager process (members
                                  and their workers: wait4 of each member)
  server_cpu_s                    user+sys of the PostgreSQL server over the
                                  crawl: the postmaster, its live children, and
                                  its finished children (cutime+cstime)
  statements, rows                pg_stat_statements calls and rows of the
                                  crawl's database (statements, not round
                                  trips: forager sends a transaction's
                                  statements in libpq pipelines)
  xact_commit, tup_*              pg_stat_database of the crawl's database
  frontier_updates, frontier_hot_updates
                                  rows of forager.frontier updated, and how
                                  many of those updates were HOT (no index
                                  entry written)
  server_by_process               the server's CPU seconds and minor page
                                  faults by kind of process, sampled every
                                  50 ms during the crawl (ServerSampler)
  ok                              bench/verify.py on the run's export
A fresh database (or SQLite file) per configuration. The queries of this
script run in the `postgres` database, so they are not counted.
"""
import argparse
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))


def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on


def children(parent):
    """(pid, stat fields) of each live child of `parent`."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            c = stat_fields(int(name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if int(c[1]) == parent:
            yield int(name), c


def server_cpu_s(postmaster):
    """CPU seconds of the server: the postmaster (its own and its finished
    children's) and every live child's."""
    f = stat_fields(postmaster)
    ticks = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    for _, c in children(postmaster):
        ticks += int(c[11]) + int(c[12])
    return ticks / TICK


class ServerSampler:
    """The server's children sampled during a crawl (every ~50 ms): CPU seconds
    and minor page faults by kind of process (the member's backends,
    autovacuum, walwriter, checkpointer, ...). A child's last < 50 ms before
    it exits is missed, and a child that lives shorter than that is not seen."""

    def __init__(self, postmaster):
        self.postmaster = postmaster
        self.last = {}  # pid -> (kind, ticks, minflt) when last seen
        self.sample()
        self.baseline = dict(self.last)  # alive before the crawl: count only its growth

    @staticmethod
    def kind(pid):
        try:
            title = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            return None
        title = title.removeprefix("postgres: ")
        if title.startswith("autovacuum"):
            return "autovacuum"
        if "[local]" in title or "@" in title or title.startswith("postgres bench_"):
            return "backend"
        return title.split(" ")[0] or "other"

    def sample(self):
        for pid, c in children(self.postmaster):
            kind = self.last[pid][0] if pid in self.last else self.kind(pid)
            if kind is None:
                continue
            self.last[pid] = (kind, int(c[11]) + int(c[12]), int(c[7]))

    def by_kind(self):
        out = {}
        for pid, (kind, ticks, minflt) in self.last.items():
            base = self.baseline.get(pid, (kind, 0, 0))
            entry = out.setdefault(kind, {"cpu_s": 0.0, "minflt": 0, "processes": 0})
            entry["cpu_s"] = round(entry["cpu_s"] + (ticks - base[1]) / TICK, 3)
            entry["minflt"] += minflt - base[2]
            entry["processes"] += 1
        return out


def psql(socket, db, sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", socket, "-U", "postgres", "-d", db, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return out.strip()


def db_stats(socket, db):
    row = psql(socket, "postgres",
               "SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted "
               "FROM pg_stat_database WHERE datname = '%s'" % db)
    keys = ["xact_commit", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated", "tup_deleted"]
    return dict(zip(keys, (int(x) for x in row.split("|"))))


def statements(socket, db):
    row = psql(socket, "postgres",
               "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0) FROM pg_stat_statements "
               "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '%s')" % db)
    calls, rows = row.split("|")
    return int(calls), int(rows)


def top_statements(socket, db, n=12):
    """The statements that took the server's time, most first: calls, rows,
    total ms executing, ms planning, ms of JIT compiling, the query's first 70 characters."""
    rows = psql(socket, "postgres",
                "SELECT calls, rows, round(total_exec_time::numeric, 1), round(total_plan_time::numeric, 1), "
                "round((jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time)::numeric, 1), "
                "replace(left(regexp_replace(query, '\\s+', ' ', 'g'), 70), '|', '/') FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '%s') "
                "ORDER BY total_exec_time + total_plan_time DESC LIMIT %d" % (db, n))
    out = []
    for line in rows.splitlines():
        calls, nrows, ms, plan_ms, jit_ms, query = line.split("|", 5)
        out.append({"calls": int(calls), "rows": int(nrows), "ms": float(ms), "plan_ms": float(plan_ms),
                    "jit_ms": float(jit_ms), "query": query})
    return out


def crawl(args, members, db_arg, binary, name, sampler=None):
    cmd = [binary, "crawl", args.base + "/index.html", "--db", db_arg, "--workers", str(args.workers),
           "--concurrency", "32", "--per-host", "64", "--quiet"]
    start = time.monotonic()
    procs = []
    for i in range(max(members, 1)):
        log = open(os.path.join(args.out, "%s-%d.log" % (name, i)), "w")
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log))
    cpu, codes = 0.0, []
    pending = {p.pid: p for p in procs}
    deadline = start + args.timeout
    next_sample = start
    while pending:
        if sampler and time.monotonic() >= next_sample:
            sampler.sample()
            next_sample = time.monotonic() + 0.05
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            if time.monotonic() > deadline:
                for p in pending.values():
                    p.kill()
            time.sleep(0.01)
            continue
        if pid in pending:
            del pending[pid]
            cpu += usage.ru_utime + usage.ru_stime
            codes.append(os.waitstatus_to_exitcode(status))
    return time.monotonic() - start, cpu, codes


def run_config(args, config):
    compare = config.startswith("c")
    members = int(config[1:] if compare else config)
    binary = args.compare if compare else args.forager
    name = "so-r%d-m%s" % (args.round, config)
    result = {"round": args.round, "members": members, "store": "sqlite" if members == 0 else "postgresql",
              "binary": "compare" if compare else "forager", "forager": binary,
              "workers_per_member": args.workers, "load_before": open("/proc/loadavg").read().split()[:3]}
    if members == 0:
        db_arg = os.path.join(args.out, name + ".db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_arg + suffix):
                os.remove(db_arg + suffix)
        wall, cpu, codes = crawl(args, 0, db_arg, binary, name)
    else:
        db = "bench_" + name.replace("-", "_")
        psql(args.pg_socket, "postgres", "DROP DATABASE IF EXISTS %s" % db)
        psql(args.pg_socket, "postgres", "CREATE DATABASE %s" % db)
        db_arg = "postgresql://postgres@/%s?host=%s" % (db, args.pg_socket)
        postmaster = int(open(os.path.join(args.pg_data, "postmaster.pid")).readline())
        psql(args.pg_socket, "postgres", "SELECT pg_stat_statements_reset()")
        stats_before = db_stats(args.pg_socket, db)
        cpu_before = server_cpu_s(postmaster)
        sampler = ServerSampler(postmaster)
        wall, cpu, codes = crawl(args, members, db_arg, binary, name, sampler)
        result["server_by_process"] = sampler.by_kind()
        time.sleep(1.0)  # the backends' exit reaches the postmaster's cutime; the stats collector flushes
        result["server_cpu_s"] = round(server_cpu_s(postmaster) - cpu_before, 3)
        after = db_stats(args.pg_socket, db)
        for k, v in after.items():
            result[k] = v - stats_before[k]
        result["statements"], result["rows"] = statements(args.pg_socket, db)
        result["top_statements"] = top_statements(args.pg_socket, db)
        result["frontier_updates"], result["frontier_hot_updates"] = (int(x) for x in psql(
            args.pg_socket, db, "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE schemaname = 'forager' AND relname = 'frontier'").split("|"))
    result["load_after"] = open("/proc/loadavg").read().split()[:3]
    result["exit_codes"] = codes
    result["wall_s"] = round(wall, 3)
    result["forager_cpu_s"] = round(cpu, 3)
    export = os.path.join(args.out, name + ".jsonl")
    subprocess.run([args.forager, "export", "--db", db_arg, "--format", "jsonl", "-o", export], check=True,
                   stderr=subprocess.DEVNULL)
    verify_out = os.path.join(args.out, name + ".verify.json")
    subprocess.run([sys.executable, os.path.join(HERE, "verify.py"), name, export, args.site_list, args.base,
                    verify_out])
    v = json.load(open(verify_out))
    result["ok"] = v["ok"] and all(c == 0 for c in codes)
    result["pages"] = v["records"]
    result["pages_per_s"] = round(v["records"] / wall, 1)
    os.remove(export)
    if members > 0:
        psql(args.pg_socket, "postgres", "DROP DATABASE %s" % ("bench_" + name.replace("-", "_")))
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    print("%s: %d pages in %.1f s = %.0f pages/s, forager CPU %.1f s, server CPU %s s, statements %s -> %s"
          % (name, result["pages"], wall, result["pages_per_s"], cpu, result.get("server_cpu_s", "-"),
             result.get("statements", "-"), "OK" if result["ok"] else "NOT OK"), file=sys.stderr)


def main():
    p = argparse.ArgumentParser()
    for opt in ("--forager", "--base", "--site-list", "--out", "--pg-socket", "--pg-data"):
        p.add_argument(opt, required=True)
    p.add_argument("--round", type=int, required=True)
    p.add_argument("--members", default="0,1,2,3")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--compare")
    args = p.parse_args()
    for config in args.members.split(","):
        if config.startswith("c") and not args.compare:
            p.error("--members %s needs --compare" % config)
        run_config(args, config)


if __name__ == "__main__":
    main()
