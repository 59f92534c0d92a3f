"""Shared fixtures: one app server for the end-to-end and browser tests, and
the system Chromium for pytest-playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from deploy.hall import free_port

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Class mode's database: a fresh file per test run (never the developer's classdata/), and room
# for the many classes the tests start from one address (the rate limit has its own tests).
os.environ["CLASS_DB"] = os.path.join(tempfile.mkdtemp(prefix="class-db-"), "classes.sqlite")
os.environ["CLASS_CREATES_PER_HOUR"] = "10000"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_HELP = (
    "The browser tests need a Chromium and none was found, and `python -m playwright install chromium` "
    "could not fetch one (it needs the internet). On Debian/Ubuntu: "
    "`sudo apt-get update && sudo apt-get install -y chromium` (or set CHROMIUM=/path/to/chromium)."
)
# Playwright's own Chromium, if it has one (asked in a child process: this one runs Playwright already)
BUNDLED = (
    "import os; from playwright.sync_api import sync_playwright\n"
    "with sync_playwright() as p: path = p.chromium.executable_path\n"
    "print(path if os.path.exists(path) else '')"
)


def find_chromium() -> str | None:
    """The system's Chromium, else Playwright's, which is installed the ecosystem's way when missing."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path

    def bundled() -> str | None:
        run = subprocess.run([sys.executable, "-c", BUNDLED], capture_output=True, text=True, timeout=120)
        return run.stdout.strip() or None

    if path := bundled():
        return path
    subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], capture_output=True, timeout=900)
    return bundled()


BROWSER_FIXTURES = {"page", "browser", "context", "app_page"}


def pytest_collection_modifyitems(config, items):
    """Every test that starts a browser carries the browser marker, so `-m "not browser"` (the quick
    tier) never starts one: an unmarked test that asks for a page fails at collection."""
    unmarked = [
        item.nodeid
        for item in items
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("browser") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"tests that start a browser need @pytest.mark.browser: {unmarked}")


@pytest.fixture(scope="session")
def server_url():
    """The whole app served on a free loopback port for the session."""
    import app

    demo = app.build_app()
    port = free_port()
    app.launch(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="session")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, ssl_verify=False, verbose=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = find_chromium()
    if path is None:
        pytest.fail(CHROMIUM_HELP, pytrace=False)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture
def app_page(page, server_url):
    """The app in English at 1280x900; fails the test on any uncaught page error."""
    from playwright.sync_api import expect

    # Redrawing plots on a busy 2-core machine can take seconds: wait up to 15 s.
    expect.set_options(timeout=15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server_url + "?lang=en")
    expect(page.locator("#app-title")).to_contain_text("Interactive Lectures", timeout=20_000)
    yield page
    assert not errors, f"uncaught page errors: {errors}"
