"""The ASGI application (for servers that speak ASGI; ``lienthong serve`` uses WSGI)."""

import os

from lienthong.core.instance import quiet_library_warnings

quiet_library_warnings()

from django.core.asgi import get_asgi_application  # noqa: E402  (after the warning filter)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.settings")
application = get_asgi_application()
