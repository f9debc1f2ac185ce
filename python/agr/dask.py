"""agr.dask: a corpus of course histories judged on a Dask cluster.

Histories are independent, so a region's whole claims history splits into partitions that Dask's
workers evaluate in parallel, on one machine or many. The agreement is loaded once on the client
(a source is compiled there) and travels to the workers as bytecode, so workers need neither the
agreement's file nor the compiler; each worker process loads it once and keeps it. The verdicts
come back in input order, byte for byte what ``agr run`` writes for the same input.

    from dask.distributed import Client
    import agr.dask
    with Client("tcp://scheduler:8786"):            # or Client(LocalCluster(...)), or none
        agr.dask.run("claims/*.jsonl", "lbp.agrc", output="verdicts.jsonl")
"""

import collections
import hashlib

import dask
import dask.bag
import dask.bytes

import agr

__all__ = ["run"]

# Per worker process: agreements by the hash of their bytecode, loaded on first use.
_agreements = {}


def _agreement(bytecode):
    key = hashlib.sha256(bytecode).digest()
    agreement = _agreements.get(key)
    if agreement is None:
        agreement = _agreements[key] = agr.Agreement.from_bytecode(bytecode)
    return agreement


def _evaluate_block(block, bytecode, as_of):
    """A block of a file (whole lines, as bytes), on a worker, split as `agr run` splits: at each
    newline. Its output (bytes) with error objects numbered from the block's first line (the
    client numbers them again), its number of lines, and its bad lines."""
    out, errors, count = _agreement(bytecode)._core.run_block(block, as_of, 1)
    lines = block.split(b"\n") if errors else []
    return out, count, [(i, lines[i]) for i in errors]


def _evaluate_lines(lines, bytecode, as_of):
    """A partition of a bag of lines (str or bytes), on a worker: as _evaluate_block."""
    lines = list(lines)
    out, errors = _agreement(bytecode)._core.run(lines, as_of, 1, 1)
    return "".join(out).encode("utf-8"), len(lines), [(i, lines[i]) for i in errors]


def _results_in_order(parts, client, window):
    """Each partition's result, in order, with at most `window` partitions computed ahead."""
    if client is None:
        for begin in range(0, len(parts), window):
            for result in dask.compute(*parts[begin:begin + window]):
                yield result
        return
    pending = collections.deque()
    for part in parts:
        pending.append(client.compute(part))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def run(source, agreement, *, as_of=None, output=None, blocksize="64MiB", client=None, window=None):
    """Judges every history in `source` with `agreement` on a Dask cluster.

    source     a path or glob of JSON Lines files, read in partitions of `blocksize` bytes (one
               input, its files in name order, lines numbered over all of them), or a
               dask.bag.Bag of JSON lines (str or bytes)
    agreement  the path of an .agr or .agrc file, or an agr.Agreement
    as_of      the evaluation date for due items ('YYYY-MM-DD' or a date), as `agr run --as-of`
    output     a path: the verdicts are written there in input order, and the numbers of lines
               and of error lines are returned as a pair; None: the verdict lines are returned
               as a list
    client     a distributed.Client; by default the current one, or else Dask's local scheduler
    window     partitions computed ahead of the one being written (default: twice the workers'
               threads): bounds the memory the results take while they wait for their turn

    Error lines are numbered over the whole input, as `agr run` numbers them.
    """
    if not isinstance(agreement, agr.Agreement):
        agreement = agr.Agreement(agreement)
    as_of = agr._date(as_of)
    bytecode = agreement.bytecode()
    if isinstance(source, dask.bag.Bag):
        parts = [dask.delayed(_evaluate_lines)(p, bytecode, as_of) for p in source.to_delayed()]
    else:  # bytes, never decoded here: a line that is not UTF-8 is an error line, as in agr run
        _, blocks = dask.bytes.read_bytes(source, delimiter=b"\n", blocksize=blocksize, sample=False)
        parts = [dask.delayed(_evaluate_block)(b, bytecode, as_of) for file in blocks for b in file]

    if client is None:
        try:
            from distributed import default_client
            client = default_client()
        except (ImportError, ValueError):
            client = None
    if window is None:
        threads = sum(client.nthreads().values()) if client is not None else 2
        window = max(2, 2 * threads)

    lines = errors = 0
    collected = [] if output is None else None
    sink = open(output, "wb") if output is not None else None
    try:
        for out, count, bad in _results_in_order(parts, client, window):
            if bad:  # numbered over the whole input, as agr run numbers them
                out = out.split(b"\n")  # a verdict line holds no raw newline: JSON escapes it
                for i, line in bad:
                    out[i] = agreement._core.run([line], as_of, 1, lines + i + 1)[0][0][:-1].encode("utf-8")
                out = b"\n".join(out)
            lines += count
            errors += len(bad)
            if sink is not None:
                sink.write(out)
            else:
                collected += [line + "\n" for line in out.decode("utf-8").split("\n")[:-1]]
    finally:
        if sink is not None:
            sink.close()
    return collected if output is None else (lines, errors)
