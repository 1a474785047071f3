"""GET /metrics and GET /openapi.json on a real folio-server: counters move with the requests and turns a user
makes, and the document answers for every route it lists (the route table test compares them exactly)."""
import json
import re
import sys
import unittest

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


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
