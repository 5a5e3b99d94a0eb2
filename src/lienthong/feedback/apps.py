from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "lienthong.feedback"
    label = "feedback"
    verbose_name = "Phản ánh, kiến nghị"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lienthong.feedback import consumers  # noqa: F401  registrations
