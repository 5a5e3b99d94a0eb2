"""Test settings: fast hashing, naive datetimes are errors.

A test run is an embedded instance: its var/ directory and keys are made here, as
``lienthong init`` makes them, before the settings read them.
"""

import os
import warnings

from lienthong.core import instance

instance.initialise(os.environ)

from lienthong.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_POLL_SECONDS = 0.05

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    # Which process holds a connection (tests/conftest.py reports sessions left behind).
    DATABASES["default"]["OPTIONS"]["application_name"] = f"lienthong-test-{os.getpid()}"  # noqa: F405

warnings.filterwarnings(
    "error", r"DateTimeField .* received a naive datetime", RuntimeWarning, r"django\.db\.models"
)
