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

# Per worker process: the agreements (a set of one or more) by the hash of their bytecode, loaded
# on first use.
_judges = {}


def _judge(bytecodes):
    """The core that judges with the agreements of `bytecodes` (a tuple of .agrc bytes)."""
    key = hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in bytecodes)).digest()
    judge = _judges.get(key)
    if judge is None:
        judge = _judges[key] = agr.AgreementSet([agr.Agreement.from_bytecode(b) for b in bytecodes])._set
    return judge


def _evaluate_block(block, bytecodes, as_of):
    """A block of a file (whole lines, as bytes), on a worker, split as `agr run` splits: at each
    newline. Its output (bytes) with error objects numbered from the block's first line (the
    client numbers them again), its number of lines, and its bad lines."""
    out, errors, count = _judge(bytecodes).run_block(block, as_of, 1, 1)
    lines = block.split(b"\n") if errors else []
    return out, count, [(i, lines[i]) for i in errors]


def _evaluate_lines(lines, bytecodes, as_of):
    """A partition of a bag of lines (str or bytes), on a worker: as _evaluate_block, over the
    lines joined (each without its line break, if it had one)."""
    block = bytearray()
    for line in lines:
        line = line.encode("utf-8") if isinstance(line, str) else bytes(line)
        block += line if line.endswith(b"\n") else line + b"\n"
    return _evaluate_block(bytes(block), bytecodes, as_of)


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
    agreement  the path of an .agr or .agrc file, an agr.Agreement, or several agreements (an
               agr.AgreementSet, or a list of paths or Agreements): each history is then judged
               by the agreement its `agreement` field names, as `agr run A B ...` judges
    as_of      the evaluation date for due items ('YYYY-MM-DD' or a date), as `agr run --as-of`
    output     a path: the verdicts are written there in input order, and the numbers of lines
               and of error lines are returned as a pair; None: the verdict lines are returned
               as a list
    client     a distributed.Client; by default the current one, or else Dask's local scheduler
    window     partitions computed ahead of the one being written (default: twice the workers'
               threads): bounds the memory the results take while they wait for their turn

    Error lines are numbered over the whole input, as `agr run` numbers them.
    """
    if isinstance(agreement, (list, tuple)):
        agreement = agr.AgreementSet(agreement)
    elif not isinstance(agreement, (agr.Agreement, agr.AgreementSet)):
        agreement = agr.Agreement(agreement)
    as_of = agr._date(as_of)
    members = agreement.agreements if isinstance(agreement, agr.AgreementSet) else (agreement,)
    bytecodes = tuple(a.bytecode() for a in members)
    if isinstance(source, dask.bag.Bag):
        parts = [dask.delayed(_evaluate_lines)(p, bytecodes, as_of) for p in source.to_delayed()]
    else:  # bytes, never decoded here: a line that is not UTF-8 is an error line, as in agr run
        _, blocks = dask.bytes.read_bytes(source, delimiter=b"\n", blocksize=blocksize, sample=False)
        parts = [dask.delayed(_evaluate_block)(b, bytecodes, as_of) for file in blocks for b in file]

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
                    out[i] = agreement._set.run_block(line + b"\n", as_of, 1, lines + i + 1)[0][:-1]
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
