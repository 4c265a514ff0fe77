"""The browser tests' helpers: the live site (a `serialtrack serve` on its own database, see the
`site` fixture in tests/conftest.py), signing in, typing a scan as a barcode scanner does, and a
station's opening form and Post button. Playwright drives Debian's Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
TIMEOUT_MS = 15_000


# -- the server -----------------------------------------------------------------------------------

@dataclass
class Site:
    url: str
    db_url: str
    cwd: Path

    def cli(self, *args: str, user: str = "setup", stdin: str | None = None) -> str:
        env = dict(os.environ, SERIALTRACK_DATABASE_URL=self.db_url, SERIALTRACK_USER=user,
                   COLUMNS="200")
        env.pop("SERIALTRACK_DEBUG", None)
        proc = subprocess.run([sys.executable, "-m", "serialtrack", *args], cwd=self.cwd, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"serialtrack {' '.join(args)}: {proc.stdout}{proc.stderr}"
        return proc.stdout

    def add_user(self, name: str, role: str) -> str:
        self.cli("user", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        return name


def sign_in(browser: Any, site: Site, username: str, phone: bool = False) -> Any:
    """A new browser context signed in as `username`: the first page sends it to /login/."""
    from playwright.sync_api import expect

    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=site.url, viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("user")).to_have_text(username)
    return page


def scan(page: Any, serial: str) -> Any:
    """Type a serial into the scan input and press Enter, as a scanner does; its verdict."""
    from playwright.sync_api import expect

    page.locator("#scan-input").focus()
    page.keyboard.type(serial)
    page.keyboard.press("Enter")
    verdict = page.locator("#verdict [data-verdict]")
    expect(verdict).to_contain_text(serial)
    return verdict


def spy_on_sounds(page: Any) -> None:
    page.evaluate("""() => {
        window.__sounds = [];
        const play = window.serialtrackSound;
        window.serialtrackSound = (kind) => { window.__sounds.push(kind); play(kind); };
    }""")


def open_station(page: Any, path: str, fields: dict[str, str]) -> None:
    """Fill a station's opening form (inputs by name, selects by value) and start scanning."""
    from playwright.sync_api import expect

    page.goto(path)
    for name, value in fields.items():
        field = page.locator(f"[name={name}]").first
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Start scanning").click()
    expect(page).to_have_url(re.compile(r"/drafts/\d+/$"))
    expect(page.locator("#scan-input")).to_be_focused()


def post_draft(page: Any, kind: str) -> str:
    """Press Post; the document page it lands on; its number."""
    from playwright.sync_api import expect

    page.get_by_role("button", name=f"Post {kind}").click()
    expect(page).to_have_url(re.compile(r"/documents/[A-Z]+-\d{6}\?posted=1$"))
    expect(page.get_by_test_id("posted-notice")).to_be_visible()
    return page.url.rsplit("/", 1)[1].removesuffix("?posted=1")
