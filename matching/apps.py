from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching: face models, searches, alerts and adjudication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from matching import audit_actions  # noqa: F401  (registers the matcher's audit actions)
