from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lienthong.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self) -> None:
        from oauth2_provider.models import AccessToken

        from lienthong.accounts import receivers, seeds  # noqa: F401  (audit hooks, demo seeder)
        from lienthong.core.memo import forget_on_change

        forget_on_change(AccessToken)  # a revoked token stops working here at once
