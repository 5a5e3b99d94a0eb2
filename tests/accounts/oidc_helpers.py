"""Drive the OpenID flows over real HTTP with ``requests`` (no browser needed)."""

from __future__ import annotations

import html
import re

import requests

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_NEXT = re.compile(r'name="next" value="([^"]*)"')


def log_in_at_the_test_issuer(
    browser: requests.Session,
    page: requests.Response,
    username: str,
    password: str,
    *,
    follow: bool = True,
) -> requests.Response:
    """Fill the development issuer's login form that ``page`` shows, follow redirects."""
    assert "/oidc/dang-nhap/" in page.url, page.url
    assert "Môi trường thử nghiệm" in page.text
    body = page.text
    return browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": _CSRF.search(body).group(1),
            "next": html.unescape(_NEXT.search(body).group(1)),
            "username": username,
            "password": password,
        },
        headers={"Referer": page.url},
        allow_redirects=follow,
        timeout=30,
    )
