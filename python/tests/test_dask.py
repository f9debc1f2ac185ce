"""agr.dask on a LocalCluster of two worker processes: a generated corpus with bad lines spread
over its partitions gives, byte for byte, what `agr run` writes for the same file.

Run by CTest (python/CMakeLists.txt); AGR_GEN_HISTORIES is the corpus generator (bench/).
"""
import importlib.util
import os
import subprocess
import unittest

import dask.bag
from dask.distributed import Client, LocalCluster

import agr
import agr.dask

SOURCE = os.environ["AGR_SOURCE_DIR"]
TOOL = os.environ["AGR_TOOL"]
WORK = os.environ["AGR_WORK_DIR"]
LBP = os.path.join(SOURCE, "agreements", "lbp.agr")
STE = os.path.join(SOURCE, "agreements", "ste.agr")
STE_EXAMPLES = os.path.join(SOURCE, "examples", "histories", "ste.jsonl")
BAD_LINES = [b'{"id": "bad-1"', b"", b'{"id": "c-x", "referral_date": "2025-02-30", "events": []}',
             b"\xff\xfe not UTF-8", b'["not", "an", "object"]']


def agr_run(agreement, path, *options):
    result = subprocess.run([TOOL, "run", agreement, path, *options], stdout=subprocess.PIPE, check=False)
    assert result.returncode in (0, 1), result
    return result.stdout


def read_lines(path):
    with open(path, "rb") as f:
        return f.readlines()


class DaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        corpus = subprocess.run([os.environ["AGR_GEN_HISTORIES"], "--courses", "3000", "--seed", "11",
                                 "--min-events", "2", "--max-events", "12"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        lines = corpus.splitlines(keepends=True)
        for n, bad in enumerate(BAD_LINES):  # one in each stretch of the corpus
            lines.insert(1 + n * len(lines) // len(BAD_LINES), bad + b"\n")
        cls.corpus = os.path.join(WORK, "corpus.jsonl")
        with open(cls.corpus, "wb") as f:
            f.writelines(lines)
        cls.agrc = os.path.join(WORK, "lbp.agrc")
        subprocess.run([TOOL, "compile", LBP, "-o", cls.agrc], check=True)
        cls.expected = agr_run(cls.agrc, cls.corpus)
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        cls.client = Client(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()

    def test_file_to_file_in_order(self):
        output = os.path.join(WORK, "verdicts.jsonl")
        # about 20 partitions, computed at most 3 ahead of the one being written
        lines, errors = agr.dask.run(self.corpus, self.agrc, output=output, blocksize="100KiB", window=3)
        self.assertEqual((lines, errors), (self.expected.count(b"\n"), len(BAD_LINES)))
        with open(output, "rb") as f:
            self.assertEqual(f.read(), self.expected)

    def test_source_agreement_and_returned_lines(self):
        out = agr.dask.run(self.corpus, LBP, blocksize=150_000)
        self.assertEqual("".join(out).encode("utf-8"), self.expected)

    def test_bag_and_as_of(self):
        with open(self.corpus, "rb") as f:
            lines = f.read().splitlines()[:1000]
        bag = dask.bag.from_sequence(lines, npartitions=7)
        path = os.path.join(WORK, "first-1000.jsonl")
        with open(path, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        out = agr.dask.run(bag, agr.Agreement(self.agrc), as_of="2027-01-01")
        self.assertEqual("".join(out).encode("utf-8"),
                         agr_run(self.agrc, path, "--as-of", "2027-01-01"))

    def test_each_worker_loads_the_agreement_once(self):
        agr.dask.run(self.corpus, self.agrc, blocksize="100KiB")
        loaded = self.client.run(lambda: len(agr.dask._judges))
        self.assertEqual(sorted(loaded.values()), [1, 1])

    def test_several_agreements(self):
        """A corpus of LBP's and STE's histories, each naming its agreement, judged by a set: as
        AgreementSet.run_block judges the whole file (tests/test_agr.py: as `agr run` judges each
        history with its own agreement)."""
        ste_lines = [b'{"agreement": "ste", ' + line[1:] for line in read_lines(STE_EXAMPLES)]
        with open(self.corpus, "rb") as f:
            lines = [b'{"agreement": "lbp", ' + line[1:] if line.startswith(b"{") else line for line in f]
        for n, line in enumerate(ste_lines * 50):  # spread over the partitions
            lines.insert(3 + n * len(lines) // 200, line)
        lines.insert(len(lines) // 2, b'{"id": "unnamed", "events": []}\n')
        mixed = os.path.join(WORK, "mixed.jsonl")
        with open(mixed, "wb") as f:
            f.writelines(lines)
        both = agr.AgreementSet([LBP, STE])
        expected = both.run_block(b"".join(lines))
        self.assertIn(b"names no agreement", expected)
        self.assertEqual(expected.count(b'"agreement":"ste"'), 200)
        output = os.path.join(WORK, "mixed-verdicts.jsonl")
        self.assertEqual(agr.dask.run(mixed, both, output=output, blocksize="100KiB"),
                         (len(lines), len(BAD_LINES) + 1))
        with open(output, "rb") as f:
            self.assertEqual(f.read(), expected)
        out = agr.dask.run(dask.bag.from_sequence(lines, npartitions=5), [LBP, STE])  # a list: a set
        self.assertEqual("".join(out).encode("utf-8"), expected)

    def test_bad_agreement(self):
        with self.assertRaises(agr.AgreementError):
            agr.dask.run(self.corpus, os.path.join(WORK, "missing.agrc"))

    def test_example_against_a_scheduler(self):
        """examples/python/dask_run.py (shown in docs/integrating.md), given the running cluster's
        scheduler address as a multi-machine deployment would give it."""
        spec = importlib.util.spec_from_file_location(
            "dask_run", os.path.join(SOURCE, "examples", "python", "dask_run.py"))
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        output = os.path.join(WORK, "example.jsonl")
        example.main(LBP, self.corpus, output, self.cluster.scheduler_address)
        with open(output, "rb") as f:
            self.assertEqual(f.read(), self.expected)


class LocalSchedulerTest(unittest.TestCase):
    """Without a distributed client (DaskTest's is closed by now), Dask's local threads."""

    def test_without_a_client(self):
        examples = os.path.join(SOURCE, "examples", "histories", "lbp.jsonl")
        out = agr.dask.run(examples, LBP, blocksize=700)  # a partition of a line or two
        self.assertEqual("".join(out).encode("utf-8"), agr_run(LBP, examples))


if __name__ == "__main__":
    unittest.main()
