from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "lienthong.registries"
    label = "registries"
    verbose_name = _("Cơ sở dữ liệu và chia sẻ dữ liệu")

    def ready(self) -> None:
        from lienthong.core.memo import forget_on_change
        from lienthong.registries import population, seeds  # noqa: F401  registrations
        from lienthong.registries.models import AccessGrant, Registry

        forget_on_change(Registry, AccessGrant)
