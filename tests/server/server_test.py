"""The HTTP API of `agr serve`, driven over loopback (docs/server.md).

    server_test.py AGR SOURCE_DIR WORK_DIR

Starts the server on a free port over a copy of the bundled agreements, drives every endpoint
(with the answers compared with `agr run` and `agr check` byte for byte), concurrent clients,
oversized, slow and malformed requests, a reload under load, and a graceful stop; seconds in all.
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
        self.assertEqual(service["fees"], [{"total": "327.12", "subsidy": "128.56", "patient": "198.56"}])
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
            ("/v1/run", 400, "name the agreement"),
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
            (b'{"histories": ""}', 400, "either 'agreement'"),
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
        conn = server.connection()
        conn.request("POST", "/v1/check", body=iter([b"#" * 100_000] * 4), encode_chunked=True)
        response = conn.getresponse()
        self.assertEqual(response.status, 413)
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
