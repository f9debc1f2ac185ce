"""Judges a corpus of course histories on a Dask cluster and writes the verdicts, in input order,
byte for byte what `agr run` writes.

    /usr/bin/python3 examples/python/dask_run.py AGREEMENT HISTORIES OUTPUT [SCHEDULER]

Without SCHEDULER, a LocalCluster of two worker processes on this machine; with one (for example
tcp://10.0.0.5:8786, a `dask-scheduler` with `dask-worker`s on other machines), the same code runs
there. HISTORIES may be a glob (claims/*.jsonl); it and OUTPUT are paths this program reads and
writes, while the workers get the agreement as bytecode and the histories in blocks.
"""
import sys

from dask.distributed import Client, LocalCluster

import agr.dask


def main(agreement, histories, output, scheduler=None):
    cluster = LocalCluster(n_workers=2, threads_per_worker=1) if scheduler is None else None
    with Client(scheduler or cluster):
        lines, errors = agr.dask.run(histories, agreement, output=output, blocksize="32MiB")
    if cluster is not None:
        cluster.close()
    print(f"{lines} histories judged ({errors} error lines); verdicts in {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
