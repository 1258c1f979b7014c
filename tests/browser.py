"""Open a page in headless Chromium (Debian's `chromium`, driven by Playwright): console
messages, page errors and failed requests, the page's text, a PDF and a PNG of the first page.

`python -m tests.browser SHEET.html OUT.png` renders the first A4 page of a sheet as a PNG.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

A4_PIXELS = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 dpi
# As root and without network: no sandbox, no background connections (see the machine notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@dataclass
class Rendered:
    problems: list[str]  # console errors and warnings, page errors, failed requests
    text: str
    pdf: Path


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is needed for the browser tests: apt-get install chromium")
    return path


def render(page_path: Path, pdf: Path, png: Path | None = None) -> Rendered:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=A4_PIXELS)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)  # fmt: skip
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        text = page.inner_text("body")
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
        if png is not None:
            page.screenshot(path=str(png))
        browser.close()
    return Rendered(problems, text, pdf)


def overflows(page_path: Path, width: int) -> bool:
    """Whether the page is wider than a screen `width` pixels wide (sideways scrolling)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        wider = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        browser.close()
    return bool(wider)


if __name__ == "__main__":
    sheet, out = Path(sys.argv[1]), Path(sys.argv[2])
    rendered = render(sheet, out.with_suffix(".pdf"), out)
    out.with_suffix(".pdf").unlink()
    print(f"{out}: {rendered.problems or 'no console errors'}")
