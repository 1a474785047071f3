#!/usr/bin/env python3
"""Holds a folio-server busy for bench/tasks_under_load.sh: CALLS sync generate calls left waiting (the server runs no
worker, so none can finish) and STREAMS SSE streams of their tasks, each on its own connection. Once every call is
waiting (its run is listed) and every stream has its response head, it writes the id of a queued task to stdout and
keeps the connections open until it is killed. Exits non-zero if a call or a stream is answered otherwise.

Usage: hold_open.py URL KEY CALLS STREAMS"""

import json
import socket
import sys
import time
import urllib.parse
import urllib.request


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port))


def send(connection, method, path, key, body=None):
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n"
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    connection.sendall(head.encode() + b"\r\n" + data)


def get_json(url, path, key):
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def listed_runs(url, key):
    runs, cursor = [], None
    while True:
        page = get_json(url, "/runs?limit=100" + (f"&cursor={cursor}" if cursor else ""), key)
        runs += [run["run_id"] for run in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return runs


def main():
    url, key, calls, streams = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    waiting = []
    for _ in range(calls):
        waiting.append(connect(url))
        send(waiting[-1], "POST", "/excel/generate", key, {"prompt": "Create a Q3 sales report"})
    runs = listed_runs(url, key)
    while len(runs) < calls:
        time.sleep(0.05)
        runs = listed_runs(url, key)
    tasks = [get_json(url, f"/runs/{run}/tasks", key)["items"][0]["task_id"] for run in runs]
    open_streams = []
    for task in tasks[:streams]:
        open_streams.append(connect(url))
        send(open_streams[-1], "GET", f"/tasks/{task}/events", key)
    for connection in open_streams:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = connection.recv(4096)
            if not chunk:
                sys.exit("a stream was closed before its head")
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            sys.exit("a stream was refused: " + head.decode(errors="replace"))
    for connection in waiting:
        connection.setblocking(False)
        try:
            if connection.recv(1):
                sys.exit("a sync call was answered: it was not waiting")
        except BlockingIOError:
            pass
    print(tasks[-1], flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
