from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """The public half of the accountability layer: transparency reports, notices and ATRS records.

    It reads every layer below (oversight ground, deployments, matching); nothing imports it.
    """

    name = "oversight.transparency"
    label = "transparency"
    verbose_name = "Transparency: public reports, advance notices and algorithmic transparency records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oversight.transparency import audit_actions  # noqa: F401  (registers this layer's audit actions)
