from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Oversight: forces, people, legal bases, policy and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oversight.audit import actions  # noqa: F401  (registers the ground layer's audit actions)
