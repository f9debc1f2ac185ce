"""The Python module against the command line: every verdict must be what `agr run` writes.

Run by CTest (python/CMakeLists.txt) with PYTHONPATH at the built module and
AGR_TOOL (the agr binary), AGR_SOURCE_DIR, AGR_WORK_DIR in the environment.
"""
import datetime
import decimal
import json
import os
import re
import subprocess
import sys
import threading
import unittest

import agr

SOURCE = os.environ["AGR_SOURCE_DIR"]
TOOL = os.environ["AGR_TOOL"]
WORK = os.environ["AGR_WORK_DIR"]
LBP = os.path.join(SOURCE, "agreements", "lbp.agr")
STE = os.path.join(SOURCE, "agreements", "ste.agr")
EXAMPLES = os.path.join(SOURCE, "examples", "histories", "lbp.jsonl")
STE_EXAMPLES = os.path.join(SOURCE, "examples", "histories", "ste.jsonl")
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

    def test_run_block_and_error_indexes(self):
        with open(MIXED, "rb") as f:
            block = f.read()
        want = agr_run(LBP, MIXED)
        self.assertEqual(self.lbp.run_block(block), want.encode())
        self.assertEqual(self.lbp.run_block(bytearray(block), jobs=3), want.encode())
        # the core also gives the indexes of the error lines, found from the output's shape
        out, errors, count = self.lbp._set.run_block(block, None, 1, 1)
        lines = want.splitlines()
        self.assertEqual(count, len(lines))
        self.assertEqual(errors, [i for i, line in enumerate(lines) if '"error":{"line":' in line])
        self.assertTrue(errors)
        # a course id holding what an error object looks like is still a verdict
        tricky = {"id": 'x\\","error":{"line":1,', "referral_date": "2025-09-01",
                  "events": [{"id": "e1", "date": "2025-09-03", "code": "0110"}]}
        _, errors = self.lbp._set.run([json.dumps(tricky), "{"], None, 1, 1)
        self.assertEqual(errors, [1])
        self.assertEqual(self.lbp.run_block(b""), b"")

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


class FeeLevelsAndFactsTest(unittest.TestCase):
    """The example agreement artrose: facts about the patient, and the fee in force on each event's
    date, the video variant included, come through the module as `agr run` writes them."""

    ARTROSE = os.path.join(SOURCE, "examples", "agreements", "artrose.agr")
    HISTORY = {"id": "fe-02", "referral_date": "2025-11-01", "clinic": "K1",
               "facts": {"birth_date": "1958-06-15", "diagnosis": "DM171"},
               "events": [{"id": "e1", "date": "2025-12-15", "code": "0401"},
                          {"id": "e2", "date": "2025-12-30", "code": "0404", "flags": ["video"]},
                          {"id": "e3", "date": "2026-01-05", "code": "0404", "flags": ["video"]},
                          {"id": "e4", "date": "2026-01-07", "code": "0404"}]}

    def test_applied_fee_and_facts(self):
        artrose = agr.Agreement(self.ARTROSE)
        path = os.path.join(WORK, "artrose.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps(self.HISTORY) + "\n")
        want = json.loads(agr_run(self.ARTROSE, path))
        verdict = artrose.evaluate(self.HISTORY)
        self.assertEqual(verdict, want)
        self.assertEqual([e["fee"]["total"] for e in verdict["events"]], ["400.00", "280.00", "287.30", "338.60"])
        frame = agr.to_frame([verdict])
        self.assertEqual(list(frame.fee_patient), [decimal.Decimal(x) for x in ("240.00", "168.00", "172.40", "203.20")])
        with self.assertRaises(agr.HistoryError) as caught:
            artrose.evaluate(dict(self.HISTORY, facts={"birth_date": "1958-06-15", "diagnosis": "DM171", "weight": 80}))
        self.assertIn("unknown fact 'weight'", str(caught.exception))


def naming(line, name):
    """A history line (bytes) that names its agreement: `"agreement": NAME` put first."""
    return b'{"agreement": "%s", ' % name.encode() + line[1:]


def renumbered(output_line, number):
    """What `agr run` wrote for a line, as it writes it for the same line at line `number`."""
    return re.sub(r',"error":\{"line":\d+,', ',"error":{"line":%d,' % number, output_line, count=1)


class AgreementSetTest(unittest.TestCase):
    """Several agreements in one run: each history judged by the agreement it names, exactly as
    `agr run` judges it with that agreement alone."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        cls.lbp, cls.ste = agr.Agreement(LBP), agr.Agreement(STE)
        cls.both = agr.AgreementSet([cls.lbp, cls.ste])
        cls.lbp_lines = [naming(line, "lbp") for line in read_lines(EXAMPLES)]
        cls.ste_lines = [naming(line, "ste") for line in read_lines(STE_EXAMPLES)]
        cls.lbp_out = agr_run(LBP, EXAMPLES).splitlines(keepends=True)
        cls.ste_out = agr_run(STE, STE_EXAMPLES).splitlines(keepends=True)
        # LBP's and STE's lines taking turns, and what agr run wrote for each, at its new place
        cls.mixed, cls.mixed_out = [], []
        for pair in zip(cls.lbp_lines, cls.lbp_out, cls.ste_lines, cls.ste_out):
            for line, out in (pair[:2], pair[2:]):
                cls.mixed.append(line)
                cls.mixed_out.append(renumbered(out, len(cls.mixed)))
        assert any('"error"' in out for out in cls.mixed_out)

    def test_names_and_agreements(self):
        self.assertEqual(self.both.names, ("lbp", "ste"))
        self.assertEqual(self.both.agreements, (self.lbp, self.ste))
        self.assertIs(self.both["ste"], self.ste)
        self.assertEqual(len(self.both), 2)
        self.assertEqual([a.name for a in self.both], ["lbp", "ste"])
        with self.assertRaises(KeyError):
            self.both["pathway"]
        self.assertEqual(repr(self.both), "<agr.AgreementSet lbp, ste>")

    def test_from_paths_and_agreements(self):
        agrc = os.path.join(WORK, "ste.agrc")
        subprocess.run([TOOL, "compile", STE, "-o", agrc], check=True)
        mixed = agr.AgreementSet([LBP, agrc])
        self.assertEqual(mixed.names, ("lbp", "ste"))
        self.assertEqual(mixed.run(self.mixed), self.both.run(self.mixed))

    def test_refused(self):
        with self.assertRaises(agr.AgreementError) as caught:
            agr.AgreementSet([self.lbp, agr.Agreement(LBP)])
        self.assertIn("two agreements are named 'lbp'", str(caught.exception))
        with self.assertRaises(agr.AgreementError):
            agr.AgreementSet([])
        with self.assertRaises(agr.AgreementError):
            agr.AgreementSet([self.lbp, os.path.join(WORK, "no-such.agrc")])
        with self.assertRaises(TypeError):
            agr.AgreementSet(LBP)  # one path, not a list of them

    def test_run_is_agr_run_of_each_agreement(self):
        self.assertEqual(self.both.run(self.lbp_lines), self.lbp_out)
        self.assertEqual(self.both.run(self.ste_lines), self.ste_out)
        for jobs in (None, 1, 2):
            self.assertEqual(self.both.run(self.mixed, jobs=jobs), self.mixed_out, jobs)
        block = b"".join(self.mixed)
        self.assertEqual(self.both.run_block(block), "".join(self.mixed_out).encode())
        self.assertEqual(self.both.run_block(block, jobs=2), "".join(self.mixed_out).encode())

    def test_run_is_agr_run_with_both(self):
        """`agr run LBP STE` over the same file, histories naming none or another included."""
        unnamed = read_lines(STE_EXAMPLES)[0]
        lines = self.mixed + [unnamed, naming(unnamed, "pathway")] + self.mixed[:3]
        path = os.path.join(WORK, "mixed.jsonl")
        with open(path, "wb") as f:
            f.writelines(lines)
        want = subprocess.run([TOOL, "run", LBP, STE, path], stdout=subprocess.PIPE, check=False).stdout.decode()
        self.assertEqual("".join(self.both.run(lines)), want)
        self.assertEqual(self.both.run_block(b"".join(lines), jobs=2), want.encode())

    def test_evaluate_names_the_agreement_that_judged(self):
        for line, out in zip(self.mixed, self.mixed_out):
            want = json.loads(out)
            if "error" in want:
                with self.assertRaises(agr.HistoryError) as caught:
                    self.both.evaluate(line)
                self.assertEqual(str(caught.exception), want["error"]["message"])
            else:
                verdict = self.both.evaluate(json.loads(line), as_of="2026-06-01")
                self.assertEqual(verdict["agreement"], json.loads(line)["agreement"])
                self.assertEqual(verdict, self.both[verdict["agreement"]].evaluate(line, as_of="2026-06-01"))

    def test_a_history_naming_none_or_another(self):
        unnamed = read_lines(STE_EXAMPLES)[0]
        with self.assertRaises(agr.HistoryError) as caught:
            self.both.evaluate(unnamed)
        self.assertIn("names no agreement", str(caught.exception))
        self.assertIn("lbp, ste", str(caught.exception))
        with self.assertRaises(agr.HistoryError) as caught:
            self.both.evaluate(naming(unnamed, "pathway"))
        self.assertIn("'pathway'", str(caught.exception))
        self.assertIn("lbp, ste", str(caught.exception))
        out = self.both.run([self.mixed[0], unnamed, naming(unnamed, "pathway"), self.mixed[1]])
        self.assertEqual(out[0], self.mixed_out[0])
        self.assertRegex(out[1], r'^\{"id":"st-11","error":\{"line":2,"message":"the history names no agreement')
        self.assertRegex(out[2], r'^\{"id":"st-11","error":\{"line":3,')
        self.assertEqual(out[3], self.mixed_out[1])
        # one agreement judges a history naming another as an error, the unnamed ones as its own
        with self.assertRaises(agr.HistoryError):
            self.lbp.evaluate(self.ste_lines[0])
        self.assertEqual(agr.AgreementSet([self.ste]).run(read_lines(STE_EXAMPLES)), self.ste_out)

    def test_to_frame(self):
        frame = agr.to_frame(self.both.run(self.mixed))
        self.assertEqual(set(frame.agreement.dropna()), {"lbp", "ste"})


class ExampleTest(unittest.TestCase):
    def test_evaluate_example(self):
        """examples/python/evaluate.py (shown in docs/integrating.md) prints what it printed."""
        example = os.path.join(SOURCE, "examples", "python", "evaluate.py")
        out = subprocess.run([sys.executable, example, LBP, EXAMPLES], stdout=subprocess.PIPE, check=True).stdout
        with open(os.path.join(os.path.dirname(__file__), "evaluate_example.out"), "rb") as f:
            self.assertEqual(out.decode(), f.read().decode())


if __name__ == "__main__":
    unittest.main()
