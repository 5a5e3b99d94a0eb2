"""Settings, read once from the environment (12-factor).

Every variable is documented in docs/configuration.md and .env.example.
The embedded default (no environment at all) is a development instance on a
SQLite file under ``var/``; ``LIENTHONG_ENV=production`` turns on the strict
checks a real deployment needs.

Importing this module reads the environment and files; it writes nothing and
generates no key. The embedded instance's keys are made by ``lienthong init``
(also run by ``lienthong demo`` and ``lienthong migrate``): lienthong.core.instance.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lienthong.core import instance
from lienthong.core.storage import object_storage

# pyHanko imports cryptography's DSA types to recognise old signatures, and cryptography
# deprecates DSA: every command and worker would print the warning. The platform neither
# signs nor accepts DSA (results are RSA/PAdES); the test suite ignores it the same way.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.Env()

LIENTHONG_ENV: str = env.str("LIENTHONG_ENV", default="development")
if LIENTHONG_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"LIENTHONG_ENV must be development, production or test, not {LIENTHONG_ENV!r}"
    )
PRODUCTION = LIENTHONG_ENV == "production"

VAR_DIR = instance.var_dir(os.environ)
#: Files the embedded instance needs that ``lienthong init`` has not made yet (the
#: system check lienthong.W005 names the command; `serve` and `worker` refuse to start).
INSTANCE_FILES_MISSING: list[str] = []


def _secret_key() -> str:
    key: str = env.str("SECRET_KEY", default="")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when LIENTHONG_ENV=production")
    # Embedded default: made once by `lienthong init`, so sessions survive restarts.
    key = instance.read_local(VAR_DIR / instance.SECRET_KEY_FILE)
    if not key:
        INSTANCE_FILES_MISSING.append(instance.SECRET_KEY_FILE)
    return key


SECRET_KEY = _secret_key()
# Off unless set on purpose: the demo and production serve the platform's own error
# pages, never Django's debug page (which lists every URL and setting).
DEBUG: bool = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_FAILURE_VIEW = "lienthong.web.views.csrf_failure"
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's public address (scheme, host, port; no path). Login callbacks and the
# platform's own OpenID provider (its address, its `iss`) come from it, never from a
# request's Host header. Required in production (system check lienthong.E005).
PUBLIC_URL: str = (
    env.str("PUBLIC_URL", default="") or ("" if PRODUCTION else "http://127.0.0.1:8000")
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "lienthong.core",
    "lienthong.geo",
    "lienthong.directory",
    "lienthong.accounts",
    "lienthong.catalog",
    "lienthong.registries",
    "lienthong.dossiers",
    "lienthong.groups",
    "lienthong.feedback",
    "lienthong.steering",
    "lienthong.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy and Cache-Control: no-store (lienthong.core.headers); after
    # WhiteNoise (static files need neither), before the rest (their answers get both,
    # the 413 and NUL refusals below included).
    "lienthong.core.headers.ContentSecurityPolicyMiddleware",
    "lienthong.core.headers.NoStoreMiddleware",
    # Before anything reads a body: 413 for one over its limit (core/limits.py).
    "lienthong.core.limits.BodySizeLimit",
    # A NUL in a path, query or form: 400 (a page) or 422 (the API), never a 500.
    "lienthong.core.text.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lienthong.urls"
WSGI_APPLICATION = "lienthong.wsgi.application"
ASGI_APPLICATION = "lienthong.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lienthong.web.context_processors.platform",
            ],
        },
    },
]

# Database -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lienthong.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of failing on upgrade.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
else:
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", 5))
    # Parameters bound on the server, and statements run five times prepared: the
    # database parses and plans a repeated query once per connection, psycopg converts
    # it once per process (DB_PREPARE_THRESHOLD=off behind a pooler that cannot keep
    # prepared statements). Measured in docs/performance.md.
    _db["OPTIONS"]["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
    if env.str("DB_PREPARE_THRESHOLD", default="5") != "off":
        _db["OPTIONS"]["prepare_threshold"] = env.int("DB_PREPARE_THRESHOLD", default=5)
    _pool_max = env.int("DB_POOL_MAX_SIZE", default=10)
    if _pool_max > 0:
        # Each web process serves requests on several threads (and the worker runs
        # its own): a psycopg pool shares a bounded set of connections among them.
        _db["CONN_MAX_AGE"] = 0
        _db["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": _pool_max,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
    else:
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/dang-nhap/"

# Internationalisation: Vietnamese first; UI strings are written in Vietnamese
# and translated to English through locale/en.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Request bodies: a JSON body (kept in memory) carries at most one 10 MB file in base64;
# a multipart form streams its files to disk beyond 2.5 MB and is bounded as a whole
# (core/limits.py answers 413 beyond). See docs/security.md.
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MAX_MULTIPART_BODY_BYTES = 110 * 1024 * 1024
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files, receipts and signed results: the local file system under MEDIA_ROOT
# (the embedded default), or an S3-compatible object store when STORAGE_URL names a
# bucket, so that any number of application servers serve the same files
# (docs/deployment.md). Files are always downloaded through the permission check,
# never from a bucket URL.
STORAGE_URL: str = env.str("STORAGE_URL", default="")


STORAGES: dict[str, Any] = {
    "default": object_storage(
        STORAGE_URL,
        access_key=env.str("STORAGE_ACCESS_KEY", default=""),
        secret_key=env.str("STORAGE_SECRET_KEY", default=""),
    )
    if STORAGE_URL
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve static files from the installed packages without collectstatic in development.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION  # files from the apps, no collectstatic

# Background work ------------------------------------------------------------
#: Where citizens may call when the directory gives no number for their service centre
#: (the National Public Service Portal's free hotline by default).
PUBLIC_SERVICE_HOTLINE: str = env.str("PUBLIC_SERVICE_HOTLINE", default="1800 1096")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
OUTBOX_POLL_SECONDS: float = env.float("OUTBOX_POLL_SECONDS", default=1.0)
OUTBOX_BATCH_SIZE: int = env.int("OUTBOX_BATCH_SIZE", default=100)
OUTBOX_MAX_ATTEMPTS: int = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# Registries held by another instance (docs/registries-remote.md): timeouts (connect,
# read), retries with backoff, and the circuit breaker of each remote.
REGISTRY_HTTP_TIMEOUT = (
    env.float("REGISTRY_HTTP_CONNECT_TIMEOUT", default=2.0),
    env.float("REGISTRY_HTTP_READ_TIMEOUT", default=5.0),
)
REGISTRY_HTTP_RETRIES: int = env.int("REGISTRY_HTTP_RETRIES", default=2)
REGISTRY_HTTP_BACKOFF: float = env.float("REGISTRY_HTTP_BACKOFF", default=0.2)
REGISTRY_HTTP_BACKOFF_MAX: float = env.float("REGISTRY_HTTP_BACKOFF_MAX", default=1.0)
REGISTRY_HTTP_RETRY_AFTER_MAX: float = env.float("REGISTRY_HTTP_RETRY_AFTER_MAX", default=2.0)
REGISTRY_BREAKER_FAILURES: int = env.int("REGISTRY_BREAKER_FAILURES", default=5)
REGISTRY_BREAKER_RESET_SECONDS: float = env.float("REGISTRY_BREAKER_RESET_SECONDS", default=30.0)
# How often the worker flags dossiers that passed their due date.
OVERDUE_SWEEP_SECONDS: float = env.float("OVERDUE_SWEEP_SECONDS", default=300.0)

# Working-day calendar: the file that lists each year's official decisions.
WORK_CALENDAR_FILE = Path(
    env.str("WORK_CALENDAR_FILE", default=str(PACKAGE_DIR / "core" / "data" / "calendar.toml"))
)

# AGPL-3.0 section 13: users of the network service are offered the source.
SOURCE_CODE_URL: str = env.str("SOURCE_CODE_URL", default="")

# Identity (OpenID Connect) --------------------------------------------------
# The national e-ID issuer (VNeID or any OpenID provider): login with authorization
# code + PKCE; the person is matched by the identification-number claim.
OIDC_ISSUER_URL: str = env.str("OIDC_ISSUER_URL", default="")
OIDC_ISSUER_NAME: str = env.str("OIDC_ISSUER_NAME", default="VNeID")
OIDC_CLIENT_ID: str = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET: str = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES: str = env.str("OIDC_SCOPES", default="openid profile")
OIDC_PIN_CLAIM: str = env.str("OIDC_PIN_CLAIM", default="pin")
OIDC_TAX_CODE_CLAIM: str = env.str("OIDC_TAX_CODE_CLAIM", default="tax_code")
OIDC_TIMEOUT_SECONDS: float = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
if OIDC_ISSUER_URL and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER_URL needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
# The platform's own provider doubles as a development issuer (labelled as a test
# environment) unless this is a production instance.
OIDC_DEV_ISSUER: bool = env.bool("OIDC_DEV_ISSUER", default=not PRODUCTION)


def _oidc_private_key() -> str:
    pem: str = env.str("OIDC_PROVIDER_PRIVATE_KEY", default="")
    if pem:
        return pem.replace("\\n", "\n")
    path_value = env.str("OIDC_PROVIDER_PRIVATE_KEY_FILE", default="")
    if path_value:
        try:
            return Path(path_value).read_text()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"OIDC_PROVIDER_PRIVATE_KEY_FILE cannot be read: {path_value} ({exc.strerror})"
            ) from exc
    if PRODUCTION:
        raise ImproperlyConfigured(
            "OIDC_PROVIDER_PRIVATE_KEY or OIDC_PROVIDER_PRIVATE_KEY_FILE must be set when "
            "LIENTHONG_ENV=production"
        )
    # Embedded default: an RSA key made once under var/ by `lienthong init`.
    pem = instance.read_local(VAR_DIR / instance.OIDC_KEY_FILE)
    if not pem:
        INSTANCE_FILES_MISSING.append(instance.OIDC_KEY_FILE)
    return pem


# django-oauth-toolkit's models are swappable; naming them lets migrations refer to them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105  a model name
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105  a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105  a model name
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_private_key(),
    # The provider answers only at this address (accounts.provider_urls).
    "OIDC_ISS_ENDPOINT": env.str(
        "OIDC_PROVIDER_ISSUER", default=f"{PUBLIC_URL}/oidc" if PUBLIC_URL else ""
    ).rstrip("/"),
    "OAUTH2_VALIDATOR_CLASS": "lienthong.accounts.provider.ClaimsValidator",
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 Security BCP), every gate of django-oauth-toolkit on:
    # PKCE with S256 only ("plain" refused and not advertised) and required (§2.1.1);
    # no implicit or password grant (§2.1.2, §2.4); no access token in a query string
    # (§4.3.2); "iss" in the authorization response against mix-up (§4.4); tokens kept
    # at rest only as their SHA-256 (§4.14.2 spirit: a leaked table grants nothing);
    # refresh tokens rotated with reuse detection (§4.14.2); exact redirect URIs, no
    # wildcard (§4.1.3); only https redirects in production (§2.6).
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOW_URI_WILDCARDS": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
    "SCOPES": {
        "openid": _("Xác thực danh tính (OpenID Connect)"),
        "profile": _("Họ tên, số định danh cá nhân hoặc mã số thuế"),
        "api": _("Gọi API LiênThông thay mặt tài khoản hoặc hệ thống"),
    },
    "DEFAULT_SCOPES": ["api"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_TOKEN_SECONDS", default=3600),
    # RFC 8252: a client on this machine may use any port (127.0.0.1 and localhost).
    "ALLOW_LOCALHOST_LOOPBACK": not PRODUCTION,
}

# Login throttling (django-axes): 5 failures for one username from one address lock
# that pair out for 15 minutes; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED: bool = env.bool("LOGIN_THROTTLE_ENABLED", default=True)
AXES_FAILURE_LIMIT: int = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Signatures of results (PAdES): per-agency keys and certificates; a development CA
# is created under var/ for the embedded instance.
SIGNING_PKI_DIR = Path(env.str("SIGNING_PKI_DIR", default=str(VAR_DIR / "pki")))
# Fees: the collecting account shown as a VietQR code, and the secret a payment
# gateway signs its callbacks with (HMAC-SHA256).
PAYMENT_BANK_BIN: str = env.str("PAYMENT_BANK_BIN", default="970418")
PAYMENT_ACCOUNT_NUMBER: str = env.str("PAYMENT_ACCOUNT_NUMBER", default="0000000000")
PAYMENT_ACCOUNT_NAME: str = env.str("PAYMENT_ACCOUNT_NAME", default="KHO BAC NHA NUOC (THU NGHIEM)")
PAYMENT_CALLBACK_SECRET: str = env.str("PAYMENT_CALLBACK_SECRET", default="")

# Second factor for officials (TOTP, django-otp).
OTP_TOTP_ISSUER = "LiênThông"

# Mail -----------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LiênThông <no-reply@localhost>")

# Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and requests only from this
# site; no inline script, style or event handler, no eval (templates load web/js/site.js);
# never framed; forms post only here. lienthong.core.headers adds the OIDC issuer and a
# login's client to form-action, and Swagger UI's needs on the API docs page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

# Serving --------------------------------------------------------------------
# Behind a reverse proxy on these addresses, the client's address and scheme come from
# X-Forwarded-For/-Proto (login throttling and the audit log record the real client).
FORWARDED_ALLOW_IPS: list[str] = [
    h.strip() for h in env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"]) if h.strip()
]
# A thread back from the database waits for the GIL up to this long (seconds) while
# another runs Python: 5 ms by default, longer than a whole submission's work.
PYTHON_SWITCH_INTERVAL: float = env.float("PYTHON_SWITCH_INTERVAL", default=0.0002)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every login at INFO; failures and lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
    },
}
