"""Starts `agr serve` on a free loopback port for a test, and stops it.

The server is started with --port 0 and names the port it bound in its first log line, so no
port is ever guessed. Its log (stderr) goes to a file that the test may read.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time


class AgrServer:
    def __init__(self, agr, paths, *options, log_dir=None):
        log_dir = log_dir or tempfile.mkdtemp(prefix="agr-serve-")
        os.makedirs(log_dir, exist_ok=True)
        self.log_path = os.path.join(log_dir, "serve.log")
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [agr, "serve", *paths, "--host", "127.0.0.1", "--port", "0", *options],
            stdout=subprocess.DEVNULL, stderr=self._log)
        self.port = None
        deadline = time.monotonic() + 20
        while self.port is None:
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", self.log())
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None:
                raise RuntimeError(f"agr serve exited with {self.process.returncode}:\n{self.log()}")
            elif time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"agr serve did not start:\n{self.log()}")
            else:
                time.sleep(0.02)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def connection(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10):
        """One request on a fresh connection: (status, headers, body bytes)."""
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None):
        status, _, data = self.request(method, path, body, headers)
        return status, json.loads(data)

    def signal(self, number):
        self.process.send_signal(number)

    def stop(self, timeout=10):
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
