"""Real-browser fixtures: Debian's chromium, driven by Playwright, against the live_server.

Playwright's sync API runs an asyncio loop in this thread, and Django refuses database work
from a thread with a running loop unless told it is safe; the test thread only prepares data.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from networks.models import Membership
from tests.factories import PASSWORD, MembershipFactory, NetworkFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SOURCE_PATH = Path(__file__).with_name("axe.min.js")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}.")
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}.")
    from playwright.sync_api import sync_playwright

    # Only while the browser runs: Django reads the flag at each database call.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def csp_violations() -> list[str]:
    return []


@pytest.fixture
def new_page(browser, live_server, csp_violations):
    """Opens pages in fresh contexts; console errors about the CSP are collected to fail on."""
    contexts = []

    def make(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    # Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') allows,
    # so the pages are checked with their real policy in force.
    return AXE_SOURCE_PATH.read_text() + "\n;true"


def serious_axe_violations(page, axe_source: str) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def people():
    """The Riverside network with an organiser, and a gardener and a member yet to be placed."""
    network = NetworkFactory(name="Riverside Makers", slug="riverside", mission="", vision="")
    organiser = UserFactory(name="Olive Organiser", email="olive@example.org")
    gardener = UserFactory(name="Gary Gardener", email="gary@example.org")
    member = UserFactory(name="Mia Member", email="mia@example.org")
    MembershipFactory(user=organiser, network=network, role=Membership.Role.ORGANISER)
    MembershipFactory(user=gardener, network=network)
    MembershipFactory(user=member, network=network)
    return network, organiser, gardener, member


def label(text: str) -> re.Pattern:
    """A field's label, with or without the required-field star."""
    return re.compile(rf"^{re.escape(text)}( \*)?$")


def sign_in(page, email: str, landing: str = r"/n/riverside/$") -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(landing))


def photograph_and_check(new_page, email: str, pages: dict[str, str], axe_source: str) -> dict:
    """Signs in as `email`, photographs each page on desktop and phone, and returns the
    serious axe violations found on desktop, by page name."""
    failures = {}
    for viewport_name, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_page(viewport)
        sign_in(page, email)
        for name, path in pages.items():
            response = page.goto(path)
            assert response.status == 200, f"{name}: {response.status}"
            screenshot(page, f"{name}-{viewport_name}")
            if viewport_name == "desktop":
                violations = serious_axe_violations(page, axe_source)
                if violations:
                    failures[name] = violations
    return failures
