"""/api/docs/ works in a real browser under the site's CSP: Swagger UI from static/, no
inline script, no CDN, and the operations listed."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_csp(new_page, csp_violations, live_server):
    page = new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:"))
            else outside.append(request.url)
        ),
    )
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/networks/{network_slug}/activities/").first).to_be_visible()
    screenshot(page, "api-docs")
    assert outside == []
    assert csp_violations == []
