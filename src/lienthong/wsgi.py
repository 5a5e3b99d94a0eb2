import gc
import os
import sys

from django.core.wsgi import get_wsgi_application
from granian.utils.proxies import wrap_wsgi_with_proxy_headers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.settings")
# Behind a reverse proxy on these addresses, the client's address and scheme come from
# X-Forwarded-For/-Proto (login throttling and the audit log record the real client).
application = wrap_wsgi_with_proxy_headers(
    get_wsgi_application(),
    trusted_hosts=[
        h.strip() for h in os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1").split(",")
    ],
)


def _settle() -> None:
    """Import every view now, then keep what start-up loaded out of the garbage
    collector's full passes: they walked ~180,000 long-lived objects and paused a
    request for ~100 ms now and then (docs/performance.md)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views and APIs)
    gc.collect()
    gc.freeze()
    # A thread back from the database waits for the GIL up to this long while another
    # runs Python: 5 ms by default, longer than a whole submission's work.
    sys.setswitchinterval(float(os.environ.get("PYTHON_SWITCH_INTERVAL", "0.0002")))


_settle()
