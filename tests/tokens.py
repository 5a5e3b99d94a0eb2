"""API bearer tokens for tests that call a live server (the provider's own table)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def bearer_token(user: Any, name: str) -> str:
    """A one-hour token of ``user`` for the API, named ``name`` (unique per test run)."""
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    app, _ = Application.objects.get_or_create(
        name="tests",
        defaults={
            "client_type": "public",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "http://127.0.0.1/cb",
        },
    )
    token = f"test-{name}"
    AccessToken.objects.create(
        user=user,
        application=app,
        token=token,
        scope="api",
        expires=timezone.now() + timedelta(hours=1),
    )
    return token
