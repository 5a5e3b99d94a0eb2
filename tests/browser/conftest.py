from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import AXE, CHROMIUM, require_tool

# Playwright's sync API runs an event loop in this thread; the live server's
# database access happens in its own thread, so this is safe for the tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


#: Reports every Content-Security-Policy violation to the console, where the fixture
#: below finds it (init scripts run outside the page's policy).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(locale="vi-VN")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    if AXE.exists():  # as an init script: outside the page's policy, never a page's own
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.set_default_timeout(15000)
    yield page
    context.close()
    # A page the policy breaks fails its test, even where the test did not notice.
    assert not violations, "\n".join(violations)


#: Rules of WCAG 2.1 levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def assert_accessible(page, *, what: str = "") -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    require_tool("axe-core")
    result = None
    for attempt in range(3):
        # A click that navigates returns once the navigation starts: wait for the new
        # document, and run again if it was swapped in while axe was reading the old one.
        page.wait_for_load_state("load")
        try:
            result = page.evaluate(
                "tags => axe.run(document,"
                " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                AXE_TAGS,
            )
            break
        except PlaywrightError as error:
            navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
            if attempt == 2 or not navigating:
                raise
    assert result is not None
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{what or page.url}:\n" + "\n".join(serious)
