"""The WSGI application the server's processes load (``lienthong serve``).

It reads no environment of its own: every setting comes from lienthong.settings.
"""

import gc
import os
import sys

from lienthong.core.instance import quiet_library_warnings

quiet_library_warnings()

from django.conf import settings  # noqa: E402  (after the warning filter)
from django.core.wsgi import get_wsgi_application  # noqa: E402
from granian.utils.proxies import wrap_wsgi_with_proxy_headers  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.settings")
application = wrap_wsgi_with_proxy_headers(
    get_wsgi_application(), trusted_hosts=settings.FORWARDED_ALLOW_IPS
)


def _settle() -> None:
    """Import every view now, then keep what start-up loaded out of the garbage
    collector's full passes: they walked ~180,000 long-lived objects and paused a
    request for ~100 ms now and then (docs/performance.md)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views and APIs)
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(settings.PYTHON_SWITCH_INTERVAL)


_settle()
