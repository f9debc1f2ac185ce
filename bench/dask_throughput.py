"""Throughput of agr from Python and on Dask, against `agr run`, on one synthetic LBP corpus.

    PYTHONPATH=build/python /usr/bin/python3 bench/dask_throughput.py [--courses N] [--build DIR]

Rows (medians of --rounds runs):
  agr run                      the command line, one thread, output to /dev/null
  Agreement.run, jobs=1        the Python module in-process, one thread (lines in a list)
  agr.dask.run, W workers      a LocalCluster of W single-threaded worker processes, reading the
                               corpus in 4 MiB blocks and writing the verdicts to a file in order
Each row gives wall-clock rates and CPU rates: events per CPU second of the processes that do the
work (for Dask, the workers, and separately everything: workers, scheduler and client). On a
shared machine the CPU rates are what one core delivers, whatever else runs; the wall-clock
rates include the waiting. docs/integrating.md quotes a run of this.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from dask.distributed import Client, LocalCluster

import agr
import agr.dask


def cpu_seconds(processes):
    """User + system CPU seconds of this process, its finished children, and `processes`
    (psutil-free: /proc/PID/stat, in clock ticks)."""
    own = os.times()
    total = own.user + own.system + own.children_user + own.children_system
    for pid in processes:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(rounds, work, processes=()):
    """Medians of wall seconds, CPU seconds of everything, and CPU seconds of `processes` alone."""
    walls, cpus, workers = [], [], []
    for _ in range(rounds):
        wall, cpu, worker = time.perf_counter(), cpu_seconds(processes), cpu_seconds(processes) - cpu_seconds(())
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds(processes) - cpu)
        workers.append(cpu_seconds(processes) - cpu_seconds(()) - worker)
    return statistics.median(walls), statistics.median(cpus), statistics.median(workers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--courses", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", default="build")
    parser.add_argument("--source", default=os.path.join(os.path.dirname(__file__), ".."))
    args = parser.parse_args()

    tool = os.path.join(args.build, "agr")
    with tempfile.TemporaryDirectory() as work:
        corpus, agrc, out = (os.path.join(work, name) for name in ("corpus.jsonl", "lbp.agrc", "out.jsonl"))
        with open(corpus, "wb") as f:
            subprocess.run([os.path.join(args.build, "bench", "agr_gen_histories"), "--courses", str(args.courses),
                            "--seed", "42"], stdout=f, stderr=subprocess.DEVNULL, check=True)
        subprocess.run([tool, "compile", os.path.join(args.source, "agreements", "lbp.agr"), "-o", agrc], check=True)
        agreement = agr.Agreement(agrc)
        with open(corpus, "rb") as f:
            lines = f.readlines()
        events = sum(line.count(b'"code"') for line in lines)
        size = os.path.getsize(corpus)
        print(f"corpus: {len(lines):,} courses, {events:,} events, {size / 1e6:.1f} MB (seed 42); "
              f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
        print(f"{'row':30} {'wall s':>7} {'events/s':>10} {'CPU s':>7} {'events/CPU s':>13} "
              f"{'workers CPU s':>13} {'events/worker CPU s':>19}")

        def row(name, measured):
            wall, cpu, workers = measured
            line = f"{name:30} {wall:7.3f} {events / wall:10,.0f} {cpu:7.3f} {events / cpu:13,.0f}"
            if workers:
                line += f" {workers:13.3f} {events / workers:19,.0f}"
            print(line)

        def agr_run():
            with open(os.devnull, "wb") as sink:
                subprocess.run([tool, "run", "--jobs", "1", agrc, corpus], stdout=sink, check=True)

        row("agr run", measure(args.rounds, agr_run))
        row("Agreement.run, jobs=1", measure(args.rounds, lambda: agreement.run(lines, jobs=1)))
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                pids = list(client.run(os.getpid).values())
                agr.dask.run(corpus, agrc, output=out, blocksize="4MiB")  # warm: workers load agr
                measured = measure(args.rounds, lambda: agr.dask.run(corpus, agrc, output=out, blocksize="4MiB"),
                                   pids)
            row(f"agr.dask.run, {workers} worker{'s' if workers > 1 else ''}", measured)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
