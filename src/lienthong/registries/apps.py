from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "lienthong.registries"
    label = "registries"
    verbose_name = _("Cơ sở dữ liệu và chia sẻ dữ liệu")

    def ready(self) -> None:
        from lienthong.registries import population, seeds  # noqa: F401  registrations
