"""The built book in a real browser, with no network.

Headless Chromium (Debian's ``chromium``; ``make test`` installs it when it runs as root)
opens every page of ``_build/html`` (built by ``make book``, which ``make test`` runs before
pytest), served on a localhost port, at 1400 px and at 400 px width. Host names do not
resolve in that browser, and every request that leaves the local server is recorded as a
failure. On every page and at both widths:

* every formula is typeset by MathJax: each ``.math`` element holds a typeset formula, no
  ``mjx-merror`` (TeX error) node, no undefined macro (MathJax shows those in red), and no raw
  ``$$``, ``\\(``, ``\\[`` or ``\\begin{`` left in the visible text outside code blocks;
* every image has loaded (``img.complete && img.naturalWidth > 0``);
* no console error, no uncaught exception, no failed request, no request outside localhost.

A full-page screenshot of each page at each width is kept in ``_build/screenshots/``.
``test_checks_catch_a_broken_page`` runs the same checks on a scratch site that has a broken
formula, raw TeX, missing and external images and a console error, and asserts that each one
is reported.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``),
with the standard library only.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "_build" / "html"
SCREENSHOTS = REPO / "_build" / "screenshots"
WIDTHS = (1400, 400)
VIEWPORT_HEIGHT = 1000  # (a screenshot makes the window as tall as the page)
# CI sets this, so that a missing browser or book fails instead of skipping.
REQUIRED = os.environ.get("PRUNEDD_REQUIRE_BROWSER", "") not in ("", "0")

INSTALL_HINT = (
    "Chromium not found. `make test` installs Debian's chromium when it runs as root; "
    "otherwise install it with `sudo apt-get install chromium` (or set PRUNEDD_CHROMIUM to a "
    "Chromium or Chrome binary)"
)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
    "--mute-audio", "--hide-scrollbars", "--disable-features=Translate,MediaRouter",
    # No name resolves except localhost, so nothing outside this machine can be reached
    # (and the pages are served from 127.0.0.1 in any case).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


def _unavailable(reason: str) -> None:
    (pytest.fail if REQUIRED else pytest.skip)(reason)


def chromium_binary() -> str | None:
    return (os.environ.get("PRUNEDD_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser") or shutil.which("google-chrome"))


# ---------------------------------------------------------------------------------------------
# The DevTools protocol over a pipe


def _above_9(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Browser:
    """One headless Chromium, spoken to with the DevTools protocol on fds 3 and 4."""

    def __init__(self, binary: str, workdir: Path):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # The child's ends go above fd 9, so that putting them on fds 3 and 4 overwrites neither.
        to_browser_r, from_browser_w = _above_9(to_browser_r), _above_9(from_browser_w)
        profile = workdir / "profile"
        profile.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "chromium.log"
        with open(self.log_path, "wb") as log:
            # bash puts the two pipe ends on fds 3 (commands in) and 4 (answers out).
            self.proc = subprocess.Popen(
                ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}',
                 binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(to_browser_r, from_browser_w),
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        self._lock = threading.Lock()
        self._next_id = 0
        self._answers: dict[int, dict] = {}
        self._answered = threading.Condition(self._lock)
        self.events: list[dict] = []  # every event, for the page being checked
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self._in.read(1 << 16)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._answered.notify_all()
        with self._lock:
            self._closed = True
            self._answered.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while message_id not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or getattr(self, "_closed", False):
                    raise RuntimeError(f"Chromium gave no answer to {method} "
                                       f"(its log: {self.log_path})")
                self._answered.wait(left)
            answer = self._answers.pop(message_id)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def wait_event(self, method: str, session: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if any(e["method"] == method and e.get("sessionId") == session
                       for e in self.events):
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._answered.wait(left)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


class Tab:
    """A page of the browser, attached with its own DevTools session."""

    def __init__(self, browser: Browser):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        # Nothing is cached between pages, so each page asks for every file it needs.
        self.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def evaluate(self, expression: str, timeout: float = 60):
        result = self.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
            "timeout": timeout * 1000}, timeout=timeout + 5)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def events(self) -> list[dict]:
        with self.browser._lock:
            return [e for e in self.browser.events if e.get("sessionId") == self.session]


# ---------------------------------------------------------------------------------------------
# The checks, the same for the book and for the scratch site

# Run in the page once it has loaded: wait for MathJax's first typesetting, the fonts and the
# images (lazy ones are asked for at once).
SETTLE_JS = r"""
(async () => {
  const until = Date.now() + 30000;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  for (const img of document.images) img.loading = "eager";
  while (Date.now() < until && Array.from(document.images).some(i => !i.complete)) {
    await new Promise(r => setTimeout(r, 50));
  }
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return true;
})()
"""

# Returns what is wrong with the page, as lists of short descriptions.
INSPECT_JS = r"""
(() => {
  const short = s => s.replace(/\s+/g, " ").trim().slice(0, 100);
  const out = {untypeset: [], merror: [], undefined: [], raw: [], images: [], mathjax: null};
  const mj = window.MathJax;
  out.mathjax = (mj && mj.version) || null;
  for (const el of document.querySelectorAll(".math")) {
    if (!el.querySelector("mjx-container")) out.untypeset.push(short(el.textContent));
  }
  for (const el of document.querySelectorAll("mjx-merror")) {
    out.merror.push(short(el.getAttribute("data-mjx-error") || el.textContent || "?"));
  }
  if (mj && mj.startup && mj.startup.document && mj.startup.toMML) {
    for (const item of mj.startup.document.math) {
      const mml = mj.startup.toMML(item.root);
      const found = mml.match(/<mtext[^>]*mathcolor="red"[^>]*>\\[^<]*<\/mtext>/g);
      if (found) out.undefined.push(short(found.map(s => s.replace(/<[^>]*>/g, "")).join(" ")
                                          + " in " + item.math));
    }
  }
  const skip = "pre, code, kbd, samp, script, style, textarea, noscript, .highlight, "
             + "mjx-container, mjx-assistive-mml";
  const tex = /\$\$|\\\(|\\\[|\\begin\{/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !tex.test(node.data) || el.closest(skip)) continue;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) continue;
    out.raw.push(short(node.data));
  }
  for (const img of document.images) {
    if (!(img.complete && img.naturalWidth > 0)) {
      out.images.push(img.getAttribute("src") || img.outerHTML.slice(0, 100));
    }
  }
  return out;
})()
"""


def _is_local(url: str, port: int) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port == port


def _describe_events(events: list[dict], port: int) -> list[str]:
    problems = []
    requests: dict[str, str] = {}
    for event in events:
        method, params = event["method"], event.get("params", {})
        about = params.get("request") or params.get("response") or params.get("entry") or {}
        if about.get("url") == f"http://127.0.0.1:{port}/favicon.ico":
            continue  # the browser asks for it by itself; no page refers to it
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            requests[params["requestId"]] = url
            if not _is_local(url, port):
                problems.append(f"request outside localhost: {url[:150]}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            problems.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = requests.get(params["requestId"], "?")
            if _is_local(url, port):  # (an outside request is reported above already)
                problems.append(f"request failed ({params.get('errorText')}): {url}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console error: {text[:200]}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"uncaught exception: {str(text)[:200]}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            problems.append(f"console error ({entry.get('source')}): {entry['text'][:200]} "
                            f"{entry.get('url', '')}".rstrip())
    return problems


def _full_page_screenshot(tab: Tab, width: int, path: Path) -> None:
    """The whole page: the window is made as tall as the page, then captured."""
    height = int(tab.send("Page.getLayoutMetrics")["cssContentSize"]["height"])
    height = max(1, min(height, 30000))
    tab.send("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    tab.evaluate("window.scrollTo(0, 0); new Promise(r => requestAnimationFrame("
                 "() => requestAnimationFrame(r)))")
    shot = tab.send("Page.captureScreenshot", {"format": "png"}, timeout=120)
    tab.send("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def check_page(tab: Tab, url: str, port: int, width: int, screenshot: Path | None) -> list[str]:
    """Open ``url`` at ``width`` px and return what is wrong with it (empty: nothing)."""
    tab.send("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    with tab.browser._lock:
        tab.browser.events.clear()
    tab.send("Page.navigate", {"url": url})
    if not tab.browser.wait_event("Page.loadEventFired", tab.session, timeout=60):
        return [f"the page did not finish loading in 60 s: {url}"]
    tab.evaluate(SETTLE_JS)
    found = tab.evaluate(INSPECT_JS)
    if screenshot is not None:
        _full_page_screenshot(tab, width, screenshot)
    time.sleep(0.2)  # late console messages and requests
    problems = [f"formula not typeset: {t}" for t in found["untypeset"]]
    problems += [f"MathJax error: {t}" for t in found["merror"]]
    problems += [f"undefined TeX macro: {t}" for t in found["undefined"]]
    problems += [f"raw TeX in the page text: {t}" for t in found["raw"]]
    problems += [f"image not loaded: {t}" for t in found["images"]]
    if (found["untypeset"] or found["merror"]) and found["mathjax"] is None:
        problems.append("MathJax did not load")
    elif found["mathjax"] is not None and not found["mathjax"].startswith("3."):
        problems.append(f"MathJax {found['mathjax']} instead of version 3")
    problems += _describe_events(tab.events(), port)
    return problems


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Site:
    """A folder served on 127.0.0.1 (a free port), and a browser tab to look at it."""

    def __init__(self, root: Path, binary: str, workdir: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.browser = Browser(binary, workdir)
        self.tab = Tab(self.browser)

    def check(self, page: str, width: int, screenshot: Path | None = None) -> list[str]:
        return check_page(self.tab, f"http://127.0.0.1:{self.port}/{page}", self.port, width,
                          screenshot)

    def close(self) -> None:
        self.browser.close()
        self.server.shutdown()
        self.server.server_close()


def _open_site(root: Path):
    binary = chromium_binary()
    if binary is None:
        _unavailable(INSTALL_HINT)
    workdir = Path(tempfile.mkdtemp(prefix="prunedd-chromium-"))
    site = Site(root, binary, workdir)
    try:
        yield site
    finally:
        site.close()
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The book

REFRESH = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.I)


def book_pages() -> list[str]:
    """Every HTML page of the built book (not the theme's and Sphinx's own folders)."""
    if not SITE.is_dir():
        return []
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).parts[0].startswith("_"))


@pytest.fixture(scope="module")
def book_site():
    if not (SITE / "index.html").exists():
        _unavailable(f"no built book in {SITE.relative_to(REPO)}: run `make book` first "
                     "(`make test` does)")
    yield from _open_site(SITE)


def test_book_has_pages():
    if not (SITE / "index.html").exists():
        _unavailable("no built book: run `make book` first (`make test` does)")
    pages = book_pages()
    assert "genindex.html" in pages and len(pages) > 5, pages


@pytest.mark.slow
@pytest.mark.parametrize("page", book_pages() or ["index.html"])
def test_book_page_in_the_browser(book_site, page):
    html = (SITE / page).read_text(encoding="utf8", errors="replace")
    redirect = REFRESH.search(html)
    if redirect:  # index.html only sends the reader on to the first chapter
        assert (SITE / page).parent.joinpath(redirect.group(1)).resolve().is_file(), redirect
        return
    problems = []
    stem = page[: -len(".html")].replace("/", "__")
    for width in WIDTHS:
        found = book_site.check(page, width, SCREENSHOTS / f"{stem}-{width}.png")
        problems += [f"{width} px: {p}" for p in found]
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------
# The checks can fail: a scratch site with one sound page and broken ones


def _png(path: Path) -> None:
    """A 2 x 2 grey PNG, written with the standard library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    pixels = zlib.compress(b"\0\x80\x80\0\x80\x80")
    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)  # 2 x 2, 8-bit grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
                     + chunk(b"IEND", b""))


def _page(body: str, mathjax: bool = True) -> str:
    # The book's own MathJax set-up: its macros, the local MathJax 3 and Sphinx's math markup.
    head = ""
    if mathjax:
        head = ('<script>window.MathJax = {tex: {macros: {R: "\\\\mathbb{R}"}}};</script>\n'
                '<script defer src="mathjax/tex-chtml.js"></script>')
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
            f"<body>{body}</body></html>")


SOUND = _page(
    '<p>A sound formula <span class="math notranslate nohighlight">\\(x \\in \\R^p\\)</span>, '
    'a displayed one:</p><div class="math notranslate nohighlight">\\[\\|w\\|_2^2\\]</div>'
    '<pre>code may show $$ and \\( as it likes</pre><img src="pixel.png" alt="pixel">')
BROKEN = _page(
    '<p>A TeX error <span class="math">\\(x^2^3\\)</span> and an undefined macro '
    '<span class="math">\\(\\nosuchmacro x\\)</span>.</p>'
    '<p class="tex2jax_ignore mathjax_ignore">Raw TeX that MathJax skips: $$x^2$$</p>'
    '<img src="missing.png" alt="missing"><img src="http://example.com/far.png" alt="far">'
    '<script>console.error("boom")</script>')
NO_MATHJAX = _page('<p>Never typeset: <span class="math">\\(a + b\\)</span></p>', mathjax=False)


def mathjax_folder() -> Path:
    """The MathJax 3 that the book serves: the one that sphinx-mathjax-offline carries."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    assert spec is not None and spec.origin, "sphinx-mathjax-offline (requirements.lock) is missing"
    return Path(spec.origin).parent / "static" / "mathjax"


@pytest.fixture(scope="module")
def scratch_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("scratch-site")
    (root / "mathjax").symlink_to(mathjax_folder(), target_is_directory=True)
    _png(root / "pixel.png")
    for name, html in [("sound.html", SOUND), ("broken.html", BROKEN),
                       ("no-mathjax.html", NO_MATHJAX)]:
        (root / name).write_text(html, encoding="utf8")
    yield from _open_site(root)


def test_checks_pass_a_sound_page(scratch_site):
    for width in WIDTHS:
        assert scratch_site.check("sound.html", width) == []


def test_checks_catch_a_broken_page(scratch_site):
    problems = scratch_site.check("broken.html", WIDTHS[0])
    text = "\n".join(problems)
    for expected in ["MathJax error", "undefined TeX macro: \\nosuchmacro",
                     "raw TeX in the page text: Raw TeX that MathJax skips: $$x^2$$",
                     "image not loaded: missing.png", "HTTP 404", "image not loaded: http",
                     "request outside localhost: http://example.com/far.png",
                     "console error: boom"]:
        assert expected in text, f"{expected!r} not reported; reported:\n{text}"
    assert not any("formula not typeset" in p for p in problems), text


def test_checks_catch_a_page_without_mathjax(scratch_site):
    text = "\n".join(scratch_site.check("no-mathjax.html", WIDTHS[1]))
    for expected in ["formula not typeset: \\(a + b\\)", "raw TeX in the page text",
                     "MathJax did not load"]:
        assert expected in text, f"{expected!r} not reported; reported:\n{text}"
