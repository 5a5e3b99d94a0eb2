from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "lienthong.directory"
    label = "directory"
    verbose_name = _("Danh bạ cơ quan")

    def ready(self) -> None:
        from lienthong.core.memo import forget_on_change
        from lienthong.directory import loaders  # noqa: F401  registers the reference-data loader
        from lienthong.directory.models import Agency

        forget_on_change(Agency)
