from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "lienthong.groups"
    label = "groups"
    verbose_name = _("Hồ sơ liên thông")

    def ready(self) -> None:
        from lienthong.groups import consumers, seeds  # noqa: F401  registrations
