"""Screenshots of the app for the README: the first screen and a measure's detail, at 1366×900 and 400×800.

Usage: python scripts/screenshots.py [URL] (default http://127.0.0.1:7860, a running `koritsu-search serve`).
Needs Chromium (scripts/install.sh --test installs it) and Playwright.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
QUESTION = "外国人を対象とした施策は？"
SIZES = {"desktop": (1366, 900), "phone": (400, 800)}


def main(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        for name, (w, h) in SIZES.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(f"{url}/?q={quote(QUESTION)}")
            page.locator("#ks-cards .ks-card").first.wait_for(timeout=120_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / f"answer-{name}.png"))
            page.goto(f"{url}/?q={quote(QUESTION)}&measure=10")
            page.locator("#ks-detail h3", has_text="施策No.10").wait_for(timeout=120_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / f"detail-{name}.png"))
            page.close()
        browser.close()
    print("\n".join(str(p) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:7860")
