"""`agr lsp` driven by a scripted client over stdio, as an editor drives it.

    lsp_test.py AGR

Initialize, open a document with an error after Danish letters and an emoji on its line (so that
UTF-16 positions differ from bytes and from characters), get its diagnostics, fix it with an
incremental change, hover, go to definition, complete, shut down and exit; and format a document
as `agr fmt` does.
"""

import json
import os
import select
import subprocess
import sys
import time
import unittest

AGR = sys.argv[1]
del sys.argv[1]

URI = "file:///work/kn%C3%A6.agr"
SOURCE = """# Knæ – et eksempel
agreement knee "Knæ"
flag video "Givet som video."
service 0301 "Første konsultation"
service 0302 "Træning"
service 0303 "Åben træning 🙂"
price level 2025-01-01
  0301 fee 300.00 subsidy 120.00 patient 180.00
  0302 fee 200.00 subsidy 80.00 patient 120.00
price level 2026-01-01 "Åben træning 🙂" 0303 fee 100.00 subsidy 40.00 patient 70.00
  0301 fee 300.00 subsidy 120.00 patient 180.00
  0302 fee 200.00 subsidy 80.00 patient 120.00
before first price level no fee
group training = 0302, 0303
course starts with 0301 ends with 0303
define limit = start + 3 months
rule KNE-1 for training
  require date <= limit
  reject if flagged video
  message "Træning inden for 3 måneder."
  source "Træning kan gives i 3 måneder."
"""


def utf16(text):
    return len(text.encode("utf-16-le")) // 2


def position_of(text, needle, occurrence=1, delta=0):
    """The LSP position (UTF-16) of the n-th occurrence of `needle`, moved by `delta` characters."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    index += delta
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return {"line": line, "character": utf16(text[start:index])}


class Client:
    def __init__(self):
        self.process = subprocess.Popen([AGR, "lsp", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.next_id = 1
        self.buffer = b""
        self.notifications = []

    def send(self, message):
        body = json.dumps(message, ensure_ascii=False).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            header_end = self.buffer.find(b"\r\n\r\n")
            if header_end != -1:
                headers = self.buffer[:header_end].decode().split("\r\n")
                length = int(next(h for h in headers if h.lower().startswith("content-length:")).split(":")[1])
                if len(self.buffer) >= header_end + 4 + length:
                    body = self.buffer[header_end + 4:header_end + 4 + length]
                    self.buffer = self.buffer[header_end + 4 + length:]
                    return json.loads(body)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.process.stdout], [], [], remaining)[0]:
                raise TimeoutError("agr lsp did not answer")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError("agr lsp closed its output")
            self.buffer += chunk

    def request(self, method, params):
        id_ = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == id_:
                return message
            self.notifications.append(message)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self):
        """The next publishDiagnostics."""
        while True:
            for i, message in enumerate(self.notifications):
                if message.get("method") == "textDocument/publishDiagnostics":
                    return self.notifications.pop(i)["params"]
            self.notifications.append(self.read())

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


class Session(unittest.TestCase):
    """One editor session, in order."""

    def test_session(self):
        client = Client()
        try:
            self.session(client)
        finally:
            client.close()

    def session(self, c):
        answer = c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        capabilities = answer["result"]["capabilities"]
        self.assertEqual(capabilities["positionEncoding"], "utf-16")
        self.assertEqual(capabilities["textDocumentSync"]["change"], 2)
        self.assertTrue(capabilities["hoverProvider"] and capabilities["definitionProvider"])
        c.notify("initialized", {})

        # didOpen with an error: the fee of 0303 does not add up. Its line (a price level's title
        # and its first fee line, written on one line for this) holds "Å", "æ" (two bytes, one
        # UTF-16 unit each) and "🙂" (four bytes, two units) before the error.
        c.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "agr", "version": 1, "text": SOURCE}})
        published = c.diagnostics()
        self.assertEqual((published["uri"], published["version"]), (URI, 1))
        self.assertEqual(len(published["diagnostics"]), 1, published)
        d = published["diagnostics"][0]
        self.assertEqual(d["severity"], 1)
        self.assertIn("the fee of 0303 does not add up", d["message"])
        self.assertIn("hint:", d["message"])
        fee_at = position_of(SOURCE, "fee 100.00")
        self.assertEqual(d["range"]["start"], fee_at)
        self.assertEqual(fee_at["character"], 46)  # 46 UTF-16 units: 45 characters, 50 bytes
        line = SOURCE.splitlines()[fee_at["line"]]
        self.assertEqual(d["range"]["end"], {"line": fee_at["line"], "character": utf16(line)})

        # didChange, incremental: 70.00 -> 60.00, by a UTF-16 range after the emoji.
        start = position_of(SOURCE, "70.00")
        end = {"line": start["line"], "character": start["character"] + 5}
        c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                            "contentChanges": [{"range": {"start": start, "end": end}, "text": "60.00"}]})
        published = c.diagnostics()
        self.assertEqual((published["version"], published["diagnostics"]), (2, []))
        text = SOURCE.replace("70.00", "60.00")

        # Hover: a code's service and fee, a group's members, a rule's message, a definition's
        # expression; nothing inside a text.
        def hover(needle, occurrence=1, delta=1):
            result = c.request("textDocument/hover", {"textDocument": {"uri": URI},
                                                      "position": position_of(text, needle, occurrence, delta)})["result"]
            return result and result["contents"]["value"]

        service = hover("0302", occurrence=2)  # in the group
        self.assertIn("**0302** Træning", service)
        self.assertIn("fee 200.00 (subsidy 80.00, patient 120.00)", service)
        group = hover("training", occurrence=2)  # in `rule KNE-1 for training`
        self.assertIn("**group training** = 0302, 0303", group)
        self.assertIn("- 0303 Åben træning 🙂", group)
        self.assertIn("Træning inden for 3 måneder.", hover("KNE-1"))
        self.assertIn("start + 3 months", hover("limit", occurrence=2))
        self.assertIn("Givet som video.", hover("video", occurrence=3))
        self.assertIsNone(hover("Træning inden", delta=3))  # inside a text
        self.assertIsNone(hover("# Knæ", delta=3))          # inside a comment
        result = c.request("textDocument/hover", {"textDocument": {"uri": URI}, "position": position_of(text, "0302", 2, 4)})
        self.assertEqual(result["result"]["range"]["start"], position_of(text, "0302", 2))  # the end of a word counts

        # Go to definition: group, define, flag, service code.
        def definition(needle, occurrence):
            result = c.request("textDocument/definition", {"textDocument": {"uri": URI},
                                                           "position": position_of(text, needle, occurrence, 1)})["result"]
            return [(r["uri"], r["range"]["start"]) for r in result or []]

        self.assertEqual(definition("training", 2), [(URI, position_of(text, "training"))])
        self.assertEqual(definition("limit", 2), [(URI, position_of(text, "limit"))])
        self.assertEqual(definition("video", 3), [(URI, position_of(text, "video"))])
        self.assertEqual(definition("0303", 3), [(URI, position_of(text, "0303"))])
        self.assertEqual(definition("require", 1), [])

        # Completion: everything where a set or an expression goes; only flags after `flagged`.
        items = c.request("textDocument/completion", {"textDocument": {"uri": URI},
                                                      "position": position_of(text, "date <= limit", delta=0)})["result"]["items"]
        labels = {item["label"]: item for item in items}
        for label in ("0301", "0303", "training", "limit", "video", "require", "count", "flagged"):
            self.assertIn(label, labels)
        self.assertEqual(labels["0303"]["detail"], "Åben træning 🙂")
        items = c.request("textDocument/completion", {"textDocument": {"uri": URI},
                                                      "position": position_of(text, "video\n  message", delta=0)})["result"]["items"]
        self.assertEqual([item["label"] for item in items], ["video"])

        # A whole-text change that breaks the syntax: the error is published; hover still knows
        # the names, and definition declines rather than point at where a name used to be.
        broken = text.replace("require date <= limit", "require date <=")
        c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": broken}]})
        published = c.diagnostics()
        self.assertEqual(published["version"], 3)
        self.assertGreaterEqual(len(published["diagnostics"]), 1)
        self.assertIsNotNone(c.request("textDocument/hover", {"textDocument": {"uri": URI},
                                                              "position": position_of(broken, "training", 2, 1)})["result"])
        self.assertIsNone(c.request("textDocument/definition", {"textDocument": {"uri": URI},
                                                                "position": position_of(broken, "training", 2, 1)})["result"])

        # An unknown request gets an error; didClose clears the diagnostics.
        self.assertEqual(c.request("textDocument/rename", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})["error"]["code"], -32601)
        c.notify("textDocument/didClose", {"textDocument": {"uri": URI}})
        self.assertEqual(c.diagnostics()["diagnostics"], [])

        self.assertIsNone(c.request("shutdown", None)["result"])
        c.notify("exit", None)
        self.assertEqual(c.process.wait(10), 0)


class Formatting(unittest.TestCase):
    """textDocument/formatting: `agr fmt`'s layout, as one edit; nothing for a text that does not parse."""

    def setUp(self):
        self.c = Client()
        capabilities = self.c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.assertTrue(capabilities["result"]["capabilities"]["documentFormattingProvider"])
        self.c.notify("initialized", {})

    def tearDown(self):
        self.c.close()

    def open(self, text, uri=URI):
        self.c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "agr", "version": 1, "text": text}})
        self.c.diagnostics()

    def format(self, uri=URI):
        return self.c.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                         "options": {"tabSize": 4, "insertSpaces": True}})["result"]

    def test_the_edit_is_agr_fmts_layout(self):
        # Out of layout: a rule's clauses unindented, a group's codes crowded, a blank line too
        # many; and the last line an emoji in a comment with no line break, so that the edit's end
        # counts UTF-16 units.
        messy = (SOURCE.replace("  require date", "require date").replace("0302, 0303", "0302 ,0303")
                 .replace("define limit", "\n\ndefine limit") + "# slut 🙂")
        fmt = subprocess.run([AGR, "fmt", "-"], input=messy.encode(), capture_output=True)
        self.assertEqual(fmt.returncode, 0, fmt.stderr)
        expected = fmt.stdout.decode()
        self.assertNotEqual(expected, messy)
        self.open(messy)
        edits = self.format()
        last = messy.splitlines()[-1]
        self.assertEqual(edits, [{"range": {"start": {"line": 0, "character": 0},
                                            "end": {"line": messy.count("\n"), "character": utf16(last)}},
                                  "newText": expected}])
        self.assertEqual(utf16(last), len(last) + 1)
        # Laid out already: no edits.
        self.c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                                 "contentChanges": [{"text": expected}]})
        self.c.diagnostics()
        self.assertEqual(self.format(), [])

    def test_a_text_with_syntax_errors_is_left_alone(self):
        broken = SOURCE.replace("require date <= limit", "require date <=")
        self.assertEqual(subprocess.run([AGR, "fmt", "-"], input=broken.encode(), capture_output=True).returncode, 1)
        self.open(broken)
        self.assertIsNone(self.format())
        # A document that is not open is an error, as for the other requests.
        answer = self.c.request("textDocument/formatting", {"textDocument": {"uri": "file:///nowhere.agr"}, "options": {}})
        self.assertEqual(answer["error"]["code"], -32602)


class Protocol(unittest.TestCase):
    def test_requests_before_initialize_and_exit_without_shutdown(self):
        c = Client()
        try:
            answer = c.request("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})
            self.assertEqual(answer["error"]["code"], -32002)
            body = b"{not json"
            c.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            c.process.stdin.flush()
            self.assertEqual(c.read()["error"]["code"], -32700)
            c.notify("exit", None)
            self.assertEqual(c.process.wait(10), 1)  # exit without shutdown
        finally:
            c.close()

    def test_end_of_input_ends_the_server(self):
        c = Client()
        try:
            c.process.stdin.close()
            self.assertEqual(c.process.wait(10), 1)
        finally:
            c.process.stdin = open(os.devnull, "wb")
            c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
