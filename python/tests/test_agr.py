"""The Python module against the command line: every verdict must be what `agr run` writes.

Run by CTest (python/CMakeLists.txt) with PYTHONPATH at the built module and
AGR_TOOL (the agr binary), AGR_SOURCE_DIR, AGR_WORK_DIR in the environment.
"""
import datetime
import decimal
import json
import os
import subprocess
import sys
import threading
import unittest

import agr

SOURCE = os.environ["AGR_SOURCE_DIR"]
TOOL = os.environ["AGR_TOOL"]
WORK = os.environ["AGR_WORK_DIR"]
LBP = os.path.join(SOURCE, "agreements", "lbp.agr")
EXAMPLES = os.path.join(SOURCE, "examples", "histories", "lbp.jsonl")
MIXED = os.path.join(SOURCE, "tests", "bad_input", "mixed.jsonl")


def agr_run(agreement, path, *options):
    """What `agr run` writes, and its exit status."""
    result = subprocess.run([TOOL, "run", agreement, path, *options], stdout=subprocess.PIPE, check=False)
    assert result.returncode in (0, 1), result
    return result.stdout.decode("utf-8")


def read_lines(path):
    with open(path, "rb") as f:
        return f.readlines()


class AgreementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        cls.agrc = os.path.join(WORK, "lbp.agrc")
        subprocess.run([TOOL, "compile", LBP, "-o", cls.agrc], check=True)
        cls.lbp = agr.Agreement(LBP)

    def test_versions(self):
        self.assertRegex(agr.version, r"^\d+\.\d+\.\d+$")
        self.assertEqual(agr.contract_version, 2)
        self.assertGreaterEqual(agr.bytecode_format_version, 1)

    def test_source_and_compiled_load_the_same_agreement(self):
        compiled = agr.Agreement(self.agrc)
        self.assertEqual(compiled.name, "lbp")
        self.assertEqual(compiled.bytecode(), self.lbp.bytecode())
        self.assertEqual(compiled.rules, self.lbp.rules)
        from_bytes = agr.Agreement.from_bytecode(self.lbp.bytecode())
        self.assertEqual(from_bytes.services, self.lbp.services)
        self.assertIn("'lbp'", repr(self.lbp))

    def test_tables(self):
        self.assertEqual(self.lbp.name, "lbp")
        self.assertTrue(self.lbp.title)
        codes = [s["code"] for s in self.lbp.services]
        self.assertIn("0261", codes)
        self.assertEqual(len(codes), len(set(codes)))
        rules = {r["id"]: r for r in self.lbp.rules}
        self.assertFalse(rules["LBP-2"]["warning"])
        self.assertTrue(rules["LBP-12"]["warning"])
        self.assertIn("initial consultation", rules["LBP-2"]["message"])
        self.assertTrue(rules["LBP-2"]["source"])
        self.assertGreater(rules["LBP-2"]["line"], 0)
        self.assertEqual(self.lbp.due_items[0]["rule"], "LBP-14")
        self.assertEqual(self.lbp.due_items[0]["code"], "0267")

    def test_load_errors(self):
        with self.assertRaises(agr.AgreementError) as caught:
            agr.Agreement(os.path.join(WORK, "no-such.agrc"))
        self.assertIn("no-such.agrc", str(caught.exception))
        broken = os.path.join(WORK, "broken.agr")
        with open(broken, "w") as f:
            f.write('agreement broken "Broken"\nservice 0301 "Konsultation"\nrule B-1 for 0302\n')
        with self.assertRaises(agr.Error) as caught:
            agr.Agreement(broken)
        self.assertIn("broken.agr:3:", str(caught.exception))
        with self.assertRaises(agr.AgreementError):
            agr.Agreement.from_bytecode(b"AGRC but not really")

    def test_evaluate_is_agr_run_parsed(self):
        expected = agr_run(LBP, EXAMPLES).splitlines()
        for line, want in zip(read_lines(EXAMPLES), expected):
            want = json.loads(want)
            if "error" in want:
                with self.assertRaises(agr.HistoryError) as caught:
                    self.lbp.evaluate(line)
                self.assertEqual(str(caught.exception), want["error"]["message"])
                self.assertIsInstance(caught.exception, ValueError)
                continue
            self.assertEqual(self.lbp.evaluate(line), want)  # bytes
            self.assertEqual(self.lbp.evaluate(line.decode()), want)  # str
            self.assertEqual(self.lbp.evaluate(json.loads(line)), want)  # dict

    def test_evaluate_as_of(self):
        line = read_lines(EXAMPLES)[0]
        path = os.path.join(WORK, "one.jsonl")
        with open(path, "wb") as f:
            f.write(line)
        want = json.loads(agr_run(LBP, path, "--as-of", "2026-06-01"))
        self.assertEqual(self.lbp.evaluate(line, as_of="2026-06-01"), want)
        self.assertEqual(self.lbp.evaluate(line, as_of=datetime.date(2026, 6, 1)), want)
        with self.assertRaises(ValueError):
            self.lbp.evaluate(line, as_of="2026-02-30")
        with self.assertRaises(TypeError):
            self.lbp.evaluate(line, as_of=20260601)

    def test_history_errors(self):
        with self.assertRaises(agr.HistoryError) as caught:
            self.lbp.evaluate({"id": "c-1", "events": [{"id": "e1", "date": "2025-09-31", "code": "0261"}]})
        self.assertIn("2025-09-31", str(caught.exception))
        with self.assertRaises(agr.HistoryError):
            self.lbp.evaluate("{")
        with self.assertRaises(agr.HistoryError):
            self.lbp.evaluate("")

    def test_run_is_agr_run_byte_for_byte(self):
        for path in (EXAMPLES, MIXED):  # MIXED: good lines among every kind of bad one
            with open(path, "rb") as f:
                self.assertEqual("".join(self.lbp.run(f)), agr_run(LBP, path), path)
        with open(EXAMPLES, encoding="utf-8") as f:  # str lines, with or without line breaks
            lines = f.readlines()
        self.assertEqual("".join(self.lbp.run(lines)), agr_run(LBP, EXAMPLES))
        self.assertEqual(self.lbp.run(lines), self.lbp.run(line.rstrip("\n") for line in lines))

    def test_run_threads_and_as_of(self):
        lines = read_lines(EXAMPLES) * 400  # 2000 lines: several chunks per thread
        path = os.path.join(WORK, "many.jsonl")
        with open(path, "wb") as f:
            f.writelines(lines)
        want = agr_run(LBP, path, "--as-of", "2026-01-15")
        for jobs in (None, 1, 3):
            self.assertEqual("".join(self.lbp.run(lines, as_of="2026-01-15", jobs=jobs)), want, jobs)
        with self.assertRaises(ValueError):
            self.lbp.run(lines, jobs=0)
        self.assertEqual(self.lbp.run([]), [])

    def test_run_from_python_threads(self):
        """One Agreement shared by Python threads, each evaluating (the GIL is released)."""
        lines = read_lines(EXAMPLES) * 50
        want = "".join(self.lbp.run(lines, jobs=1))
        results = [None] * 4

        def work(i):
            results[i] = "".join(self.lbp.run(lines, jobs=2))
            for line in lines[:3]:
                self.lbp.evaluate(line)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [want] * 4)

    def test_to_frame(self):
        lines = self.lbp.run(read_lines(EXAMPLES))
        frame = agr.to_frame(lines)
        verdicts = [json.loads(line) for line in lines]
        events = sum(len(v.get("events", ())) for v in verdicts)
        errors = sum("error" in v for v in verdicts)
        self.assertEqual(len(frame), events + errors)
        self.assertEqual(list(frame.columns), ["course", "agreement", "event", "code", "status", "rules",
                                               "warnings", "fee_total", "fee_subsidy", "fee_patient", "error"])
        row = frame[(frame.course == "c-17") & (frame.event == "e4")].iloc[0]
        self.assertEqual((row.code, row.status, row.rules), ("0261", "rejected", ("LBP-2",)))
        row = frame[(frame.course == "c-17") & (frame.event == "e2")].iloc[0]
        self.assertEqual(row.fee_subsidy, decimal.Decimal("64.28"))
        self.assertEqual(frame[frame.course == "c-17"].fee_total.dropna().sum(), decimal.Decimal("708.78"))
        row = frame[(frame.course == "c-18") & (frame.event == "e9")].iloc[0]
        self.assertEqual(row.warnings, ("LBP-12",))
        self.assertEqual(len(frame[frame.status == "error"]), 2)
        self.assertIn("referral_date", frame[frame.course == "c-20"].error.iloc[0])
        # dicts from evaluate give the same frame
        dicts = [self.lbp.evaluate(l) for l in read_lines(EXAMPLES)[:3]]
        self.assertTrue(agr.to_frame(dicts).equals(frame[frame.course.isin(["c-17", "c-18", "c-19"])]
                                                   .reset_index(drop=True)))


class ExampleTest(unittest.TestCase):
    def test_evaluate_example(self):
        """examples/python/evaluate.py (shown in docs/integrating.md) prints what it printed."""
        example = os.path.join(SOURCE, "examples", "python", "evaluate.py")
        out = subprocess.run([sys.executable, example, LBP, EXAMPLES], stdout=subprocess.PIPE, check=True).stdout
        with open(os.path.join(os.path.dirname(__file__), "evaluate_example.out"), "rb") as f:
            self.assertEqual(out.decode(), f.read().decode())


if __name__ == "__main__":
    unittest.main()
