from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "lienthong.catalog"
    label = "catalog"
    verbose_name = _("Thủ tục hành chính")

    def ready(self) -> None:
        from lienthong.catalog import loaders  # noqa: F401  registers the reference-data loader
        from lienthong.catalog.models import Component, Procedure, ProcedureVersion
        from lienthong.core.memo import forget_on_change

        forget_on_change(Procedure, ProcedureVersion, Component)
