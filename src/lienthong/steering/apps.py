from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "lienthong.steering"
    label = "steering"
    verbose_name = _("Điều hành")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lienthong.steering import alerts, rollup, services  # noqa: F401  registrations
