import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.settings")
application = get_wsgi_application()


def _settle() -> None:
    """Import every view now, then keep what start-up loaded out of the garbage
    collector's full passes: they walked ~180,000 long-lived objects and paused a
    request for ~100 ms now and then (docs/performance.md)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views and APIs)
    gc.collect()
    gc.freeze()


_settle()
