"""The run page (edit_url) in a real browser: headless Chromium opens the capability link of a real folio-server
run and the test reads the DOM it built: prompts, statuses and links are there, a prompt's markup is text, and
tampered or expired links get their own pages. The page's download and export links are followed without an API key
and what they serve is read back (pdfinfo, the CSV's text, the PNG header)."""
import csv
import hashlib
import hmac
import html.parser
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import folio_e2e

SERVER = None
HOSTILE = 'Add <script>document.title="owned"</script><img src=x onerror=alert(1)> to the sheet'


def browser():
    """The Chromium configure found (FOLIO_CHROMIUM), else one on the PATH; never a reason to skip the suite."""
    found = os.environ.get("FOLIO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("no chromium: scripts/setup installs it")
    return found


def dump_dom(url):
    """The DOM after the page loaded and ran whatever it runs, as Chromium serialises it."""
    profile = tempfile.mkdtemp(prefix="folio-chromium-")
    try:
        done = subprocess.run(
            [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
             "--virtual-time-budget=2000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
        return done.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Page(html.parser.HTMLParser):
    """Elements by id (their text) and every link, from the DOM Chromium dumped."""

    def __init__(self, dom):
        super().__init__()
        self.texts, self.links, self.scripts, self.title = {}, {}, 0, ""
        self._open = []
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "a" and "id" in attrs:
            self.links[attrs["id"]] = attrs.get("href")
        self._open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.texts.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._open and self._open[-1][0] == "title":
            self.title += data
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id] += data


def pdf_pages(pdf):
    """Pages of a PDF as pdfinfo (poppler) counts them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as held:
        held.write(pdf)
    try:
        info = subprocess.run(["pdfinfo", held.name], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    finally:
        os.unlink(held.name)


class RunPageTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = folio_e2e.Server(SERVER).start()
        cls.first = cls.server.completed("/excel/generate", {"prompt": "Create a Q3 sales report"})
        status, cls.second = cls.server.json("POST", "/excel/generate",
                                             {"prompt": HOSTILE, "run_id": cls.first["run_id"]})
        assert cls.second["status"] == "failed", cls.second

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def test_the_page_shows_each_turn_and_links_the_document(self):
        self.assertIn("/web/runs/" + self.first["run_id"], self.second["edit_url"])
        page = Page(dump_dom(self.second["edit_url"]))
        self.assertEqual(page.texts["run-id"], self.first["run_id"])
        self.assertEqual(page.texts["run-status"], "failed")
        self.assertIn("Create a Q3 sales report", page.texts["turn-1"])
        self.assertIn("completed", page.texts["turn-1"])
        self.assertIn(f'{self.first["credits_used"]}', page.texts["turn-1"])
        self.assertIn(f'{self.first["duration_ms"]} ms', page.texts["turn-1"])
        self.assertIn("failed", page.texts["turn-2"])
        self.assertIn("prompt_not_understood", page.texts["turn-2"])
        # The download link works without an API key and serves the workbook.
        download = page.links["download"]
        status, headers, body = self.server.request("GET", download, key=False)
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"PK"))
        self.assertIn("workbook.xlsx", headers["content-disposition"])

    def test_the_page_links_each_export_its_format_allows_and_the_links_serve_them_without_a_key(self):
        page = Page(dump_dom(self.first["edit_url"]))
        exports = {name[len("export-"):]: url for name, url in page.links.items() if name.startswith("export-")}
        # API.md's exports of an xlsx, in its order, and nothing else (no odt, txt, odp for a workbook).
        self.assertEqual(list(exports), ["pdf", "csv", "png", "html"])
        for target, url in exports.items():
            self.assertIn(f'/web/runs/{self.first["run_id"]}/exports/{target}?expires=', url)

        status, headers, _ = self.server.request("GET", exports["pdf"], key=False)
        self.assertEqual(status, 302)
        self.assertEqual(headers["x-export-cache"], "miss")
        pdf = self.fetch(headers["location"])
        self.assertTrue(pdf.startswith(b"%PDF-"))
        self.assertGreaterEqual(pdf_pages(pdf), 1)
        # Followed again, the link answers from the export cache with the same file.
        status, again, _ = self.server.request("GET", exports["pdf"], key=False)
        self.assertEqual((status, again["x-export-cache"]), (302, "hit"))
        self.assertEqual(self.fetch(again["location"]), pdf)

        status, headers, _ = self.server.request("GET", exports["csv"], key=False)
        self.assertEqual(status, 302)
        rows = list(csv.reader(io.StringIO(self.fetch(headers["location"]).decode("utf-8-sig"))))
        # The report's first sheet: a header row naming the quarter's months, then one row per region.
        self.assertEqual(rows[0], ["Region", "Jul", "Aug", "Sep", "Q3 Total"])
        self.assertEqual([row[0] for row in rows[1:5]], ["North", "South", "East", "West"])

        status, headers, _ = self.server.request("GET", exports["png"], key=False)
        self.assertEqual(status, 302)
        self.assertTrue(self.fetch(headers["location"]).startswith(b"\x89PNG\r\n\x1a\n"))

    def test_export_links_are_signed_for_their_target(self):
        page = Page(dump_dom(self.first["edit_url"]))
        link = urllib.parse.urlsplit(page.links["export-pdf"])
        # The pdf link's signature does not open another target, nor an export the workbook may not have.
        for other in ("csv", "odt"):
            forged = link._replace(path=link.path.rsplit("/", 1)[0] + "/" + other).geturl()
            status, headers, body = self.server.request("GET", forged, key=False)
            self.assertEqual(status, 403, forged)
            self.assertTrue(headers["content-type"].startswith("text/html"))
            self.assertEqual(Page(body.decode()).texts["problem"], "This link is not valid")
        # A correctly signed link to a target xlsx cannot be exported to is refused with a page saying why.
        with open(f"{self.server.data_dir}/link-secret") as held:
            secret = held.readline().strip()
        path = f'/web/runs/{self.first["run_id"]}/exports/odt'
        expires = int(time.time()) + 3600
        sig = hmac.new(secret.encode(), f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
        status, headers, body = self.server.request("GET", f"{self.server.url}{path}?expires={expires}&sig={sig}",
                                                    key=False)
        self.assertEqual(status, 422)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertEqual(Page(body.decode()).texts["problem"], "This export cannot be made")

    def fetch(self, url):
        status, _, body = self.server.request("GET", url, key=False)
        self.assertEqual(status, 200, url)
        return body

    def test_a_prompt_with_markup_is_shown_as_text_and_never_runs(self):
        page = Page(dump_dom(self.second["edit_url"]))
        self.assertIn(HOSTILE, page.texts["turn-2"])
        self.assertEqual(page.scripts, 0)
        self.assertNotEqual(page.title, "owned")
        self.assertIn("workbook.xlsx", page.title)

    def test_a_tampered_link_gets_a_page_saying_so(self):
        url = urllib.parse.urlsplit(self.first["edit_url"])
        query = urllib.parse.parse_qs(url.query)
        forged_sig = query["sig"][0][:-1] + ("0" if query["sig"][0][-1] != "0" else "1")
        for forged in [url._replace(query=f'expires={query["expires"][0]}&sig={forged_sig}').geturl(),
                       url._replace(query=f'expires={int(query["expires"][0]) + 60}&sig={query["sig"][0]}').geturl(),
                       url._replace(query="").geturl()]:
            status, headers, body = self.server.request("GET", forged, key=False)
            self.assertEqual(status, 403, forged)
            self.assertTrue(headers["content-type"].startswith("text/html"))
            self.assertEqual(Page(dump_dom(forged)).texts["problem"], "This link is not valid")

    def test_an_expired_link_gets_a_page_saying_so(self):
        # Signed with the data directory's link secret, as edit_url is, but a second in the past: the real expiry
        # is 24 h away. The signature is HMAC-SHA256 over "GET\npath\nexpires" (signed_url.hpp).
        with open(f"{self.server.data_dir}/link-secret") as held:
            secret = held.readline().strip()
        path = "/web/runs/" + self.first["run_id"]
        expires = int(time.time()) - 1
        sig = hmac.new(secret.encode(), f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()
        expired = f"{self.server.url}{path}?expires={expires}&sig={sig}"
        status, headers, _ = self.server.request("GET", expired, key=False)
        self.assertEqual(status, 410)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertEqual(Page(dump_dom(expired)).texts["problem"], "This link has expired")
        # The same signature with the link's true expiry is a valid page: the 410 was about time, not the signature.
        fresh = int(time.time()) + 3600
        sig = hmac.new(secret.encode(), f"GET\n{path}\n{fresh}".encode(), hashlib.sha256).hexdigest()
        self.assertEqual(self.server.request("GET", f"{self.server.url}{path}?expires={fresh}&sig={sig}", key=False)[0],
                         200)


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
