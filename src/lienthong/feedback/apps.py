from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "lienthong.feedback"
    label = "feedback"
    verbose_name = _("Phản ánh, kiến nghị")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lienthong.feedback import consumers, seeds  # noqa: F401  registrations
