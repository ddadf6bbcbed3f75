from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Oversight: forces, people, legal bases, policy and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_save

        from oversight.audit import actions  # noqa: F401  (registers the ground layer's audit actions)
        from oversight.bounds import check_record
        from oversight.database_roles import grants_apply

        # Every record of the product's own models: text no longer than its field allows, dates within bounds.
        pre_save.connect(check_record, dispatch_uid="oversight-bounds")

        # Once per migrate (every app's tables exist by then): the application's role gets exactly its grants.
        post_migrate.connect(grants_apply, sender=self, dispatch_uid="oversight-database-grants")
