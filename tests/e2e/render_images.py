"""Render the PNG images of static/img/ from their SVG sources with Debian's Chromium.

    .venv/bin/python -m tests.e2e.render_images

The favicon (32 px), the Apple touch icon (180 px) and the social preview
(1200×630, og:image) are committed; run this again after changing an SVG.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parents[2] / "static" / "img"
RENDERS = [
    ("favicon.svg", "favicon-32.png", 32, 32),
    ("favicon.svg", "apple-touch-icon.png", 180, 180),
    ("social-preview.svg", "social-preview.png", 1200, 630),
]


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        for source, target, width, height in RENDERS:
            page = browser.new_page(viewport={"width": width, "height": height})
            svg = (IMG / source).read_text()
            page.set_content(
                "<!doctype html><style>html,body{margin:0;background:transparent}"
                f"svg{{display:block;width:{width}px;height:{height}px}}</style>{svg}"
            )
            page.screenshot(path=str(IMG / target), omit_background=True)
            print(f"static/img/{target} ({width}×{height})")
        browser.close()


if __name__ == "__main__":
    main()
