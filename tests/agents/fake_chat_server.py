#!/usr/bin/env python3
"""A chat-completions endpoint with scripted answers, for the openai agent's tests.

Every POST is logged as one JSON line (path, headers, parsed body, the TLS server name the client sent, and a
monotonic time) and answered with the script's next answer, in order: {"status", "headers", "json" | "raw",
"content_type", "delay", "retry_after_date"}; the last is a number of seconds, sent as a Retry-After HTTP date that
far after the answer.
Listens on a free port of 127.0.0.1 and writes it to --port-file once it accepts connections; with --cert and --key
it speaks TLS. A test that keeps one endpoint for several cases sends each its own script: PUT /__script with
{"answers": [...]} replaces the answers and forgets the requests; GET /__requests answers those received since, as a
JSON array of the logged lines.
"""
import argparse
import email.utils
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

arguments = argparse.ArgumentParser()
arguments.add_argument("--script", required=True)
arguments.add_argument("--log", required=True)
arguments.add_argument("--port-file", required=True)
arguments.add_argument("--cert")
arguments.add_argument("--key")
arguments.add_argument("--repeat", action="store_true", help="after the last answer, start again at the first")
arguments.add_argument("--quiet", action="store_true", help="log nothing (a benchmark's endless requests)")
options = arguments.parse_args()

with open(options.script, encoding="utf-8") as file:
    answers = json.load(file)["answers"]
lock = threading.Lock()
state = {"next": 0, "server_name": None, "received": []}
log = open(options.log, "a", encoding="utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def control(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/__script":
            self.control(404, {"error": "PUT /__script only"})
            return
        with lock:
            answers[:] = json.loads(raw)["answers"]
            state["next"] = 0
            state["received"] = []
        self.control(200, {"answers": len(answers)})

    def do_GET(self):
        if self.path != "/__requests":
            self.control(404, {"error": "GET /__requests only"})
            return
        with lock:
            received = list(state["received"])
        self.control(200, received)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with lock:
            line = {"path": self.path, "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body, "server_name": state["server_name"], "time": time.monotonic()}
            if not options.quiet:
                state["received"].append(line)
                log.write(json.dumps(line) + "\n")
                log.flush()
            index = state["next"] % len(answers) if options.repeat and answers else state["next"]
            state["next"] += 1
        answer = answers[index] if index < len(answers) else {
            "status": 500, "json": {"error": {"message": "the test script has no answer left"}}}
        time.sleep(answer.get("delay", 0))
        if "raw" in answer:
            payload, kind = answer["raw"].encode(), "text/plain"
        else:
            payload, kind = json.dumps(answer.get("json", {})).encode(), "application/json"
        kind = answer.get("content_type", kind)
        try:
            self.send_response(answer.get("status", 200))
            for name, value in answer.get("headers", {}).items():
                self.send_header(name, value)
            if "retry_after_date" in answer:
                self.send_header("Retry-After",
                                 email.utils.formatdate(time.time() + answer["retry_after_date"], usegmt=True))
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting (a timeout or a cancel under test)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a refused TLS handshake is the point of some tests


server = Server(("127.0.0.1", 0), Handler)
if options.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)

    def remember_server_name(_socket, name, _context):
        state["server_name"] = name

    context.sni_callback = remember_server_name
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)

written = options.port_file + ".partial"
with open(written, "w", encoding="utf-8") as file:
    file.write(str(server.server_address[1]))
os.rename(written, options.port_file)
server.serve_forever()
