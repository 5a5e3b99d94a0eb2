from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "lienthong.geo"
    label = "geo"
    verbose_name = _("Địa giới hành chính")

    def ready(self) -> None:
        from lienthong.core.memo import forget_on_change
        from lienthong.geo import loaders  # noqa: F401  (registers the reference-data loader)
        from lienthong.geo.models import AdministrativeUnit

        forget_on_change(AdministrativeUnit)
