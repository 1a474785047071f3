"""GET /metrics and GET /openapi.json on a real folio-server: counters move with the requests, turns and exports a
user makes, and the document answers for every route it lists (the route table test compares them exactly). Also
the HTTP framing of a 304 and what SIGTERM does to the listening socket, read on raw sockets."""
import json
import re
import signal
import socket
import sys
import time
import unittest
import urllib.parse

import folio_e2e

SERVER = None


class OperationsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = folio_e2e.Server(SERVER).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def test_metrics_count_requests_by_route_and_code_and_time_them(self):
        before = self.server.metrics()
        for _ in range(3):
            self.assertEqual(self.server.request("GET", "/runs?limit=5")[0], 200)
        self.assertEqual(self.server.request("GET", "/tasks/task_01HXZZZZZZZZZZZZZZZZZZZZZZ")[0], 404)
        self.assertEqual(self.server.request("GET", "/runs", key=False)[0], 401)
        after = self.server.metrics()
        ok = 'folio_http_requests_total{method="GET",route="/runs",code="200"}'
        self.assertEqual(after[ok] - before.get(ok, 0), 3)
        self.assertEqual(after['folio_http_requests_total{method="GET",route="/tasks/{task_id}",code="404"}']
                         - before.get('folio_http_requests_total{method="GET",route="/tasks/{task_id}",code="404"}', 0), 1)
        self.assertGreaterEqual(after['folio_http_requests_total{method="GET",route="/runs",code="401"}'], 1)
        count = 'folio_http_request_duration_seconds_count{method="GET",route="/runs"}'
        infinite = 'folio_http_request_duration_seconds_bucket{method="GET",route="/runs",le="+Inf"}'
        self.assertEqual(after[count] - before.get(count, 0), 4)
        self.assertEqual(after[infinite], after[count])
        self.assertGreater(after['folio_http_request_duration_seconds_sum{method="GET",route="/runs"}'], 0)

    def test_metrics_show_turns_by_status_and_the_queue(self):
        before = self.server.metrics()
        status, done = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report"})
        self.assertEqual(done["status"], "completed")
        status, failed = self.server.json("POST", "/word/generate", {"prompt": "Make me a sandwich"})
        self.assertEqual(failed["status"], "failed")
        after = self.server.metrics()
        for status_name in ("completed", "failed"):
            key = f'folio_tasks_finished_total{{status="{status_name}"}}'
            self.assertEqual(after[key] - before.get(key, 0), 1, key)
        self.assertEqual(after["folio_queue_depth"], 0)
        self.assertEqual(after['folio_tasks{status="running"}'], 0)
        self.assertIn("folio_webhooks_pending", after)
        # The turns ran on the LibreOffice pool, whose counters are scraped from the plugin.
        self.assertGreaterEqual(after["folio_office_jobs_total"], 1)
        self.assertIn('folio_office_restarts_total{reason="crashed"}', after)

    def test_a_follow_up_opens_the_parked_document_and_metrics_count_it(self):
        status, first = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report"})
        self.assertEqual(first["status"], "completed")
        # The office loads the saved bytes after the turn has answered; a user's next prompt comes once it is idle.
        deadline = time.monotonic() + 60
        while self.server.metrics()['folio_office_processes{state="busy"}'] > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = self.server.metrics()
        status, second = self.server.json("POST", "/excel/generate",
                                          {"run_id": first["run_id"], "prompt": "Set 'Q3 Sales'!A9 to Reviewed"})
        self.assertEqual(second["status"], "completed")
        after = self.server.metrics()
        # The office that ran the first turn loaded its bytes after it, and the follow-up took them from there.
        parked = 'folio_office_parked_opens_total{outcome="parked"}'
        self.assertEqual(after[parked] - before.get(parked, 0), 1)
        self.assertEqual(after['folio_office_parked_opens_total{outcome="loaded"}']
                         - before.get('folio_office_parked_opens_total{outcome="loaded"}', 0), 0)
        self.assertIn("folio_office_parked_documents", after)

    def test_metrics_count_export_cache_hits_misses_conversions_and_failures_by_target(self):
        status, made = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report"})
        self.assertEqual(made["status"], "completed")
        export = f'/runs/{made["run_id"]}/export'

        def delta(after, before, name, target):
            key = f'{name}{{target="{target}"}}'
            return after.get(key, 0) - before.get(key, 0)

        before = self.server.metrics()
        first = self.server.request("POST", export, {"format": "pdf"})
        self.assertEqual((first[0], first[1]["x-export-cache"]), (200, "miss"))
        after_first = self.server.metrics()
        self.assertEqual(delta(after_first, before, "folio_export_cache_misses_total", "pdf"), 1)
        self.assertEqual(delta(after_first, before, "folio_conversions_total", "pdf"), 1)
        self.assertEqual(delta(after_first, before, "folio_export_cache_hits_total", "pdf"), 0)

        again = self.server.request("POST", export, {"format": "pdf"})
        self.assertEqual((again[0], again[1]["x-export-cache"]), (200, "hit"))
        after_again = self.server.metrics()
        self.assertEqual(delta(after_again, after_first, "folio_export_cache_hits_total", "pdf"), 1)
        self.assertEqual(delta(after_again, after_first, "folio_export_cache_misses_total", "pdf"), 0)
        self.assertEqual(delta(after_again, after_first, "folio_conversions_total", "pdf"), 0)

        # The workbook's PDF has nowhere near 999 pages: the conversion runs and fails.
        failed = self.server.json("POST", export, {"format": "png", "page": 999})
        self.assertGreaterEqual(failed[0], 400)
        after_failure = self.server.metrics()
        self.assertEqual(delta(after_failure, after_again, "folio_export_cache_misses_total", "png"), 1)
        self.assertEqual(delta(after_failure, after_again, "folio_export_failures_total", "png"), 1)
        self.assertEqual(delta(after_failure, after_again, "folio_conversions_total", "png"), 0)
        # A refused request (a pair API.md does not allow) converts nothing and counts nothing.
        self.assertEqual(self.server.request("POST", export, {"format": "odt"})[0], 422)
        self.assertNotIn('folio_export_cache_misses_total{target="odt"}', self.server.metrics())

    def test_a_304_has_no_content_length_and_the_connection_stays_usable(self):
        status, made = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report"})
        link = urllib.parse.urlsplit(made["download_url"])
        target = link.path + "?" + link.query
        first = self.server.request("GET", made["download_url"], key=False)
        self.assertEqual(first[0], 200)
        etag = first[1]["etag"]
        with socket.create_connection((link.hostname, link.port), timeout=30) as connection:
            reader = connection.makefile("rb")
            connection.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode())
            status_line, headers = read_head(reader)
            self.assertEqual(status_line, "HTTP/1.1 304 Not Modified")
            self.assertNotIn("content-length", headers)
            self.assertNotIn("transfer-encoding", headers)
            self.assertEqual(headers["etag"], etag)
            # The next answer on the same connection starts right after the 304's head: nothing was left unread.
            connection.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status_line, headers = read_head(reader)
            self.assertEqual(status_line, "HTTP/1.1 200 OK")
            body = reader.read(int(headers["content-length"]))
            self.assertEqual(body, first[2])

    def test_metrics_are_prometheus_text(self):
        status, headers, raw = self.server.request("GET", "/metrics", key=False)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"'
                            r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? [-+0-9.eInf]+$')
        for line in raw.decode().splitlines():
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                continue
            self.assertRegex(line, sample)

    def test_openapi_document_answers_for_every_documented_operation(self):
        status, document = self.server.json("GET", "/openapi.json", key=False)
        self.assertEqual(status, 200)
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document["servers"][0]["url"], self.server.url)
        for path, item in document["paths"].items():
            target = re.sub(r"\{[a-z_]+\}", "x", path)
            for method in item:
                status, _, raw = self.server.request(method.upper(), target)
                problem = json.loads(raw).get("error", {}).get("code") if raw.startswith(b"{") else None
                self.assertNotIn(problem, ("route_not_found", "method_not_allowed"), f"{method} {path}")
                self.assertNotEqual(status, 405, f"{method} {path}")


class ShutdownTests(unittest.TestCase):
    def test_sigterm_refuses_new_connections_at_once_and_lets_the_running_turn_finish(self):
        server = folio_e2e.Server(SERVER, env={"FOLIO_OFFICE_PROCESSES": "1", "FOLIO_SHUTDOWN_GRACE": "60s"}).start()
        try:
            status, queued = server.json("POST", "/excel/generate",
                                         {"prompt": "Create a Q3 sales report", "async": True})
            self.assertEqual(status, 202)
            task = f'/tasks/{queued["task_id"]}'
            while server.json("GET", task)[1]["status"] == "queued":
                time.sleep(0.02)
            address = urllib.parse.urlsplit(server.url)
            # A connection accepted before the signal stays open through the drain.
            held = socket.create_connection((address.hostname, address.port), timeout=30)
            held_reader = held.makefile("rb")
            held.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            status_line, headers = read_head(held_reader)
            self.assertEqual(status_line, "HTTP/1.1 200 OK")
            held_reader.read(int(headers["content-length"]))
            server.process.send_signal(signal.SIGTERM)
            while not any('"event":"draining"' in line for line in server.output):
                time.sleep(0.01)
            self.assertTrue(any('"listening":false' in line for line in server.output), server.output)
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection((address.hostname, address.port), timeout=30).close()
            # The held connection is still served while the turn finishes, and says the server is draining.
            for _ in range(100):
                held.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
                status_line, headers = read_head(held_reader)
                held_reader.read(int(headers["content-length"]))
                if status_line == "HTTP/1.1 503 Service Unavailable":
                    break
                time.sleep(0.01)
            self.assertEqual(status_line, "HTTP/1.1 503 Service Unavailable")
            held.close()
            self.assertFalse([line for line in server.output if "error" in line.lower() and "Socket" in line])
            self.assertEqual(server.process.wait(timeout=120), 0)
            self.assertTrue(any('"event":"stopped"' in line for line in server.output))
            server.process.stdout.close()
            server.process = None
            # The turn that was running when the signal came finished before the server exited.
            server.start()
            status, ended = server.json("GET", task)
            self.assertEqual(ended["status"], "completed")
            self.assertEqual(server.json("GET", f'/runs/{queued["run_id"]}')[1]["turns"], 1)
        finally:
            server.remove()


def read_head(reader):
    """(status line, {lower-case name: value}) of one response head read from a socket file."""
    status_line = reader.readline().decode().rstrip("\r\n")
    headers = {}
    while True:
        line = reader.readline().decode().rstrip("\r\n")
        if not line:
            return status_line, headers
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
