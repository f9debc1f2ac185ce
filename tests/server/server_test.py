"""The HTTP API of `agr serve`, driven over loopback (docs/server.md).

    server_test.py AGR SOURCE_DIR WORK_DIR

Starts the server on a free port over a copy of the bundled agreements, drives every endpoint
(with the answers compared with `agr run`, `agr run --explain`, `agr diff` and `agr check` byte
for byte), concurrent clients, oversized, slow and malformed requests, a reload under load, and a
graceful stop; seconds in all.
"""

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agr_serve import AgrServer  # noqa: E402

AGR, SOURCE_DIR, WORK_DIR = sys.argv[1:4]
del sys.argv[1:4]
EXAMPLES = os.path.join(SOURCE_DIR, "examples", "histories", "lbp.jsonl")
MAX_BODY = 300_000
TIMEOUT_S = 1.0


def agr(*args, stdin=None):
    result = subprocess.run([AGR, *args], input=stdin, capture_output=True)
    return result.returncode, result.stdout, result.stderr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def setUpModule():
    global server, agreements_dir, lbp_path
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    agreements_dir = os.path.join(WORK_DIR, "agreements")
    shutil.copytree(os.path.join(SOURCE_DIR, "agreements"), agreements_dir)
    lbp_path = os.path.join(agreements_dir, "lbp.agr")
    server = AgrServer(AGR, [agreements_dir], "--workers", "8", "--max-body-bytes", str(MAX_BODY),
                       "--timeout", str(TIMEOUT_S), log_dir=WORK_DIR)


def tearDownModule():
    status = server.stop()
    if status != 0:
        raise AssertionError(f"agr serve exited with {status}:\n{server.log()}")


class Endpoints(unittest.TestCase):
    def test_health(self):
        status, body = server.json("GET", "/v1/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertGreaterEqual(body["in_flight"], 1)  # this request
        self.assertEqual(body["agreements"], len([f for f in os.listdir(agreements_dir) if f.endswith(".agr")]))

    def test_agreements_lists_each_with_its_parts(self):
        status, body = server.json("GET", "/v1/agreements")
        self.assertEqual(status, 200)
        names = [a["name"] for a in body["agreements"]]
        self.assertEqual(names, sorted(names))
        by_name = {a["name"]: a for a in body["agreements"]}
        self.assertIn("lbp", by_name)
        lbp = by_name["lbp"]
        self.assertTrue(lbp["referral_required"])
        self.assertEqual(lbp["course"]["ends_with"], ["0267"])
        self.assertEqual(lbp["file"], lbp_path)
        self.assertTrue(lbp["has_source"])
        service = next(s for s in lbp["services"] if s["code"] == "0266")
        self.assertEqual(service["fees"], [{"from": "2024-10-01", "total": "327.12", "subsidy": "128.56", "patient": "198.56"}])
        self.assertEqual([level["from"] for level in lbp["price_levels"]], ["2024-10-01"])
        self.assertEqual(next(s for s in lbp["services"] if s["code"] == "0110")["fees"], [])
        rule = next(r for r in lbp["rules"] if r["id"] == "LBP-6")
        self.assertEqual((rule["kind"], rule["for"]), ("rule", ["0266"]))
        self.assertEqual(read(lbp_path).decode().splitlines()[rule["line"] - 1].split()[:2], ["rule", "LBP-6"])
        self.assertTrue(any(d["id"] == "LBP-14" for d in lbp["due"]))
        self.assertEqual(lbp["facts"], [])

    def test_one_agreement_and_its_source(self):
        status, body = server.json("GET", "/v1/agreements/ste")
        self.assertEqual((status, body["name"]), (200, "ste"))
        status, _, source = server.request("GET", "/v1/agreements/lbp/source")
        self.assertEqual((status, source), (200, read(lbp_path)))
        for path in ("/v1/agreements/nope", "/v1/agreements/nope/source"):
            status, body = server.json("GET", path)
            self.assertEqual(status, 404)
            self.assertIn("no agreement 'nope'", body["error"]["message"])

    def test_language_lists_the_grammars_words(self):
        status, body = server.json("GET", "/v1/language")
        self.assertEqual(status, 200)
        for word in ("agreement", "require", "flagged", "working", "otherwise"):
            self.assertIn(word, body["keywords"])
        self.assertEqual(body["keywords"], sorted(set(body["keywords"])))

    def test_the_page_and_the_examples(self):
        status, headers, page = server.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn(b"<title>", page)
        status, index = server.json("GET", "/examples/index.json")
        self.assertIn("lbp.jsonl", index)
        status, _, example = server.request("GET", "/examples/histories/lbp.jsonl")
        self.assertEqual((status, example), (200, read(EXAMPLES)))


class Run(unittest.TestCase):
    def test_the_answer_is_agr_runs_output_byte_for_byte(self):
        histories = read(EXAMPLES)
        code, expected, _ = agr("run", lbp_path, EXAMPLES)
        self.assertEqual(code, 1)  # the examples hold two error lines on purpose
        status, headers, body = server.request("POST", "/v1/run?agreement=lbp", histories,
                                               {"Content-Type": "application/x-ndjson"})
        self.assertEqual(status, 200)  # error lines are answers, not a failed request
        self.assertEqual(body, expected)
        self.assertEqual(headers["Content-Type"], "application/x-ndjson")
        self.assertEqual(headers["Agr-Error-Lines"], str(sum(b'"error"' in line for line in expected.splitlines())))

    def test_histories_that_name_their_agreement(self):
        # With several loaded and no `agreement` in the request, each history is judged by the
        # agreement it names, as `agr run FOLDER` judges it; one naming none (or one not loaded)
        # is an error line listing the loaded names.
        named = lambda name, line: line.replace(b"{", b'{"agreement": "' + name + b'", ', 1)
        lbp_lines = read(EXAMPLES).splitlines()
        ste_lines = read(os.path.join(SOURCE_DIR, "examples", "histories", "ste.jsonl")).splitlines()
        histories = b"\n".join([named(b"ste", ste_lines[0]), named(b"lbp", lbp_lines[0]), lbp_lines[1],
                                named(b"nope", lbp_lines[2]), named(b"ste", ste_lines[1]), named(b"lbp", lbp_lines[2])]) + b"\n"
        path = os.path.join(WORK_DIR, "named.jsonl")
        with open(path, "wb") as f:
            f.write(histories)
        _, expected, _ = agr("run", agreements_dir, path, "--as-of", "2026-01-01")
        status, headers, body = server.request("POST", "/v1/run?as_of=2026-01-01", histories)
        self.assertEqual((status, body), (200, expected))
        verdicts = [json.loads(line) for line in body.splitlines()]
        self.assertEqual([v.get("agreement") for v in verdicts], ["ste", "lbp", None, None, "ste", "lbp"])
        self.assertIn("lbp, pathway_midtjylland, pathway_nordjylland, ste", verdicts[2]["error"]["message"])
        self.assertIn("nope", verdicts[3]["error"]["message"])
        self.assertEqual(headers["Agr-Error-Lines"], "2")
        # The same as a JSON body with neither `agreement` nor `source`.
        request = json.dumps({"histories": histories.decode(), "as_of": "2026-01-01"})
        status, _, body = server.request("POST", "/v1/run", request, {"Content-Type": "application/json"})
        self.assertEqual((status, body), (200, expected))
        # Naming one in the request: it alone judges, and a history naming another is an error
        # line, as with `agr run lbp.agr`.
        _, expected, _ = agr("run", lbp_path, path, "--as-of", "2026-01-01")
        status, _, body = server.request("POST", "/v1/run?agreement=lbp&as_of=2026-01-01", histories)
        self.assertEqual((status, body), (200, expected))
        self.assertEqual(["error" in json.loads(line) for line in body.splitlines()], [True, False, False, True, True, False])

    def test_as_of_and_any_content_type(self):
        code, expected, _ = agr("run", lbp_path, EXAMPLES, "--as-of", "2026-06-01")
        # curl sends a form's content type by default: the body still is JSON Lines.
        status, _, body = server.request("POST", "/v1/run?agreement=lbp&as_of=2026-06-01", read(EXAMPLES),
                                         {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, body), (200, expected))

    def test_lines_as_agr_run_splits_them(self):
        for histories in (b"", b"\n", b"{}", b"{}\n\n{}", b'{"id": "x", "events": []}\r\n'):
            code, expected, _ = agr("run", lbp_path, "-", stdin=histories)
            status, _, body = server.request("POST", "/v1/run?agreement=lbp", histories)
            self.assertEqual((status, body), (200, expected), histories)

    def test_requests_that_cannot_be_run(self):
        cases = [
            ("/v1/run?agreement=nope", 404, "no agreement 'nope' is loaded"),
            ("/v1/run?agreement=lbp&as_of=2025-02-30", 400, "as_of must be a date"),
            ("/v1/run?agreement=lbp&asof=2025-01-01", 400, "unknown query parameter 'asof'"),
            ("/v1/run?agreement=lbp&agreement=ste", 400, "given twice"),
        ]
        for path, expected_status, message in cases:
            status, body = server.json("POST", path, b"{}")
            self.assertEqual(status, expected_status, path)
            self.assertIn(message, body["error"]["message"], path)

    def test_json_body_with_a_source(self):
        source = read(lbp_path).decode()
        histories = read(EXAMPLES).decode()
        _, expected, _ = agr("run", lbp_path, EXAMPLES, "--as-of", "2026-01-01")
        request = json.dumps({"source": source, "histories": histories, "as_of": "2026-01-01"})
        status, _, body = server.request("POST", "/v1/run", request, {"Content-Type": "application/json"})
        self.assertEqual((status, body), (200, expected))
        # The same with a loaded agreement named in the body.
        request = json.dumps({"agreement": "lbp", "histories": histories, "as_of": "2026-01-01"})
        status, _, body = server.request("POST", "/v1/run", request, {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual((status, body), (200, expected))

    def test_json_body_with_a_source_that_does_not_compile(self):
        source = 'agreement x "X"\nservice 0101 "a"\nrule X-1 for 0102\n  require count(0101) < 2\n'
        request = json.dumps({"source": source, "histories": "", "file": "x.agr"})
        status, body = server.json("POST", "/v1/run", request, {"Content-Type": "application/json"})
        self.assertEqual(status, 422)
        self.assertEqual(body["error"]["message"], "the agreement does not compile")
        diagnostic = body["diagnostics"]["diagnostics"][0]
        self.assertEqual((body["diagnostics"]["file"], diagnostic["line"], diagnostic["column"]), ("x.agr", 3, 14))
        self.assertIn("0102", diagnostic["message"])

    def test_malformed_json_bodies(self):
        cases = [
            (b"{", 400, "not a JSON object"),
            (b"[1]", 400, "not a JSON object"),
            (b'{"agreement": "lbp", "source": "", "histories": ""}', 400, "either 'agreement'"),
            (b'{"agreement": "lbp"}', 400, "missing 'histories'"),
            (b'{"agreement": "lbp", "histories": ["{}"]}', 400, "'histories' must be a string"),
            (b'{"agreement": "lbp", "histories": "", "as_off": "2025-01-01"}', 400, "unknown key 'as_off'"),
            (b'{"agreement": "lbp", "histories": "", "histories": ""}', 400, "given twice"),
            (b'{"agreement": "nope", "histories": ""}', 404, "no agreement 'nope'"),
            (b'{"agreement": "lbp", "histories": "", "as_of": "tomorrow"}', 400, "as_of must be a date"),
        ]
        for request, expected_status, message in cases:
            status, body = server.json("POST", "/v1/run", request, {"Content-Type": "application/json"})
            self.assertEqual(status, expected_status, request)
            self.assertIn(message, body["error"]["message"], request)


class Check(unittest.TestCase):
    def test_the_diagnostics_of_agr_check(self):
        source = b'agreement x "X"\nservice 0101 "\xc3\x86blegr\xc3\xb8d"\nrule X-1 for 0102\n  require count(0101) < 2\n'
        status, body = server.json("POST", "/v1/check?file=x.agr", source)
        self.assertEqual(status, 200)
        self.assertEqual((body["file"], body["errors"]), ("x.agr", 1))
        self.assertNotIn("agreement", body)
        d = body["diagnostics"][0]
        self.assertEqual((d["severity"], d["line"], d["column"], d["end_column"]), ("error", 3, 14, 18))
        self.assertEqual(d["hint"], "did you mean '0101'?")
        code, _, stderr = agr("check", lbp_path)  # the command line agrees that the file is good
        self.assertEqual(code, 0)

    def test_a_good_source_is_described(self):
        status, body = server.json("POST", "/v1/check", read(lbp_path))
        self.assertEqual((status, body["errors"], body["diagnostics"]), (200, 0, []))
        _, listed = server.json("GET", "/v1/agreements/lbp")
        self.assertEqual(body["agreement"], listed)
        self.assertEqual(body["file"], "agreement.agr")

    def test_refused_sources(self):
        status, body = server.json("POST", "/v1/check", b'agreement x "\xff"')
        self.assertEqual(status, 400)
        self.assertIn("UTF-8", body["error"]["message"])
        status, body = server.json("POST", "/v1/check?path=x", b"")
        self.assertEqual(status, 400)


class Diff(unittest.TestCase):
    """POST /v1/diff: `agr diff`'s report, byte for byte, for versions sent as sources or loaded."""

    DIFF_DIR = os.path.join(SOURCE_DIR, "tests", "diff")

    def diff(self, request):
        return server.request("POST", "/v1/diff", json.dumps(request), {"Content-Type": "application/json"})

    def test_a_changed_limit_is_agr_diffs_report(self):
        old, new = (os.path.join(self.DIFF_DIR, name) for name in ("training.agr", "training-limit.agr"))
        histories = os.path.join(self.DIFF_DIR, "histories.jsonl")
        for fmt, content_type in (("text", "text/plain; charset=utf-8"), ("jsonl", "application/x-ndjson"), (None, "application/x-ndjson")):
            code, expected, stderr = agr("diff", old, new, histories, "--format", fmt or "jsonl")
            self.assertEqual(code, 1)
            request = {"old": {"source": read(old).decode()}, "new": {"source": read(new).decode()},
                       "histories": read(histories).decode()}
            if fmt:
                request["format"] = fmt
            status, headers, body = self.diff(request)
            self.assertEqual((status, headers["Content-Type"]), (200, content_type), fmt)
            self.assertEqual(body, expected, fmt)
            self.assertEqual((headers["Agr-Compared"], headers["Agr-Changed"]), ("8", "2"))
            self.assertIn(f"{headers['Agr-Error-Lines']} of 8 lines were errors under both versions", stderr.decode())
        _, _, text = self.diff({**request, "format": "text"})
        self.assertIn(b"c-1 (line 1)\n  e4  0302  accepted \xe2\x86\x92 rejected (T-2)", text)
        self.assertIn(b"  T-2             2          0", text)
        self.assertTrue(text.endswith(b"money moved: total -400.00, subsidy -160.00, patient -240.00\n"
                                      b"compared 8 courses: 2 changed\n"))

    def test_a_loaded_agreement_against_an_edit_of_it(self):
        # The page's question: what changes when the author edits a limit of a loaded agreement.
        edited = read(lbp_path).decode().replace("require count(education) < 2", "require count(education) < 1")
        edited_path = os.path.join(WORK_DIR, "lbp-edited.agr")
        with open(edited_path, "w") as f:
            f.write(edited)
        _, expected, _ = agr("diff", lbp_path, edited_path, EXAMPLES, "--as-of", "2026-01-01", "--format", "jsonl")
        status, headers, body = self.diff({"old": {"agreement": "lbp"}, "new": {"source": edited, "file": "lbp.agr"},
                                           "histories": read(EXAMPLES).decode(), "as_of": "2026-01-01"})
        self.assertEqual((status, body), (200, expected))
        changed = [json.loads(line) for line in body.splitlines()[:-1]]
        self.assertEqual([(c["id"], c["events"][0]["new"]) for c in changed],
                         [("c-18", {"status": "rejected", "rules": ["LBP-5"]})])
        self.assertEqual(body.splitlines()[-1], b"compared 5 courses: 1 changed")
        # Unchanged: 200 all the same, with nothing but the closing line.
        status, headers, body = self.diff({"old": {"agreement": "lbp"}, "new": {"agreement": "lbp"},
                                           "histories": read(EXAMPLES).decode()})
        self.assertEqual((status, body, headers["Agr-Changed"]), (200, b"compared 5 courses: 0 changed\n", "0"))

    def test_a_version_that_does_not_compile(self):
        bad = 'agreement x "X"\nservice 0101 "a"\nrule X-1 for 0102\n  require count(0101) < 2\n'
        status, _, data = self.diff({"old": {"agreement": "lbp"}, "new": {"source": bad, "file": "x.agr"}, "histories": ""})
        body = json.loads(data)
        self.assertEqual((status, body["error"]["message"]), (422, "the new agreement does not compile"))
        _, check = server.json("POST", "/v1/check?file=x.agr", bad.encode())
        self.assertEqual(body["diagnostics"], check)  # as POST /v1/check gives them
        status, _, data = self.diff({"old": {"source": bad}, "new": {"agreement": "lbp"}, "histories": ""})
        self.assertEqual((status, json.loads(data)["diagnostics"]["file"]), (422, "old.agr"))

    def test_malformed_requests(self):
        lbp = {"agreement": "lbp"}
        cases = [
            (b"{", 400, "not a JSON object"),
            (b'"old"', 400, "not a JSON object"),
            ({"new": lbp, "histories": ""}, 400, "missing 'old'"),
            ({"old": lbp, "histories": ""}, 400, "missing 'new'"),
            ({"old": lbp, "new": lbp}, 400, "missing 'histories'"),
            ({"old": "lbp", "new": lbp, "histories": ""}, 400, "'old' must be an object"),
            ({"old": lbp, "new": {}, "histories": ""}, 400, "'new' gives either 'agreement'"),
            ({"old": lbp, "new": {"agreement": "lbp", "source": ""}, "histories": ""}, 400, "'new' gives either"),
            ({"old": {"agreement": "lbp", "as_of": "2025-01-01"}, "new": lbp, "histories": ""}, 400,
             "unknown key 'as_of'; 'old' takes"),
            ({"old": lbp, "new": lbp, "histories": "", "fromat": "text"}, 400, "unknown key 'fromat'"),
            ({"old": lbp, "new": lbp, "histories": ["{}"]}, 400, "'histories' must be a string"),
            ({"old": lbp, "new": lbp, "histories": "", "format": "html"}, 400, "format must be text or jsonl"),
            ({"old": lbp, "new": lbp, "histories": "", "as_of": "soon"}, 400, "as_of must be a date"),
            ({"old": {"agreement": "nope"}, "new": lbp, "histories": ""}, 404, "no agreement 'nope'"),
            (b'{"old": {"agreement": "lbp"}, "old": {"agreement": "lbp"}, "new": {"agreement": "lbp"}, "histories": ""}',
             400, "given twice"),
        ]
        for request, expected_status, message in cases:
            body = request if isinstance(request, bytes) else json.dumps(request).encode()
            status, answer = server.json("POST", "/v1/diff", body, {"Content-Type": "application/json"})
            self.assertEqual(status, expected_status, request)
            self.assertIn(message, answer["error"]["message"], request)
        status, answer = server.json("POST", "/v1/diff?format=text", b"{}")
        self.assertEqual((status, "unknown query parameter 'format'" in answer["error"]["message"]), (400, True))
        status, headers, _ = server.request("GET", "/v1/diff")
        self.assertEqual((status, headers.get("Allow")), (405, "POST"))
        status, answer = server.json("POST", "/v1/diff", b" " * (MAX_BODY + 1))
        self.assertEqual(status, 413)


class Explain(unittest.TestCase):
    """POST /v1/explain: `agr run --explain`'s lines, byte for byte, for a request as POST /v1/run takes it."""

    def test_the_answer_is_agr_run_explains_output_byte_for_byte(self):
        code, expected, _ = agr("run", "--explain", lbp_path, EXAMPLES, "--as-of", "2026-01-01")
        self.assertEqual(code, 1)  # the examples' two error lines
        status, headers, body = server.request("POST", "/v1/explain?agreement=lbp&as_of=2026-01-01", read(EXAMPLES),
                                               {"Content-Type": "application/x-ndjson"})
        self.assertEqual((status, headers["Content-Type"]), (200, "application/x-ndjson"))
        self.assertEqual(body, expected)
        self.assertEqual(headers["Agr-Error-Lines"], "2")
        # The explanations are there: a rejected event's rule with the clause that decided it.
        explained = [v for line in body.splitlines() for event in json.loads(line).get("events", [])
                     for v in event.get("violations", [])]
        self.assertTrue(explained)
        self.assertTrue(all(v["explain"]["clause"] for v in explained), explained)
        # Not the plain verdicts.
        _, _, plain = server.request("POST", "/v1/run?agreement=lbp&as_of=2026-01-01", read(EXAMPLES))
        self.assertNotEqual(plain, body)

    def test_json_bodies_and_histories_that_name_their_agreement(self):
        source, histories = read(lbp_path).decode(), read(EXAMPLES).decode()
        _, expected, _ = agr("run", "--explain", lbp_path, EXAMPLES)
        for request in ({"source": source, "histories": histories, "file": "lbp.agr"},
                        {"agreement": "lbp", "histories": histories}):
            status, _, body = server.request("POST", "/v1/explain", json.dumps(request),
                                             {"Content-Type": "application/json"})
            self.assertEqual((status, body), (200, expected), list(request))
        # With no agreement named, each history by the loaded agreement it names, as
        # `agr run --explain FOLDER`.
        ste = read(os.path.join(SOURCE_DIR, "examples", "histories", "ste.jsonl")).splitlines()[0]
        named = ste.replace(b"{", b'{"agreement": "ste", ', 1) + b"\n"
        path = os.path.join(WORK_DIR, "named-explain.jsonl")
        with open(path, "wb") as f:
            f.write(named)
        _, expected, _ = agr("run", "--explain", agreements_dir, path)
        status, _, body = server.request("POST", "/v1/explain", named)
        self.assertEqual((status, body), (200, expected))
        self.assertEqual(json.loads(body)["agreement"], "ste")

    def test_lines_as_agr_run_explain_splits_them(self):
        for histories in (b"", b"\n", b"{}", b"{}\n\n{}", b'{"id": "x", "events": []}\r\n'):
            _, expected, _ = agr("run", "--explain", lbp_path, "-", stdin=histories)
            status, _, body = server.request("POST", "/v1/explain?agreement=lbp", histories)
            self.assertEqual((status, body), (200, expected), histories)

    def test_requests_that_cannot_be_explained(self):
        json_type = {"Content-Type": "application/json"}
        bad = 'agreement x "X"\nservice 0101 "a"\nrule X-1 for 0102\n  require count(0101) < 2\n'
        cases = [
            ("/v1/explain?agreement=nope", b"{}", {}, 404, "no agreement 'nope' is loaded"),
            ("/v1/explain?agreement=lbp&as_of=2025-02-30", b"{}", {}, 400, "as_of must be a date"),
            ("/v1/explain?agreement=lbp&event=e1", b"{}", {}, 400, "unknown query parameter 'event'"),
            ("/v1/explain?agreement=lbp", b"{}", json_type, 400, "unknown query parameter 'agreement'"),
            ("/v1/explain", b"{", json_type, 400, "not a JSON object"),
            ("/v1/explain", b'{"agreement": "lbp"}', json_type, 400, "missing 'histories'"),
            ("/v1/explain", b'{"agreement": "lbp", "source": "", "histories": ""}', json_type, 400, "either 'agreement'"),
            ("/v1/explain", b'{"agreement": "lbp", "histories": "", "event": "e1"}', json_type, 400,
             "unknown key 'event'; an explanation takes agreement or source, histories, as_of and file"),
            ("/v1/explain", b'{"agreement": "lbp", "histories": "", "histories": ""}', json_type, 400, "given twice"),
            ("/v1/explain", json.dumps({"source": bad, "histories": ""}).encode(), json_type, 422,
             "the agreement does not compile"),
            ("/v1/explain?agreement=lbp", b" " * (MAX_BODY + 1), {}, 413, f"limit of {MAX_BODY} bytes"),
        ]
        for path, request, headers, expected_status, message in cases:
            status, body = server.json("POST", path, request, headers)
            self.assertEqual(status, expected_status, (path, request[:80]))
            self.assertIn(message, body["error"]["message"], (path, request[:80]))
        status, headers, _ = server.request("GET", "/v1/explain")
        self.assertEqual((status, headers.get("Allow")), (405, "POST"))


class Http(unittest.TestCase):
    def test_unknown_paths_and_wrong_methods(self):
        status, body = server.json("GET", "/v1/nothing-here-7f3a")
        self.assertEqual(status, 404)
        self.assertIn("/v1/nothing-here-7f3a", body["error"]["message"])
        for method, path, allowed in (("GET", "/v1/run", "POST"), ("POST", "/v1/agreements", "GET"),
                                      ("DELETE", "/v1/check", "POST"), ("PUT", "/v1/health", "GET")):
            status, headers, data = server.request(method, path, b"")
            self.assertEqual((status, headers.get("Allow")), (405, allowed), (method, path))
            self.assertIn("not allowed", json.loads(data)["error"]["message"])

    def test_one_access_log_line_per_request(self):
        server.request("GET", "/v1/nothing-here-5d1c?x=1")
        time.sleep(0.05)
        lines = [line for line in server.log().splitlines() if "nothing-here-5d1c" in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 '
                                   r'"GET /v1/nothing-here-5d1c\?x=1" 404 \d+B [\d.]+ms$')

    def test_a_body_over_the_limit_is_413(self):
        body = b"{}\n" * (MAX_BODY // 3 + 1)
        status, answer = server.json("POST", "/v1/run?agreement=lbp", body)
        self.assertEqual(status, 413)
        self.assertIn(f"limit of {MAX_BODY} bytes", answer["error"]["message"])
        # Chunked, with no length declared up front: bounded all the same.
        # The server may answer and close before the client has sent the last chunk; then the
        # client sees a broken pipe, and the access log says what the server answered.
        conn = server.connection()
        try:
            conn.request("POST", "/v1/check?file=chunked.agr", body=iter([b"#" * 100_000] * 4), encode_chunked=True)
            self.assertEqual(conn.getresponse().status, 413)
        except (BrokenPipeError, ConnectionResetError):
            wait_until(lambda: '"POST /v1/check?file=chunked.agr" 413 ' in server.log())
        finally:
            conn.close()
        # Exactly at the limit is fine.
        status, _, _ = server.request("POST", "/v1/run?agreement=lbp", b" " * (MAX_BODY - 1) + b"\n")
        self.assertEqual(status, 200)

    def test_a_multipart_form_is_refused(self):
        status, body = server.json("POST", "/v1/check", b"--x\r\n\r\n--x--\r\n",
                                   {"Content-Type": "multipart/form-data; boundary=x"})
        self.assertEqual(status, 415)

    def test_a_request_that_is_not_http(self):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(b"HELLO THERE\r\n\r\n")
            answer = s.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)

    def test_a_body_that_arrives_too_slowly_is_408(self):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=0.1) as s:
            s.sendall(b"POST /v1/run?agreement=lbp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            answer = b""
            while not answer and time.monotonic() - started < TIMEOUT_S + 2:
                s.sendall(b" ")  # a byte every 100 ms: each read is quick, the whole is too slow
                try:
                    answer = s.recv(4096)
                except socket.timeout:
                    pass
            s.settimeout(5)
            answer += read_to_end(s)
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer)
        self.assertIn(b"did not arrive within", answer)
        self.assertLess(time.monotonic() - started, TIMEOUT_S + 1)

    def test_a_client_that_stops_sending_is_cut_off(self):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nagreement")
            answer = read_to_end(s)
        # The worker is free again after the read timeout, and says why.
        self.assertLess(time.monotonic() - started, TIMEOUT_S + 1)
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer)


def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s in vain")
        time.sleep(0.02)


def read_to_end(sock):
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:
        pass
    return answer


class Concurrency(unittest.TestCase):
    def test_concurrent_clients(self):
        histories = read(EXAMPLES)
        _, expected_run, _ = agr("run", lbp_path, EXAMPLES)
        _, expected_agreements = server.json("GET", "/v1/agreements")

        def client(i):
            results = []
            for j in range(6):
                if (i + j) % 3 == 0:
                    status, _, body = server.request("POST", "/v1/run?agreement=lbp", histories)
                    results.append(status == 200 and body == expected_run)
                elif (i + j) % 3 == 1:
                    status, body = server.json("GET", "/v1/agreements")
                    results.append(status == 200 and body == expected_agreements)
                else:
                    status, body = server.json("POST", "/v1/check", read(lbp_path))
                    results.append(status == 200 and body["errors"] == 0)
            return results

        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            outcomes = [ok for results in pool.map(client, range(24)) for ok in results]
        self.assertEqual(outcomes, [True] * len(outcomes))

    def test_reload_under_load_drops_no_request(self):
        original = read(lbp_path)
        histories = read(EXAMPLES)
        _, before, _ = agr("run", lbp_path, EXAMPLES)
        revised = original.replace(b'message "Only one initial consultation', b'message "Revised: only one initial consultation')
        self.assertNotEqual(revised, original)
        _, health = server.json("GET", "/v1/health")
        generation = health["generation"]

        stop = threading.Event()
        answers = []

        def client():
            while not stop.is_set():
                status, _, body = server.request("POST", "/v1/run?agreement=lbp", histories)
                answers.append((status, body))

        try:
            with open(lbp_path, "wb") as f:
                f.write(revised)
            _, after, _ = agr("run", lbp_path, EXAMPLES)
            self.assertNotEqual(before, after)
            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                for _ in range(6):
                    pool.submit(client)
                time.sleep(0.2)
                server.signal(signal.SIGHUP)  # the revised agreement
                wait_until(lambda: server.json("GET", "/v1/health")[1]["generation"] == generation + 1)
                time.sleep(0.2)
                with open(os.path.join(agreements_dir, "broken.agr"), "w") as f:
                    f.write('agreement broken "B"\nrule B-1 for 9999\n')
                server.signal(signal.SIGHUP)  # fails: the revised set stays
                wait_until(lambda: "reload failed" in server.log())
                time.sleep(0.2)
                stop.set()
        finally:
            os.remove(os.path.join(agreements_dir, "broken.agr"))
            with open(lbp_path, "wb") as f:
                f.write(original)

        statuses = {status for status, _ in answers}
        self.assertEqual(statuses, {200}, "every request answered during the reloads")
        self.assertTrue(all(body in (before, after) for _, body in answers), "each answer whole, old or new")
        self.assertEqual(answers[-1][1], after, "the reload took effect")
        self.assertGreater(len(answers), 6)
        _, health = server.json("GET", "/v1/health")
        self.assertEqual(health["generation"], generation + 1, "the failed reload kept the revised set")
        log = server.log()
        self.assertIn(f"reloaded: generation {generation + 1}", log)
        self.assertIn(f"reload failed; still serving generation {generation + 1}", log)
        self.assertIn("broken.agr:2:", log)  # why, with the diagnostics
        server.signal(signal.SIGHUP)  # back to the original for the other tests
        wait_until(lambda: server.json("GET", "/v1/health")[1]["generation"] == generation + 2)
        self.assertEqual(server.request("POST", "/v1/run?agreement=lbp", histories)[2], before)


class GracefulStop(unittest.TestCase):
    def test_sigterm_lets_the_request_in_flight_finish(self):
        histories = read(EXAMPLES)
        _, expected, _ = agr("run", lbp_path, EXAMPLES)
        with AgrServer(AGR, [lbp_path], "--timeout", "5", log_dir=os.path.join(WORK_DIR, "stop")) as other:
            with socket.create_connection(("127.0.0.1", other.port), timeout=10) as s:
                head = (f"POST /v1/run?agreement=lbp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        f"Content-Length: {len(histories)}\r\n\r\n").encode()
                s.sendall(head + histories[:100])
                # In flight: this request and the health request that asks.
                wait_until(lambda: other.json("GET", "/v1/health")[1]["in_flight"] == 2)
                other.signal(signal.SIGTERM)
                time.sleep(0.3)
                s.sendall(histories[100:])
                answer = read_to_end(s)
            self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
            self.assertTrue(answer.endswith(expected), "the whole answer")
            self.assertEqual(other.process.wait(10), 0)
            with self.assertRaises(OSError):  # and nothing listens any more
                socket.create_connection(("127.0.0.1", other.port), timeout=2).close()
            log = other.log()
            self.assertIn("stopping on SIGTERM", log)
            self.assertTrue(log.rstrip().endswith("stopped"), log)

    def test_agreements_that_do_not_load_stop_the_start(self):
        broken = os.path.join(WORK_DIR, "broken.agr")
        with open(broken, "w") as f:
            f.write('agreement broken "B"\nrule B-1 for 9999\n')
        result = subprocess.run([AGR, "serve", broken, "--port", "0"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"broken.agr:2:", result.stderr)
        result = subprocess.run([AGR, "serve", lbp_path, lbp_path, "--port", "0"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"agreement lbp is already loaded", result.stderr)
        result = subprocess.run([AGR, "serve", lbp_path, "--port", "70000"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
