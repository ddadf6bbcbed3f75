from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The accountability layer's oversight half: regulator reports, the oversight dashboard, audits of forces.

    It reads every layer below (ground, governance, matcher) and nothing imports it.
    """

    name = "oversight.reports"
    label = "reports"
    verbose_name = "Oversight: regulator reports and audits of forces"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oversight.reports import audit_actions  # noqa: F401  (registers this layer's audit actions)
        from oversight.reports.records import register_kinds

        register_kinds()  # every layer's records, named and linked as people read them (oversight.labels)
