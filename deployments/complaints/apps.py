from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "deployments.complaints"
    label = "complaints"
    verbose_name = "Complaints from the public"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployments.complaints import audit_actions  # noqa: F401  (registers this app's audit actions)
