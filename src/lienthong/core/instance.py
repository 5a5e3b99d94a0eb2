"""The embedded instance's own files, and how its processes treat library warnings.

Settings only *read* the files below. ``lienthong init`` creates them, and so do
``lienthong demo`` and ``lienthong migrate``, before Django loads the settings. A
deployment (``LIENTHONG_ENV=production``) passes its secrets in the environment and
gets no file from here. Nothing in this module imports Django: the command line and
the WSGI/ASGI entry points call it first.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

SECRET_KEY_FILE: Final = "secret_key"  # noqa: S105  a file name
OIDC_KEY_FILE: Final = "oidc_provider_key.pem"


def var_dir(environ: Mapping[str, str]) -> Path:
    """Where the embedded instance keeps its database, files and keys."""
    return Path(environ.get("LIENTHONG_VAR_DIR") or Path.cwd() / "var").resolve()


def _write_once(path: Path, make: Callable[[], bytes]) -> bool:
    """Write ``make()`` to ``path`` readable by the owner only, unless it holds something
    (an empty file, left by an older version killed half-way, is replaced).

    The file appears whole or not at all: a temporary file is written and linked into
    place, so a process killed half-way leaves no partial key, and two processes that
    start at once keep the first key (sessions signed with it stay valid).
    """
    empty = path.exists() and path.stat().st_size == 0
    if path.exists() and not empty:
        return False
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(make())
            out.flush()
            os.fsync(out.fileno())
        if empty:
            tmp.replace(path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _new_secret_key() -> bytes:
    return secrets.token_urlsafe(50).encode()


def rsa_private_key_pem() -> bytes:
    """A new 2048-bit RSA private key, PEM (PKCS #8), unencrypted."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def initialise(environ: Mapping[str, str]) -> list[Path]:
    """Create what the embedded instance needs and does not have yet; return what was made.

    - the ``var/`` directory (the SQLite database and uploaded files live there);
    - ``var/secret_key`` unless ``SECRET_KEY`` is set;
    - ``var/oidc_provider_key.pem``, the development issuer's token-signing key, unless
      ``OIDC_PROVIDER_PRIVATE_KEY`` or ``OIDC_PROVIDER_PRIVATE_KEY_FILE`` is set.

    A production instance gets neither key: it must take them from its environment
    (the settings refuse to start without them).
    """
    made: list[Path] = []
    var = var_dir(environ)
    if not var.is_dir():
        var.mkdir(parents=True, exist_ok=True)
        made.append(var)
    if environ.get("LIENTHONG_ENV", "development") == "production":
        return made
    secret = var / SECRET_KEY_FILE
    if not environ.get("SECRET_KEY") and _write_once(secret, _new_secret_key):
        made.append(secret)
    key = var / OIDC_KEY_FILE
    given = environ.get("OIDC_PROVIDER_PRIVATE_KEY") or environ.get(
        "OIDC_PROVIDER_PRIVATE_KEY_FILE"
    )
    if not given and _write_once(key, rsa_private_key_pem):
        made.append(key)
    return made


def read_local(path: Path) -> str:
    """The content of one of the instance's files, or "" before ``lienthong init``."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    return ""


def quiet_library_warnings() -> None:
    """Keep library warnings (deprecations and the like) off a user's terminal.

    They are for the developers: the test suite turns every warning into an error, so a
    new one is found by a red test. ``PYTHONWARNINGS=default`` (or ``-W``) shows them.
    """
    if not sys.warnoptions:
        warnings.simplefilter("ignore")
