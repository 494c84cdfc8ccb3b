"""The documentation page in a real browser (Debian's chromium, driven by selenium through
Debian's chromium-driver), served by the native stack through nginx: it loads with no
console error under its Content-Security-Policy, shows every operation id of the document
and every problem code, and a screenshot is saved for the README.

Skipped, saying so, only where no chromium can be installed (``make system-packages``
installs it with apt-get).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from e2e_support import ROOT

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "bench" / "results" / "docs-page.png"
# The browser must reach nothing but the stack (this machine has no other network).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1800",
)


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or shutil.which("chromium-driver")
    if not (browser and driver):
        pytest.skip(
            "no chromium and chromium-driver here: `make system-packages` installs them "
            "with apt-get (Debian's chromium, chromium-driver)"
        )
    return browser, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = _binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def _wait_for(chrome: Any, predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the page did not render in time")
        time.sleep(0.2)


def test_the_docs_page_renders_every_operation_without_console_errors(
    stack: Any, browser: Any
) -> None:
    document = requests.get(f"{stack.url}/v1/openapi.json", timeout=30).json()
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    browser.get(f"{stack.url}/v1/docs")
    body = browser.find_element("tag name", "body")
    _wait_for(browser, lambda: all(i in body.text for i in operation_ids))
    time.sleep(0.5)  # late errors (a refused style, a failed fetch) reach the log too
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    text = body.text
    from chalicelib.problem_docs import PROBLEMS

    assert [code for code in PROBLEMS if code not in text] == []
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_problem_type_is_a_page_a_person_can_read(stack: Any, browser: Any) -> None:
    token = requests.post(
        f"{stack.url}/v1/auth/login",
        json={"email": "x@example.com", "password": "nope nope"},
        timeout=30,
    ).json()
    browser.get(f"{stack.url}{token['type']}")  # relative to the API, as RFC 9457 says
    text = browser.find_element("tag name", "body").text
    assert "invalid_credentials" in text and "What to do" in text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_pages_allow_nothing_but_the_api_itself(stack: Any) -> None:
    page = requests.get(f"{stack.url}/v1/docs", timeout=30)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe" not in policy and "http" not in policy
    assert "text/html" in page.headers["Content-Type"]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "docs.js", "docs.css"):
        got = requests.get(f"{stack.url}/v1/docs/assets/{asset}", timeout=30)
        assert got.status_code == 200 and got.content
    assert requests.get(f"{stack.url}/v1/docs/assets/..%2Fsecret", timeout=30).status_code == 404
