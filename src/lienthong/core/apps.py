from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lienthong.core"
    label = "core"
    verbose_name = _("Nền tảng dùng chung")

    def ready(self) -> None:
        # Registers the system checks, the reference loaders and the periodic jobs.
        from lienthong.core import checks, reference, tasks  # noqa: F401
