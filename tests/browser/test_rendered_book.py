"""The built web book as a reader sees it, page by page, in headless Chromium.

Run by ``make check-book`` after ``make book`` (``make test`` leaves this
folder out). Serves ``_build/html`` on 127.0.0.1, opens every page at a laptop
viewport, saves a full-page screenshot under ``_build/screenshots/`` and checks
that MathJax typeset every math span, that no raw TeX delimiter is left in the
text, that no JavaScript error happened, that every image loaded, that no
request left the machine, that figures are sharp (SVG or 2x bitmaps), that no
output block or display formula is wider than its column and that no output
shows a path of the machine that built it.

Needs Chromium (Debian: ``apt-get install -y chromium``) or the path to one in
``$D2LITE_CHROMIUM``; Playwright drives it (no ``playwright install`` needed).
"""
import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}   # a typical laptop screen
NOT_PAGES = ("_static", "_sources", "_images", "_sphinx_design_static")
HOW_TO_GET_CHROMIUM = (
    "no Chromium found: install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) "
    "or set D2LITE_CHROMIUM=/path/to/chromium")

# What a reader must never see in an output: files of the machine that built the book.
MACHINE_PATHS = [r"ipykernel_\d+", r"/tmp/", r"/home/\w", r"/root/", r"/Users/\w",
                 r"site-packages", re.escape(str(ROOT))]


def pages():
    if not HTML.is_dir():
        return []
    return sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
                  if not p.relative_to(HTML).parts[0] in NOT_PAGES)


PAGES = pages()


def chromium_path():
    """Chromium's executable: $D2LITE_CHROMIUM, else the first one on the PATH."""
    if os.environ.get("D2LITE_CHROMIUM"):
        return os.environ["D2LITE_CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server():
    """``_build/html`` served on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.fail(HOW_TO_GET_CHROMIUM, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: run `make venv` (requirements.txt pins it)",
                    pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


# Runs in the page once MathJax is done. Everything it returns is checked below.
INSPECT = r"""
async () => {
  const hasMath = document.querySelector('.math') !== null;
  let mathjax = 'none';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    mathjax = MathJax.version || 'loaded';
  }
  const maths = Array.from(document.querySelectorAll('span.math, div.math'));
  const untypeset = maths.filter(m => m.querySelectorAll('mjx-container').length !== 1)
                         .map(m => m.textContent.trim().slice(0, 80));
  const texErrors = Array.from(document.querySelectorAll('mjx-merror'))
                         .map(e => e.getAttribute('data-mjx-error') || e.textContent);

  // Text a reader sees outside code and typeset math.
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(skip)) continue;
    const t = n.textContent;
    const m = t.match(/\\\(|\\\)|\\\[|\\\]|\$/);
    if (m) raw.push(t.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, ' '));
  }

  // Display math that does not fit: the end of the formula is hidden.
  const wideMath = Array.from(document.querySelectorAll('div.math, mjx-container[display="true"]'))
    .filter(m => m.scrollWidth > m.clientWidth + 1)
    .map(m => {
      try { return MathJax.startup.document.getMathItemsWithin(m)[0].math.trim().slice(0, 80); }
      catch (e) { return m.textContent.trim().slice(0, 80); }
    });

  // Figures must stay sharp on a laptop screen: SVG, or a bitmap of at least twice its size.
  const blurry = Array.from(document.querySelectorAll('.cell_output img'))
    .filter(img => !/\.svg$/.test(img.getAttribute('src') || '') && img.naturalWidth > 0
                   && img.naturalWidth < 2 * img.getBoundingClientRect().width)
    .map(img => `${img.getAttribute('src')} (${img.naturalWidth} px shown ${Math.round(img.getBoundingClientRect().width)} px wide)`);

  const images = Array.from(document.images)
    .filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => img.getAttribute('src'));

  // Output blocks: which ones overflow, and how many monospace characters fit in them.
  const fitsIn = b => {
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    probe.style.whiteSpace = 'pre';
    b.appendChild(probe);
    const charWidth = probe.getBoundingClientRect().width / 100;
    probe.remove();
    const style = getComputedStyle(b);
    const inner = b.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.floor(inner / charWidth);
  };
  const blocks = Array.from(document.querySelectorAll(
      '.cell_output pre, .cell_output .output, .cell_output > div, .cell_output img, .cell_output table'));
  const column = document.querySelector('.bd-article, article, main');
  const columnRight = column ? column.getBoundingClientRect().right : window.innerWidth;
  const wide = [];
  blocks.forEach((b, i) => {
    const r = b.getBoundingClientRect();
    if (b.scrollWidth > b.clientWidth + 1 || r.right > columnRight + 1) {
      const lines = (b.innerText || '').split('\n');
      const longest = lines.reduce((a, l) => l.length > a.length ? l : a, '');
      wide.push({block: i, tag: b.tagName.toLowerCase(), scroll: b.scrollWidth, client: b.clientWidth,
                 fits: b.tagName === 'PRE' ? fitsIn(b) : null,
                 first: (lines.find(l => l.trim()) || b.getAttribute('src') || '').slice(0, 100),
                 longest: longest.length, longestLine: longest.slice(0, 120)});
    }
  });
  // Code listings (cells and included package code) must show every line in full.
  const wideCode = Array.from(document.querySelectorAll('.bd-article div[class^="highlight-"]:not(.output) pre'))
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => (p.innerText.split('\n').reduce((a, l) => l.length > a.length ? l : a, '')).slice(0, 100));
  const firstPre = document.querySelector('.cell_output pre');
  const fits = firstPre ? fitsIn(firstPre) : null;
  const outputs = Array.from(document.querySelectorAll('.cell_output')).map(o => o.innerText);
  return {hasMath, mathjax, nMath: maths.length,
          nTypeset: maths.length - untypeset.length, untypeset, texErrors, raw, wideMath, blurry, images,
          fits, wide, wideCode, outputs, pageWidth: document.documentElement.scrollWidth};
}
"""


@pytest.mark.parametrize("page", PAGES or ["(no pages)"])
def test_page_renders(page, server, browser):
    assert PAGES, f"no built book in {HTML.relative_to(ROOT)}: run `make book` first"
    problems, external = [], []
    context = browser.new_context(viewport=VIEWPORT)

    def route(r):
        # Let through only this server (and inline data); abort and record the rest.
        url = r.request.url
        if url.startswith(server) or url.startswith(("data:", "blob:", "about:")):
            r.continue_()
        else:
            external.append(url)
            r.abort()

    context.route("**/*", route)
    page_ = context.new_page()
    page_.on("console", lambda m: m.type == "error" and problems.append(
        f"console error: {m.text} ({m.location.get('url', '')})"))
    page_.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    try:
        page_.goto(server + page, wait_until="load", timeout=60_000)
        page_.wait_for_load_state("networkidle", timeout=60_000)
        info = page_.evaluate(INSPECT)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page_.screenshot(path=str(SHOTS / (page.replace("/", "__")[:-5] + ".png")), full_page=True)
    finally:
        context.close()

    if info["hasMath"] and info["mathjax"] == "none":
        problems.append("MathJax did not load: every math span shows raw TeX")
    if info["nTypeset"] != info["nMath"]:
        problems.append(f"MathJax typeset {info['nTypeset']} of {info['nMath']} math spans; "
                        f"not typeset: {info['untypeset'][:5]}")
    problems += [f"TeX error: {e}" for e in info["texErrors"]]
    if info["raw"]:
        problems.append(f"{len(info['raw'])} raw TeX delimiters in the text, e.g. "
                        + " | ".join(f"...{t}..." for t in info["raw"][:4]))
    problems += [f"display math wider than its column: {t!r}" for t in dict.fromkeys(info["wideMath"])]
    problems += [f"blurry figure (not SVG, under 2x resolution): {b}" for b in info["blurry"]]
    problems += [f"image did not load: {src}" for src in info["images"]]
    problems += [f"request left the machine: {url}" for url in sorted(set(external))]
    for w in info["wide"]:
        problems.append(
            f"output block {w['block']} ({w['tag']}) wider than its column: "
            f"{w['scroll']} px in {w['client']} px; first line {w['first']!r}; "
            f"longest line ({w['longest']} characters, {w['fits']} fit): {w['longestLine']!r}")
    problems += [f"code listing cut off on the right: {line!r}" for line in info["wideCode"]]
    paths = {}
    for text in info["outputs"]:
        for pattern in MACHINE_PATHS:
            for m in re.finditer(pattern, text):
                line = text[:m.start()].rsplit("\n", 1)[-1] + text[m.start():].split("\n", 1)[0]
                paths[line.strip()[:160]] = None
    problems += [f"machine path in an output: {line!r}" for line in paths]
    if info["pageWidth"] > VIEWPORT["width"]:
        problems.append(f"the page scrolls sideways: {info['pageWidth']} px wide")
    if problems:
        pytest.fail(f"{page}:\n  " + "\n  ".join(problems), pytrace=False)
