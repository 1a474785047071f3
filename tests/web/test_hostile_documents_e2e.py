"""Hostile documents never make folio-server reach the network, and its offices never outlive it.

A real folio-server with the real LibreOffice: a docx and a pptx whose image is an external link to a listener on
127.0.0.1 are uploaded to runs and exported; the listener must see no request. Each layer alone (the offices' network
namespace, the offices' own refusal of linked content) is enough, and a server with both switched off shows that the
listener does see the office's fetch, so the test can fail. Then kill -9 of the server mid-turn: within 5 s no process
of its offices is left, their profiles are gone, and the next start plays the turn. And zip bombs and archives naming
entries outside themselves are refused at once, before any office, leaving the run as it was.
usage: test_hostile_documents_e2e.py FOLIO_SERVER
"""
import http.server
import io
import json
import os
import signal
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import zipfile

import folio_e2e

SERVER = None
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


class Listener:
    """Records every request any client makes to 127.0.0.1:PORT, whatever its method."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def record(self):
                listener.requests.append(f"{self.command} {self.path}")
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = do_OPTIONS = do_POST = do_PROPFIND = record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def docx_linking(url):
    """A docx whose only picture is an external link (a:blip r:link, TargetMode External)."""
    drawing = (
        '<w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="1" name="Picture 1"/><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr>'
        '<pic:cNvPr id="1" name="linked.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rId5"/>'
        '<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="914400" cy="914400"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        '</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>')
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>'
        f'<w:p><w:r><w:t>A memo with a linked picture</w:t></w:r></w:p><w:p><w:r>{drawing}</w:r></w:p>'
        '<w:sectPr/></w:body></w:document>')
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        archive.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELATIONSHIPS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'))
        archive.writestr("word/document.xml", document)
        archive.writestr("word/_rels/document.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{RELATIONSHIPS}">'
            f'<Relationship Id="rId5" Type="{IMAGE}" Target="{url}" TargetMode="External"/></Relationships>'))
    return packed.getvalue()


def pptx_linking(pptx, url):
    """`pptx` (a deck folio made) with a picture on its first slide that is an external link."""
    source = zipfile.ZipFile(io.BytesIO(pptx))
    picture = (
        '<p:pic><p:nvPicPr><p:cNvPr id="990" name="Linked picture"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr>'
        '<p:blipFill><a:blip r:link="rIdLinked"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
        '<p:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "ppt/slides/slide1.xml":
                data = data.replace(b"</p:spTree>", picture.encode() + b"</p:spTree>", 1)
            elif entry.filename == "ppt/slides/_rels/slide1.xml.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdLinked" Type="{IMAGE}" Target="{url}" TargetMode="External"/>'
                    '</Relationships>').encode(), 1)
            archive.writestr(entry, data)
    return packed.getvalue()


def upload(server, run_id, data, media_type):
    request = urllib.request.Request(f"{server.url}/runs/{run_id}/document", data=data, method="PUT",
                                     headers={"Authorization": "Bearer " + server.key, "Content-Type": media_type})
    with urllib.request.urlopen(request, timeout=300) as answer:
        return answer.status


def living_members(groups):
    """Processes still alive (not zombies) in any of the process groups."""
    return [pid for pid, state, _, group in folio_e2e.processes() if group in groups and state != "Z"]


def guard_profiles(guards):
    """The profile directory each guard was started with (its second argument)."""
    profiles = []
    for guard in guards:
        with open(f"/proc/{guard}/cmdline", "rb") as command:
            words = command.read().split(b"\0")
        if words[0].endswith(b"folio-office-guard"):
            profiles.append(words[2].decode())
    return profiles


class LinkedContentTests(unittest.TestCase):
    """For each way the server is set up: the hostile documents uploaded, then exported to every target."""

    @classmethod
    def setUpClass(cls):
        cls.listener = Listener()

    @classmethod
    def tearDownClass(cls):
        cls.listener.close()

    def play(self, office_settings):
        """Requests the listener saw while a server with `office_settings` took and exported both documents."""
        self.listener.requests.clear()
        server = folio_e2e.Server(SERVER, env={
            "FOLIO_PLUGIN_CONFIG": json.dumps({"libreoffice": office_settings})}).start()
        try:
            status, memo = server.json("POST", "/word/generate", {"prompt": "Write a project proposal for a new CRM"})
            self.assertEqual(memo["status"], "completed", memo)
            self.assertEqual(upload(server, memo["run_id"], docx_linking(self.listener.url + "/docx.png"), DOCX),
                             200)
            status, deck = server.json("POST", "/powerpoint/generate", {"prompt": "Create a pitch deck for a bakery"})
            self.assertEqual(deck["status"], "completed", deck)
            _, _, pptx = server.request("GET", deck["download_url"], key=False)
            self.assertEqual(upload(server, deck["run_id"], pptx_linking(pptx, self.listener.url + "/pptx.png"),
                                    PPTX), 200)
            for run_id, targets in ((memo["run_id"], ("pdf", "html", "txt", "odt")),
                                    (deck["run_id"], ("pdf", "png", "odp"))):
                for target in targets:
                    status, exported = server.json("POST", f"/runs/{run_id}/export", {"format": target})
                    self.assertEqual(status, 200, (target, exported))
                    status, _, data = server.request("GET", exported["download_url"], key=False)
                    self.assertEqual(status, 200)
                    self.assertTrue(data, target)
            return list(self.listener.requests)
        finally:
            server.remove()

    def test_with_both_layers_no_document_reaches_the_network(self):
        seen = self.play({})
        self.assertEqual(seen, [])

    def test_the_offices_network_namespace_alone_keeps_them_off_the_network(self):
        seen = self.play({"network_isolation": "required", "block_external_content": False})
        self.assertEqual(seen, [])

    def test_the_offices_own_refusal_alone_keeps_them_off_the_network(self):
        seen = self.play({"network_isolation": "off"})
        self.assertEqual(seen, [])

    def test_without_either_layer_the_office_fetches_what_a_document_links_to(self):
        seen = self.play({"network_isolation": "off", "block_external_content": False})
        for linked in ("/docx.png", "/pptx.png"):
            self.assertTrue(any(request.endswith(linked) for request in seen), (linked, seen))


def docx_with(entries):
    """A docx of the given (name, writer) entries besides the ones every docx has; a writer writes into its entry."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        ordinary = zipfile.ZipFile(io.BytesIO(docx_linking("https://example.com/x.png")))
        for item in ordinary.infolist():
            if item.filename not in dict(entries):
                archive.writestr(item, ordinary.read(item.filename))
        for name, write in entries:
            with archive.open(name, "w", force_zip64=True) as entry:
                write(entry)
    return packed.getvalue()


class ArchiveTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = folio_e2e.Server(SERVER).start()
        cls.memo = cls.server.completed("/word/generate", {"prompt": "Write a project proposal for a CRM"})

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def refused_upload(self, data):
        """(status, error) of uploading `data` to the memo's run, which must be left as it was."""
        _, before = self.server.json("GET", f"/runs/{self.memo['run_id']}")
        request = urllib.request.Request(f"{self.server.url}/runs/{self.memo['run_id']}/document", data=data,
                                         method="PUT",
                                         headers={"Authorization": "Bearer " + self.server.key, "Content-Type": DOCX})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                self.fail(f"the upload was taken: {answer.status}")
        except urllib.error.HTTPError as refused:
            status, error = refused.code, json.loads(refused.read())["error"]
        _, after = self.server.json("GET", f"/runs/{self.memo['run_id']}")
        self.assertEqual(after["download_url"].split("?")[0], before["download_url"].split("?")[0])
        self.assertEqual(after["updated_at"], before["updated_at"])
        return status, error

    def test_a_zip_bomb_is_refused_at_once_with_a_code_of_its_own(self):
        def four_hundred_megabytes(entry):
            block = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 30000
            for _ in range(400 * (1 << 20) // len(block)):
                entry.write(block)

        bomb = docx_with([("word/document.xml", four_hundred_megabytes)])
        self.assertLess(len(bomb), 2 << 20)
        jobs_before = self.server.metrics()["folio_office_jobs_total"]
        status, error = self.refused_upload(bomb)
        self.assertEqual(status, 413, error)
        self.assertEqual(error["code"], "document_too_large")
        self.assertIn("word/document.xml", error["message"])
        # Refused from the archive's directory: no office was given the bytes.
        self.assertEqual(self.server.metrics()["folio_office_jobs_total"], jobs_before)

    def test_an_entry_named_outside_the_archive_is_refused(self):
        status, error = self.refused_upload(docx_with([("../../escaped.xml", lambda entry: entry.write(b"<x/>"))]))
        self.assertEqual(status, 422, error)
        self.assertEqual(error["code"], "document_unreadable")
        self.assertIn("outside", error["message"])


class OrphanTests(unittest.TestCase):
    def test_kill_9_mid_turn_leaves_no_office_and_the_next_start_plays_the_turn(self):
        server = folio_e2e.Server(SERVER).start()
        try:
            status, queued = server.json("POST", "/powerpoint/generate",
                                         {"prompt": "Create a pitch deck for a bakery", "async": True})
            self.assertEqual(status, 202, queued)
            deadline = time.monotonic() + 60
            while True:
                _, task = server.json("GET", f"/tasks/{queued['task_id']}")
                if task["status"] != "queued":
                    break
                self.assertLess(time.monotonic(), deadline, "the turn did not start within 60 s")
                time.sleep(0.02)
            guards = server.children()
            profiles = guard_profiles(guards)
            self.assertTrue(profiles, "the server runs no office under a guard")
            groups = {os.getpgid(guard) for guard in guards}
            server.stop(signal.SIGKILL)

            deadline = time.monotonic() + 5
            while living_members(groups) or any(os.path.exists(profile) for profile in profiles):
                self.assertLess(time.monotonic(), deadline,
                                f"5 s after kill -9: processes {living_members(groups)} of the offices' groups, "
                                f"profiles {[p for p in profiles if os.path.exists(p)]}")
                time.sleep(0.05)

            server.start()
            deadline = time.monotonic() + 180
            while True:
                _, task = server.json("GET", f"/tasks/{queued['task_id']}")
                if task["status"] in ("completed", "failed", "cancelled"):
                    break
                self.assertLess(time.monotonic(), deadline, f"the turn did not end after the restart: {task}")
                time.sleep(0.1)
            self.assertEqual(task["status"], "completed", task)
        finally:
            server.remove()


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
