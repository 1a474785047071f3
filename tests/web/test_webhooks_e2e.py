"""Webhooks end to end: a real folio-server (scripted agent, LibreOffice, SQLite) POSTs each terminal task state to a
local receiver, signed as Standard Webhooks says; failures are retried; pending deliveries survive a restart. The
receivers listen on loopback, which webhooks may reach only where webhook_allow_networks says so: by default every
special-purpose address is refused, when the call names it and again when a host name resolves to it."""
import json
import signal
import sys
import time
import unittest

import folio_e2e

SERVER = None
LOOPBACK = "127.0.0.0/8, ::1"


def attempt_logged(server, task_id, timeout=60):
    """The webhook log line of the task's first attempt."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in list(server.output):
            if line.startswith("{") and f'"task_id":"{task_id}"' in line and '"outcome"' in line:
                return json.loads(line)
        time.sleep(0.2)
    raise AssertionError(f"no webhook attempt logged for {task_id}")


class WebhookTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = folio_e2e.Server(SERVER, env={"FOLIO_WEBHOOK_RETRY": "1s", "FOLIO_WEBHOOK_TIMEOUT": "2s",
                                                   "FOLIO_WEBHOOK_ALLOW_NETWORKS": LOOPBACK}).start()
        cls.secret = cls.server.webhook_secret()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def generate(self, prompt, webhook_url, **fields):
        status, answer = self.server.json("POST", "/excel/generate",
                                          {"prompt": prompt, "webhook_url": webhook_url, **fields})
        self.assertIn(status, (200, 202), answer)
        return answer

    def test_completed_task_is_posted_once_signed_with_the_organization_secret(self):
        self.assertTrue(self.secret.startswith("whsec_"))
        receiver = folio_e2e.Receiver()
        try:
            answer = self.generate("Create a Q3 sales report", receiver.url)
            self.assertEqual(answer["status"], "completed")
            delivery = receiver.next()
            headers = delivery["headers"]
            self.assertEqual(delivery["path"], "/hooks/folio?team=7")
            self.assertTrue(headers["webhook-id"].startswith("evt_"))
            self.assertTrue(headers["webhook-signature"].startswith("v1,"))
            self.assertEqual(headers["content-type"], "application/json")
            self.assertTrue(folio_e2e.verify_signature(self.secret, delivery))
            # A changed body or another secret does not verify: the check above means something.
            forged = dict(delivery, body=delivery["body"].replace(b"completed", b"cancelled"))
            self.assertFalse(folio_e2e.verify_signature(self.secret, forged))
            self.assertFalse(folio_e2e.verify_signature("whsec_" + "A" * 32, delivery))

            payload = json.loads(delivery["body"])
            self.assertEqual(payload["type"], "task.completed")
            self.assertEqual(payload["data"]["task_id"], answer["task_id"])
            self.assertEqual(payload["data"]["run_id"], answer["run_id"])
            self.assertEqual(payload["data"]["status"], "completed")
            self.assertEqual(payload["data"]["progress"], 100)
            self.assertEqual(payload["data"]["prompt"], "Create a Q3 sales report")
            self.assertTrue(payload["data"]["download_url"])
            self.assertTrue(payload["timestamp"].endswith("Z"))
            # Accepted at once: no second delivery.
            time.sleep(3)
            self.assertTrue(receiver.deliveries.empty())
        finally:
            receiver.close()
        # The secret and signatures never reach the log.
        log = "".join(self.server.output)
        self.assertNotIn(self.secret, log)
        self.assertNotIn(headers["webhook-signature"][3:], log)

    def test_failed_and_cancelled_tasks_are_posted_with_their_own_types(self):
        receiver = folio_e2e.Receiver()
        try:
            failed = self.generate("Make me a sandwich", receiver.url)
            self.assertEqual(failed["status"], "failed")
            payload = json.loads(receiver.next()["body"])
            self.assertEqual(payload["type"], "task.failed")
            self.assertEqual(payload["data"]["error"]["code"], "prompt_not_understood")

            # A turn queued behind a running one of the same run is cancelled before it runs.
            first = self.generate("Create a Q3 sales report", receiver.url, **{"async": True})
            second = self.generate("Add a forecast tab for FY26", receiver.url,
                                   **{"async": True, "run_id": first["run_id"]})
            status, cancelled = self.server.json("POST", f"/tasks/{second['task_id']}/cancel")
            self.assertEqual(status, 200, cancelled)
            self.assertEqual(cancelled["status"], "cancelled")
            types = {}
            for _ in range(2):
                payload = json.loads(receiver.next()["body"])
                types[payload["data"]["task_id"]] = payload["type"]
            self.assertEqual(types[second["task_id"]], "task.cancelled")
            self.assertEqual(types[first["task_id"]], "task.completed")
        finally:
            receiver.close()

    def test_a_delivery_answered_500_is_retried_with_the_same_id(self):
        receiver = folio_e2e.Receiver(answers=[500, 503])
        before = self.server.metrics()
        try:
            answer = self.generate("Create a Q3 sales report", receiver.url)
            attempts = [receiver.next() for _ in range(3)]
        finally:
            receiver.close()
        self.assertEqual([each["answered"] for each in attempts], [500, 503, 200])
        self.assertEqual(len({each["headers"]["webhook-id"] for each in attempts}), 1)
        for each in attempts:
            self.assertTrue(folio_e2e.verify_signature(self.secret, each))
            self.assertEqual(json.loads(each["body"])["data"]["task_id"], answer["task_id"])
        after = self.server.metrics()
        retried = 'folio_webhook_attempts_total{outcome="retried"}'
        delivered = 'folio_webhook_attempts_total{outcome="delivered"}'
        self.assertEqual(after[retried] - before.get(retried, 0), 2)
        self.assertGreaterEqual(after[delivered] - before.get(delivered, 0), 1)

    def test_a_pending_delivery_is_made_after_the_server_is_killed_and_restarted(self):
        port = folio_e2e.free_port()
        url = f"http://127.0.0.1:{port}/after-restart"
        retried = 'folio_webhook_attempts_total{outcome="retried"}'
        before = self.server.metrics().get(retried, 0)
        answer = self.generate("Create a Q3 sales report", url)
        self.assertEqual(answer["status"], "completed")
        # Nobody listens yet: wait for a failed attempt, then kill the server without a chance to clean up.
        deadline = time.time() + 60
        while self.server.metrics().get(retried, 0) <= before:
            self.assertLess(time.time(), deadline, "no failed attempt")
            time.sleep(0.5)
        self.server.stop(signal.SIGKILL)
        receiver = folio_e2e.Receiver(port=port)
        try:
            self.server.start()
            delivery = receiver.next(timeout=120)
        finally:
            receiver.close()
        self.assertTrue(folio_e2e.verify_signature(self.secret, delivery))
        payload = json.loads(delivery["body"])
        self.assertEqual(payload["type"], "task.completed")
        self.assertEqual(payload["data"]["task_id"], answer["task_id"])

    def test_a_bad_webhook_url_is_refused_and_nothing_is_created(self):
        status, before = self.server.json("GET", "/runs?limit=100")
        for bad in ["ftp://example.com/hook", "example.com/hook", "http://user:pw@example.com/", "http://host:0/"]:
            status, answer = self.server.json("POST", "/excel/generate",
                                              {"prompt": "Create a Q3 sales report", "webhook_url": bad})
            self.assertEqual(status, 400, bad)
            self.assertEqual(answer["error"]["param"], "webhook_url")
        status, after = self.server.json("GET", "/runs?limit=100")
        self.assertEqual(len(after["items"]), len(before["items"]))


class HttpsWebhookTests(unittest.TestCase):
    """https endpoints: the server trusts a certificate authority made here (webhook_ca_file) besides the system's, and
    checks that the receiver's certificate names the URL's host. One attempt only, so a refused endpoint is given up at
    once and its log line says why."""

    @classmethod
    def setUpClass(cls):
        cls.authority = folio_e2e.Authority()
        cls.server = folio_e2e.Server(SERVER, env={"FOLIO_WEBHOOK_CA_FILE": cls.authority.certificate,
                                                   "FOLIO_WEBHOOK_ATTEMPTS": "1",
                                                   "FOLIO_WEBHOOK_TIMEOUT": "5s",
                                                   "FOLIO_WEBHOOK_ALLOW_NETWORKS": LOOPBACK}).start()
        cls.secret = cls.server.webhook_secret()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()
        cls.authority.remove()

    def generate(self, webhook_url):
        status, answer = self.server.json("POST", "/excel/generate",
                                          {"prompt": "Create a Q3 sales report", "webhook_url": webhook_url})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["status"], "completed")
        return answer

    def attempt_logged(self, task_id):
        return attempt_logged(self.server, task_id)

    def test_an_https_endpoint_with_a_certificate_of_the_trusted_authority_gets_the_signed_delivery(self):
        receiver = folio_e2e.Receiver(tls=self.authority.issue("localhost"))
        try:
            self.assertTrue(receiver.url.startswith("https://localhost:"))
            answer = self.generate(receiver.url)
            delivery = receiver.next()
        finally:
            receiver.close()
        self.assertEqual(delivery["path"], "/hooks/folio?team=7")
        self.assertTrue(folio_e2e.verify_signature(self.secret, delivery))
        payload = json.loads(delivery["body"])
        self.assertEqual(payload["type"], "task.completed")
        self.assertEqual(payload["data"]["task_id"], answer["task_id"])
        # The client named the host it meant (SNI), which is what the certificate was checked against.
        self.assertIn("localhost", receiver.server_names)
        logged = self.attempt_logged(answer["task_id"])
        self.assertEqual(logged["outcome"], "delivered")
        self.assertEqual(logged["host"], "localhost")
        self.assertNotIn(self.secret, "".join(self.server.output))

    def refused_attempt(self, identity):
        """The log line of an attempt at a receiver presenting `identity`, which must get no delivery."""
        receiver = folio_e2e.Receiver(tls=identity)
        try:
            answer = self.generate(receiver.url)
            logged = self.attempt_logged(answer["task_id"])
            self.assertTrue(receiver.deliveries.empty())
        finally:
            receiver.close()
        self.assertEqual(logged["outcome"], "abandoned")
        self.assertNotIn("/hooks/folio", logged["detail"])
        return logged

    def test_an_https_endpoint_whose_certificate_nobody_trusted_signed_gets_nothing(self):
        logged = self.refused_attempt(self.authority.self_signed("localhost"))
        self.assertIn("certificate was refused", logged["detail"])

    def test_an_https_endpoint_with_a_certificate_for_another_host_gets_nothing(self):
        # The certificate names receiver.example and 127.0.0.1, not localhost.
        logged = self.refused_attempt(self.authority.issue("receiver.example"))
        self.assertIn("hostname mismatch", logged["detail"])


class InsideAddressTests(unittest.TestCase):
    """A server as it starts by default: webhooks may not reach loopback, private, link-local or other special-purpose
    addresses."""

    @classmethod
    def setUpClass(cls):
        cls.server = folio_e2e.Server(SERVER, env={"FOLIO_WEBHOOK_ATTEMPTS": "1"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def test_a_webhook_url_naming_an_inside_address_is_refused_and_nothing_is_created(self):
        receiver = folio_e2e.Receiver()
        try:
            status, before = self.server.json("GET", "/runs?limit=100")
            inside = {receiver.url: "loopback", "http://169.254.169.254/latest/meta-data/": "link-local",
                      "http://10.1.2.3/hook": "private", "http://[::1]:8080/hook": "loopback",
                      "http://[::ffff:127.0.0.1]/hook": "loopback", "http://0.0.0.0:9/": "'this network'",
                      "http://[fd12::1]/hook": "unique local", "http://100.64.0.1/hook": "shared"}
            for url, kind in inside.items():
                status, answer = self.server.json("POST", "/excel/generate",
                                                  {"prompt": "Create a Q3 sales report", "webhook_url": url})
                self.assertEqual(status, 400, (url, answer))
                self.assertEqual(answer["error"]["param"], "webhook_url")
                self.assertIn(kind, answer["error"]["message"])
            status, after = self.server.json("GET", "/runs?limit=100")
            self.assertEqual(after["items"], before["items"])
            self.assertTrue(receiver.deliveries.empty())
        finally:
            receiver.close()

    def test_a_host_name_that_resolves_inside_is_refused_when_the_delivery_connects(self):
        receiver = folio_e2e.Receiver()
        try:
            named = receiver.url.replace("127.0.0.1", "localhost")
            status, answer = self.server.json("POST", "/excel/generate",
                                              {"prompt": "Create a Q3 sales report", "webhook_url": named})
            self.assertEqual(status, 200, answer)
            logged = attempt_logged(self.server, answer["task_id"])
            self.assertTrue(receiver.deliveries.empty())
        finally:
            receiver.close()
        self.assertEqual(logged["outcome"], "abandoned")
        self.assertIn("refused to connect to localhost", logged["detail"])
        self.assertIn("loopback", logged["detail"])

    def test_a_malformed_network_list_stops_the_server(self):
        output = folio_e2e.Server(SERVER, env={"FOLIO_WEBHOOK_ALLOW_NETWORKS": "10.0.0.0/33"}).start_refused()
        self.assertIn("webhook_allow_networks: '10.0.0.0/33' is not a network", output)


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
