from django.apps import AppConfig
from django.db.models.signals import post_save


class DeploymentsConfig(AppConfig):
    name = "deployments"
    verbose_name = "Deployments: authorisations, watchlists, assessments and policy documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployments import audit_actions  # noqa: F401  (registers this layer's audit actions)
        from deployments.receivers import force_created
        from oversight.models import Force

        # The ground layer knows nothing of watchlists: this layer listens for new forces instead.
        post_save.connect(force_created, sender=Force, dispatch_uid="deployments.force_created")
