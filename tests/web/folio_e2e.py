"""A real folio-server process on a fresh data directory, and a webhook receiver, for the end-to-end tests here.

Only the standard library: the server is driven over real HTTP, signatures are checked with Python's own hmac.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import queue
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


class Server:
    """folio-server serve on 127.0.0.1:0 over a data directory; start() again reuses the same directory."""

    def __init__(self, binary, env=None, data_dir=None):
        self.binary = binary
        self.env = dict(os.environ, **(env or {}))
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="folio-e2e-")
        self.process = None
        self.url = None
        self.key = None
        self.output = []

    def start(self, timeout=60):
        self.output = []
        self.process = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            found = re.search(r"\b(folio_[0-9a-f]{16,})\b", line)
            if found and self.key is None:
                self.key = found.group(1)
            if '"event":"listening"' in line:
                self.url = json.loads(line)["url"]
                return self
        raise RuntimeError("folio-server did not start:\n" + "".join(self.output))

    def start_refused(self, timeout=60):
        """Starts the server expecting it to refuse to: its output, once it has exited with a failure."""
        try:
            self.start(timeout)
        except RuntimeError as refused:
            status = self.process.wait(timeout=30)
            self.process.stdout.close()
            self.process = None
            self.remove()
            assert status != 0, f"folio-server exited with 0: {refused}"
            return str(refused)
        self.remove()
        raise AssertionError("folio-server started")

    def _pump(self, lines):
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)

    def stop(self, sig=signal.SIGTERM):
        """Ends the server with `sig`. Its offices go with it even on SIGKILL: each office's guard sees the server's
        end (test_hostile_documents_e2e.py checks that); nothing here cleans up after it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=120)
        if self.process:
            self.process.stdout.close()
        self.process = None

    def children(self):
        """The pids of the server's own child processes (its offices' guards)."""
        return [pid for pid, _, parent, _ in processes() if parent == self.process.pid]

    def remove(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def admin(self, *arguments):
        return subprocess.run([self.binary, *arguments, "--data-dir", self.data_dir], env=self.env,
                              capture_output=True, text=True, check=True).stdout

    def webhook_secret(self, org="default"):
        return self.admin("orgs", "webhook-secret", org).strip()

    def request(self, method, target, body=None, headers=None, key=True, timeout=300):
        """(status, headers with lower-case names, body bytes); never raises on an HTTP error status."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        if key:
            sent["Authorization"] = "Bearer " + self.key
        sent.update(headers or {})
        url = target if target.startswith("http") else self.url + target
        made = urllib.request.Request(url, data=data, method=method, headers=sent)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(made, timeout=timeout) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as failure:
            return failure.code, {k.lower(): v for k, v in failure.headers.items()}, failure.read()

    def json(self, method, target, body=None, **options):
        status, headers, raw = self.request(method, target, body, **options)
        return status, json.loads(raw) if raw else None

    def completed(self, path, body):
        """The answer of a sync generate call, which must have completed."""
        status, answer = self.json("POST", path, body)
        assert status == 200 and answer["status"] == "completed", (status, answer)
        return answer

    def metrics(self):
        status, _, raw = self.request("GET", "/metrics", key=False)
        assert status == 200, status
        return parse_metrics(raw.decode())


def processes():
    """(pid, state, parent pid, process group) of every process, from /proc/PID/stat (fields after the last ')')."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.append((int(entry), fields[0], int(fields[1]), int(fields[2])))
    return found


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def parse_metrics(text):
    """{'name{labels}': value} for every sample line of a Prometheus text exposition."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Authority:
    """A certificate authority made at test time with the openssl command line, and server certificates: signed by it,
    or signing themselves (no authority vouches for those)."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="folio-ca-")
        self.certificate = self._file("ca.pem")
        self._issued = 0
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-days", "2", "-subj", "/CN=folio test CA", "-keyout", self._file("ca.key"),
                      "-out", self.certificate)

    def issue(self, dns_name):
        """(certificate, key) for `dns_name` and 127.0.0.1, signed by this authority."""
        stem = self._stem("server")
        with open(stem + ".ext", "w", encoding="utf-8") as extensions:
            extensions.write(f"subjectAltName=DNS:{dns_name},IP:127.0.0.1\n")
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-subj", f"/CN={dns_name}", "-keyout", stem + ".key", "-out", stem + ".csr")
        self._openssl("x509", "-req", "-days", "2", "-in", stem + ".csr", "-CA", self.certificate,
                      "-CAkey", self._file("ca.key"), "-CAcreateserial", "-extfile", stem + ".ext",
                      "-out", stem + ".pem")
        return stem + ".pem", stem + ".key"

    def self_signed(self, dns_name):
        """(certificate, key) for `dns_name` that signs itself."""
        stem = self._stem("self")
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-days", "2", "-subj", f"/CN={dns_name}", "-addext", f"subjectAltName=DNS:{dns_name}",
                      "-keyout", stem + ".key", "-out", stem + ".pem")
        return stem + ".pem", stem + ".key"

    def remove(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def _stem(self, kind):
        self._issued += 1
        return self._file(f"{kind}-{self._issued}")

    def _file(self, name):
        return os.path.join(self.directory, name)

    @staticmethod
    def _openssl(*arguments):
        subprocess.run(["openssl", *arguments], check=True, capture_output=True)


class Receiver:
    """A webhook endpoint: records every POST (headers, body) and answers the next status of `answers` (then 200).
    With `tls` (certificate, key) it speaks HTTPS as localhost, and records the server name each client sent."""

    def __init__(self, port=0, answers=(), tls=None):
        self.deliveries = queue.Queue()
        self.answers = list(answers)
        self.server_names = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.deliveries.put({"headers": {k.lower(): v for k, v in self.headers.items()},
                                         "body": body, "path": self.path, "answered": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a refused TLS handshake is the point of some tests

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/folio?team=7"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _socket, name, _context: receiver.server_names.append(name)
            # The handshake happens in the request's own thread, so a refused one does not hold up the next client.
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True,
                                                     do_handshake_on_connect=False)
            self.url = f"https://localhost:{self.port}/hooks/folio?team=7"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=120):
        return self.deliveries.get(timeout=timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(secret, delivery, tolerance=300):
    """Standard Webhooks verification, written independently of the server: True when one v1 signature matches."""
    headers = delivery["headers"]
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f'{headers["webhook-id"]}.{headers["webhook-timestamp"]}.'.encode() + delivery["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) <= tolerance
    offered = [part.split(",", 1)[1] for part in headers["webhook-signature"].split(" ") if part.startswith("v1,")]
    return fresh and any(hmac.compare_digest(expected, candidate) for candidate in offered)
