"""Throughput of agr from Python and on Dask, against `agr run`, on one synthetic LBP corpus.

    PYTHONPATH=build/python /usr/bin/python3 bench/dask_throughput.py [--courses N] [--build DIR]

Rows (medians of --rounds runs, wall clock, output to a file or discarded as each one does):
  agr run                      the command line, one thread, output to /dev/null
  Agreement.run, jobs=1        the Python module in-process, one thread (lines in a list)
  agr.dask.run, W workers      a LocalCluster of W single-threaded worker processes, reading the
                               corpus in 16 MiB blocks and writing the verdicts to a file in order
Per core is the rate divided by the threads that evaluate (W for Dask); the client that writes
the file in order runs on the same machine. docs/integrating.md quotes a run of this.
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


def median_seconds(rounds, work):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        print(f"{'row':34} {'seconds':>8} {'courses/s':>10} {'events/s':>10} {'events/s/core':>14}")

        def row(name, seconds, cores):
            print(f"{name:34} {seconds:8.3f} {len(lines) / seconds:10,.0f} {events / seconds:10,.0f} "
                  f"{events / seconds / cores:14,.0f}")

        def agr_run():
            with open(os.devnull, "wb") as sink:
                subprocess.run([tool, "run", agrc, corpus], stdout=sink, check=True)

        row("agr run", median_seconds(args.rounds, agr_run), 1)
        row("Agreement.run, jobs=1", median_seconds(args.rounds, lambda: agreement.run(lines, jobs=1)), 1)
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                    Client(cluster):
                agr.dask.run(corpus, agrc, output=out, blocksize="16MiB")  # warm: workers load agr
                seconds = median_seconds(args.rounds,
                                         lambda: agr.dask.run(corpus, agrc, output=out, blocksize="16MiB"))
            row(f"agr.dask.run, {workers} worker{'s' if workers > 1 else ''}", seconds, workers)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
