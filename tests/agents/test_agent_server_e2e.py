"""The OpenAI-compatible agent through a real folio-server: agent profiles from the config file and the environment,
the seed's flow played by a model's tool calls, the endpoint's refusals, a cancel, progress, a kill -9 mid-turn.

The model is a local chat-completions endpoint with scripted answers (fake_chat_server.py); everything else is real:
the server over HTTP, its SQLite data directory, LibreOffice, the workbook read back with openpyxl.
usage: test_agent_server_e2e.py FOLIO_SERVER
"""
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "web"))
import folio_e2e  # noqa: E402

SERVER = None
API_KEY = "sk-live-7c1e9b2a4f6d8e0a3b5c"
# Each model request answered as the test says; the model counts its tokens, so credits can be checked exactly.
TOKENS_PER_CREDIT = 100


def usage(prompt, completion):
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def tool_calls(calls, used=None):
    """An OpenAI chat.completion answer calling tools: calls are (id, name, arguments as a dict)."""
    listed = [{"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
              for call_id, name, arguments in calls]
    return {"json": {"id": "chatcmpl-1", "object": "chat.completion",
                     "choices": [{"index": 0, "finish_reason": "tool_calls",
                                  "message": {"role": "assistant", "content": None, "tool_calls": listed}}],
                     "usage": used or usage(100, 20)}}


def text(content, used=None):
    return {"json": {"id": "chatcmpl-2", "object": "chat.completion",
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}}],
                     "usage": used or usage(100, 20)}}


Q3_DATA = [["Region", "Jul", "Aug", "Sep", "Q3 total"],
           ["North", 120, 135, 150, "=SUM(B2:D2)"],
           ["South", 90, 95, 110, "=SUM(B3:D3)"],
           ["West", 70, 82, 91, "=SUM(B4:D4)"]]


def q3_turn():
    """Turn 1 of the seed: the model writes the Q3 table on a sheet it names, then says what it built."""
    return [tool_calls([("call_q3_1", "add_sheet", {"name": "Q3 Sales"}),
                        ("call_q3_2", "write_range", {"sheet": "Q3 Sales", "cell": "A1", "values": Q3_DATA})],
                       usage(1200, 80)),
            text("Built the Q3 sales report on the sheet 'Q3 Sales'.", usage(1500, 20))]


def forecast_turn():
    return [tool_calls([("call_fc_1", "add_sheet", {"name": "FY26 Forecast"}),
                        ("call_fc_2", "write_range", {"sheet": "FY26 Forecast", "cell": "A1",
                                                      "values": [["Quarter", "Revenue"], ["Q1 FY26", 1200],
                                                                 ["Q2 FY26", "=B2*1.05"]]})],
                       usage(600, 60)),
            text("Added the FY26 forecast tab.", usage(700, 15))]


def write_call(arguments_as_object=False, call_id="call_w1"):
    arguments = {"sheet": "Sheet1", "cell": "B2", "values": [["written"]]}
    call = {"type": "function", "function": {"name": "write_range",
                                             "arguments": arguments if arguments_as_object else json.dumps(arguments)}}
    if call_id is not None:
        call["id"] = call_id
    return call


def completion(message, finish_reason, used=True, **extra):
    answer = {"id": "chatcmpl-x", "object": "chat.completion", "created": 1765000000, "model": "m",
              "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}]}
    if used:
        answer["usage"] = usage(100, 20)
    answer.update(extra)
    return {"json": answer}


def stream(chunks):
    """A text/event-stream answer of chat.completion.chunk deltas, ending in [DONE]."""
    lines = [f"data: {json.dumps({'object': 'chat.completion.chunk', 'choices': [choice]})}\n\n" for choice in chunks]
    return {"raw": "".join(lines) + "data: [DONE]\n\n", "content_type": "text/event-stream"}


# The same turn (write one cell, then say so) as each server answers it. Shapes from each server's documentation of
# its OpenAI-compatible endpoint.
DIALECTS = {
    # OpenAI: content null beside tool calls, string arguments, usage.
    "openai": [completion({"role": "assistant", "content": None, "tool_calls": [write_call()]}, "tool_calls"),
               completion({"role": "assistant", "content": "Done."}, "stop")],
    # vLLM: content "" beside tool calls, and tool calls reported with finish_reason "stop" by older versions.
    "vllm": [completion({"role": "assistant", "content": "", "tool_calls": [write_call(call_id="chatcmpl-tool-9f")],
                         "reasoning_content": None}, "stop"),
             completion({"role": "assistant", "content": "Done.", "tool_calls": []}, "stop")],
    # llama.cpp's server: no usage on some builds, finish_reason "tool_calls".
    "llama.cpp": [completion({"role": "assistant", "content": None, "tool_calls": [write_call(call_id="Xq3")]},
                             "tool_calls", used=False),
                  completion({"role": "assistant", "content": "Done."}, "stop", used=False)],
    # Ollama: arguments as a JSON object and no call id (its native form, passed through by some proxies).
    "ollama": [completion({"role": "assistant", "content": "",
                           "tool_calls": [write_call(arguments_as_object=True, call_id=None)]}, "stop"),
               completion({"role": "assistant", "content": "Done."}, "stop")],
    # LiteLLM: function_call null beside tool_calls, usage with extra fields.
    "litellm": [completion({"role": "assistant", "content": None, "function_call": None,
                            "tool_calls": [write_call(call_id="call_lite")]}, "tool_calls",
                           system_fingerprint=None),
                completion({"role": "assistant", "content": "Done.", "function_call": None, "tool_calls": None},
                           "stop")],
    # A server that streams although the request did not ask it to.
    "streaming": [stream([{"index": 0, "delta": {"role": "assistant", "tool_calls": [
                              {"index": 0, "id": "call_s1", "type": "function",
                               "function": {"name": "write_range", "arguments": '{"sheet": "Sheet1", '}}]}},
                          {"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {
                              "arguments": '"cell": "B2", "values": [["written"]]}'}}]}},
                          {"index": 0, "delta": {}, "finish_reason": "tool_calls"}]),
                  stream([{"index": 0, "delta": {"role": "assistant", "content": "Do"}},
                          {"index": 0, "delta": {"content": "ne."}, "finish_reason": "stop"}])],
}

# The same refusal (HTTP 400) in each server's error body.
ERROR_BODIES = {
    "openai": {"error": {"message": "Invalid schema for function 'write_range'", "type": "invalid_request_error",
                         "param": None, "code": None}},
    "vllm": {"object": "error", "message": "Invalid schema for function 'write_range'", "type": "BadRequestError",
             "param": None, "code": 400},
    "llama.cpp": {"error": {"code": 400, "message": "Invalid schema for function 'write_range'",
                            "type": "invalid_request_error"}},
    "ollama": {"error": "Invalid schema for function 'write_range'"},
    "litellm": {"error": {"message": "litellm.BadRequestError: Invalid schema for function 'write_range'",
                          "type": None, "param": None, "code": "400"}},
    "fastapi": {"detail": [{"loc": ["body", "tools"], "msg": "Invalid schema for function 'write_range'",
                            "type": "value_error"}]},
}


class Endpoint:
    """fake_chat_server.py on a free port; script() gives the next case its answers."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="folio-chat-")
        port_file = os.path.join(self.directory, "port")
        script = os.path.join(self.directory, "script.json")
        with open(script, "w", encoding="utf-8") as out:
            json.dump({"answers": []}, out)
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_chat_server.py"),
                                         "--script", script, "--log", os.path.join(self.directory, "log.jsonl"),
                                         "--port-file", port_file])
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            assert time.monotonic() < deadline, "the chat endpoint did not write its port within 30 s"
            time.sleep(0.05)
        with open(port_file, encoding="utf-8") as read:
            self.url = f"http://127.0.0.1:{read.read().strip()}"
        self.base_url = self.url + "/v1"

    def script(self, answers):
        request = urllib.request.Request(self.url + "/__script", data=json.dumps({"answers": answers}).encode(),
                                         method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200

    def requests(self):
        with urllib.request.urlopen(self.url + "/__requests", timeout=10) as answer:
            return json.loads(answer.read())

    def wait_for_requests(self, count, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            received = self.requests()
            if len(received) >= count:
                return received
            assert time.monotonic() < deadline, f"the endpoint got {len(received)} requests, not {count}, in {timeout} s"
            time.sleep(0.05)

    def close(self):
        self.process.kill()
        self.process.wait()


def workbook(server, answer):
    status, _, raw = server.request("GET", answer["download_url"], key=False)
    assert status == 200, status
    return openpyxl.load_workbook(io.BytesIO(raw))


def wait_for_task(server, task_id, statuses, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        status, task = server.json("GET", f"/tasks/{task_id}")
        assert status == 200, (status, task)
        if task["status"] in statuses:
            return task
        assert time.monotonic() < deadline, f"task {task_id} still {task['status']} after {timeout} s, not {statuses}"
        time.sleep(0.1)


def profile_config(endpoint, directory, **extra):
    """A --config file with the profile 'gpt' on `endpoint`."""
    path = os.path.join(directory, "folio.json")
    config = {"base_url": endpoint.base_url, "model": "gpt-test", "api_key_env": "FOLIO_TEST_MODEL_KEY",
              "tokens_per_credit": TOKENS_PER_CREDIT, "retry_initial_ms": 10, "retry_max_ms": 50}
    config.update(extra)
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"agents": {"gpt": {"plugin": "openai", "config": config}}}, out)
    return path


class ProfileTests(unittest.TestCase):
    """One server: the profile 'gpt' from its --config file, 'openai' from FOLIO_OPENAI_*, and 'scripted'."""

    @classmethod
    def setUpClass(cls):
        cls.endpoint = Endpoint()
        cls.directory = tempfile.mkdtemp(prefix="folio-agents-")
        env = {"FOLIO_CONFIG": profile_config(cls.endpoint, cls.directory), "FOLIO_TEST_MODEL_KEY": API_KEY,
               "FOLIO_OPENAI_BASE_URL": cls.endpoint.base_url, "FOLIO_OPENAI_MODEL": "env-model",
               "FOLIO_OPENAI_API_KEY_ENV": "FOLIO_TEST_MODEL_KEY"}
        cls.server = folio_e2e.Server(SERVER, env=env).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()
        cls.endpoint.close()

    def assert_no_key(self, *texts):
        for shown in texts:
            self.assertNotIn(API_KEY, shown if isinstance(shown, str) else json.dumps(shown))

    def test_agents_lists_every_profile_with_its_plugin_and_model_and_never_a_key(self):
        status, listed = self.server.json("GET", "/agents")
        self.assertEqual(status, 200, listed)
        self.assertEqual(listed["items"], [
            {"name": "gpt", "plugin": "openai", "model": "gpt-test", "default": False},
            {"name": "openai", "plugin": "openai", "model": "env-model", "default": False},
            {"name": "scripted", "plugin": "scripted", "default": True}])
        self.assert_no_key(listed)
        self.assertNotIn("FOLIO_TEST_MODEL_KEY", json.dumps(listed))
        status, _ = self.server.json("GET", "/agents", key=False)
        self.assertEqual(status, 401)
        status, ready = self.server.json("GET", "/readyz", key=False)
        self.assertEqual(status, 200, ready)
        self.assertEqual(ready["agents"], ["gpt", "openai", "scripted"])

    def test_an_unknown_profile_is_refused_and_the_profiles_are_listed(self):
        _, before = self.server.json("GET", "/runs?limit=100")
        status, refused = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report",
                                                                        "agent": "claude"})
        self.assertEqual(status, 400, refused)
        self.assertEqual(refused["error"]["code"], "unknown_agent")
        self.assertEqual(refused["error"]["param"], "agent")
        for name in ("gpt", "openai", "scripted"):
            self.assertIn(name, refused["error"]["message"])
        _, after = self.server.json("GET", "/runs?limit=100")
        self.assertEqual(after["items"], before["items"])

    def test_the_seeds_flow_through_a_profile_by_tool_calls_with_the_conversation_carried_to_the_follow_up(self):
        self.endpoint.script(q3_turn() + forecast_turn())
        status, first = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report",
                                                                      "agent": "gpt"})
        self.assertEqual(status, 200, first)
        self.assertEqual(first["status"], "completed", first)
        book = workbook(self.server, first)
        self.assertIn("Q3 Sales", book.sheetnames)
        sheet = book["Q3 Sales"]
        self.assertEqual([cell.value for cell in sheet[1]][:5], Q3_DATA[0])
        self.assertEqual(sheet["E2"].value, "=SUM(B2:D2)")
        # (1200 + 80 + 1500 + 20) tokens at 100 a credit.
        self.assertEqual(first["credits_used"], 28)

        turn_one = self.endpoint.requests()
        self.assertEqual(len(turn_one), 2)
        for request in turn_one:
            self.assertEqual(request["path"], "/v1/chat/completions")
            self.assertEqual(request["body"]["model"], "gpt-test")
            self.assertEqual(request["headers"]["authorization"], "Bearer " + API_KEY)

        status, second = self.server.json("POST", "/excel/generate", {"run_id": first["run_id"],
                                                                       "prompt": "Now add a forecast tab for FY26",
                                                                       "agent": "gpt"})
        self.assertEqual(status, 200, second)
        self.assertEqual(second["status"], "completed", second)
        self.assertEqual(second["run_id"], first["run_id"])
        book = workbook(self.server, second)
        self.assertEqual(book.sheetnames[-2:], ["Q3 Sales", "FY26 Forecast"])
        self.assertEqual(book["FY26 Forecast"]["B3"].value, "=B2*1.05")
        self.assertEqual(second["credits_used"], 14)  # (600 + 60 + 700 + 15) / 100, rounded up

        # The follow-up's first request carries turn 1: its prompt, its tool calls and its answer.
        sent = self.endpoint.requests()[2]["body"]["messages"]
        contents = [message.get("content") or "" for message in sent]
        self.assertTrue(any("Create a Q3 sales report" in content for content in contents), contents)
        self.assertTrue(any("Built the Q3 sales report" in content for content in contents), contents)
        self.assertEqual(sent[-1], {"role": "user", "content": "Now add a forecast tab for FY26"})
        self.assert_no_key(first, second)
        # Nor anywhere the server keeps anything: the database (agent states, task errors) and the blobs.
        for folder, _, files in os.walk(self.server.data_dir):
            for name in files:
                with open(os.path.join(folder, name), "rb") as kept:
                    self.assertNotIn(API_KEY.encode(), kept.read(), os.path.join(folder, name))

    def test_a_refused_key_fails_the_task_with_agent_unauthorized_and_the_key_is_nowhere(self):
        self.endpoint.script([{"status": 401, "json": {"error": {
            "message": f"Incorrect API key provided: {API_KEY}. You can find your API key at the dashboard.",
            "type": "invalid_request_error", "code": "invalid_api_key"}}}])
        status, failed = self.server.json("POST", "/word/generate", {"prompt": "Write a memo", "agent": "openai"})
        self.assertEqual(status, 200, failed)
        self.assertEqual(failed["status"], "failed", failed)
        self.assertEqual(failed["error"]["code"], "agent_unauthorized", failed)
        self.assertIn("401", failed["error"]["message"])
        status, task = self.server.json("GET", f"/tasks/{failed['task_id']}")
        self.assertEqual(task["error"]["code"], "agent_unauthorized")
        self.assertEqual(self.endpoint.requests()[0]["body"]["model"], "env-model")
        status, run = self.server.json("GET", f"/runs/{failed['run_id']}")
        status, _, events = self.server.request("GET", f"/tasks/{failed['task_id']}/events")
        self.assert_no_key(failed, task, run, events.decode(), "".join(self.server.output))

    def test_a_slow_endpoint_is_left_when_the_task_is_cancelled(self):
        self.endpoint.script([dict(text("too late"), delay=120)])
        status, queued = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report",
                                                                       "agent": "gpt", "async": True})
        self.assertEqual(status, 202, queued)
        self.endpoint.wait_for_requests(1)
        status, _ = self.server.json("POST", f"/tasks/{queued['task_id']}/cancel")
        self.assertIn(status, (200, 202))
        task = wait_for_task(self.server, queued["task_id"], ("cancelled", "failed", "completed"), timeout=20)
        self.assertEqual(task["status"], "cancelled", task)

    def test_each_tool_call_moves_the_tasks_progress_on_its_event_stream(self):
        calls = [(f"call_p{index}", "write_range", {"sheet": "Sheet1", "cell": f"A{index}", "values": [[index]]})
                 for index in range(1, 5)]
        self.endpoint.script([tool_calls(calls[:2]), tool_calls(calls[2:]), text("Four cells written.")])
        status, done = self.server.json("POST", "/excel/generate", {"prompt": "Write four cells", "agent": "gpt"})
        self.assertEqual(done["status"], "completed", done)
        status, _, raw = self.server.request("GET", f"/tasks/{done['task_id']}/events")
        self.assertEqual(status, 200)
        events = [json.loads(data) for data in re.findall(r"event: [a-z.]+\ndata: (.*)\n", raw.decode())]
        progress = [event["progress"] for event in events if event["phase"] == "agent_turn"]
        # Four tool calls, four steps at least (the turn's start may add one).
        self.assertGreaterEqual(len(set(progress)), 4, raw.decode())
        self.assertEqual(progress, sorted(progress))


    def test_a_persons_upload_is_told_to_the_agent_as_the_outlines_differences(self):
        self.endpoint.script(q3_turn() + [text("Seen: a Budget sheet and a new July figure for North.")])
        status, first = self.server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report",
                                                                      "agent": "gpt"})
        self.assertEqual(first["status"], "completed", first)
        # A person edits the workbook elsewhere and uploads it.
        book = workbook(self.server, first)
        book["Q3 Sales"]["B2"] = 999
        book.create_sheet("Budget")["A1"] = "Line"
        edited = io.BytesIO()
        book.save(edited)
        request = urllib.request.Request(
            f"{self.server.url}/runs/{first['run_id']}/document", data=edited.getvalue(), method="PUT",
            headers={"Authorization": "Bearer " + self.server.key,
                     "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            self.assertEqual(answer.status, 200)

        status, second = self.server.json("POST", "/excel/generate", {"run_id": first["run_id"], "agent": "gpt",
                                                                       "prompt": "What did I change?"})
        self.assertEqual(second["status"], "completed", second)
        told = self.endpoint.requests()[2]["body"]["messages"][-1]
        self.assertEqual(told["role"], "user")
        self.assertIn("added sheets[Budget]", told["content"])
        self.assertIn("120 → 999", told["content"])
        self.assertTrue(told["content"].endswith("What did I change?"), told["content"])

    def test_each_servers_answers_play_the_turn(self):
        for dialect, answers in DIALECTS.items():
            with self.subTest(dialect=dialect):
                self.endpoint.script(answers)
                status, done = self.server.json("POST", "/excel/generate", {"prompt": "Write B2", "agent": "gpt"})
                self.assertEqual(done["status"], "completed", done)
                self.assertEqual(workbook(self.server, done)["Sheet1"]["B2"].value, "written")
                received = self.endpoint.requests()
                self.assertEqual(len(received), 2)
                # The call goes back to the model as OpenAI defines it, whatever shape it came in.
                sent = [m for m in received[1]["body"]["messages"] if m["role"] == "assistant"][-1]["tool_calls"][0]
                self.assertEqual(sent["type"], "function")
                self.assertIsInstance(sent["function"]["arguments"], str)
                answered = [m for m in received[1]["body"]["messages"] if m["role"] == "tool"][-1]
                self.assertEqual(answered["tool_call_id"], sent["id"])
                self.assertTrue(sent["id"])

    def test_each_servers_error_body_reaches_the_task_error(self):
        for dialect, body in ERROR_BODIES.items():
            with self.subTest(dialect=dialect):
                self.endpoint.script([{"status": 400, "json": body}])
                status, failed = self.server.json("POST", "/excel/generate", {"prompt": "Write B2", "agent": "gpt"})
                self.assertEqual(failed["status"], "failed", failed)
                self.assertEqual(failed["error"]["code"], "agent_request_rejected")
                self.assertIn("Invalid schema for function 'write_range'", failed["error"]["message"])


    def test_an_answer_withheld_by_a_content_filter_fails_the_task(self):
        self.endpoint.script([completion({"role": "assistant", "content": None}, "content_filter")])
        status, failed = self.server.json("POST", "/excel/generate", {"prompt": "Write B2", "agent": "gpt"})
        self.assertEqual(failed["status"], "failed", failed)
        self.assertEqual(failed["error"]["code"], "agent_request_rejected")
        self.assertIn("content_filter", failed["error"]["message"])


class StartupTests(unittest.TestCase):
    def test_a_misconfigured_profile_stops_the_server_naming_the_key(self):
        directory = tempfile.mkdtemp(prefix="folio-agents-")
        endpoint_free = "http://127.0.0.1:9/v1"
        path = os.path.join(directory, "folio.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"agents": {"gpt": {"plugin": "openai", "config": {"base_url": endpoint_free}}}}, out)
        output = folio_e2e.Server(SERVER, env={"FOLIO_CONFIG": path}).start_refused()
        self.assertRegex(output, r"agent profile 'gpt'.*model is required")

    def test_a_default_agent_that_is_no_profile_stops_the_server(self):
        output = folio_e2e.Server(SERVER, env={"FOLIO_DEFAULT_AGENT": "gpt"}).start_refused()
        self.assertIn("default_agent names 'gpt', which is not an agent profile", output)


class CrashTests(unittest.TestCase):
    def test_kill_9_mid_turn_plays_the_turn_once_more_and_charges_it_once(self):
        endpoint = Endpoint()
        directory = tempfile.mkdtemp(prefix="folio-agents-")
        env = {"FOLIO_CONFIG": profile_config(endpoint, directory), "FOLIO_TEST_MODEL_KEY": API_KEY}
        server = folio_e2e.Server(SERVER, env=env).start()
        try:
            # The first request is held until the server is gone; the replayed turn gets the rest.
            endpoint.script([dict(text("never delivered"), delay=60)] + q3_turn())
            status, queued = server.json("POST", "/excel/generate", {"prompt": "Create a Q3 sales report",
                                                                      "agent": "gpt", "async": True})
            self.assertEqual(status, 202, queued)
            endpoint.wait_for_requests(1)
            server.stop(signal.SIGKILL)
            server.start()
            task = wait_for_task(server, queued["task_id"], ("completed", "failed", "cancelled"), timeout=180)
            self.assertEqual(task["status"], "completed", task)
            self.assertEqual(task["credits_used"], 28)  # the replayed turn's tokens only
            self.assertEqual(len(endpoint.requests()), 3)
            status, run = server.json("GET", f"/runs/{queued['run_id']}")
            self.assertEqual(run["credits_used"], 28, run)
            status, tasks = server.json("GET", f"/runs/{queued['run_id']}/tasks")
            self.assertEqual(len(tasks["items"]), 1, tasks)
            self.assertIn("Q3 Sales", workbook(server, run).sheetnames)
        finally:
            server.remove()
            endpoint.close()


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
