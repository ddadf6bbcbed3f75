from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching: face models, searches, alerts and adjudication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployments import files
        from matching import audit_actions  # noqa: F401  (registers the matcher's audit actions)
        from matching import rules  # noqa: F401  (registers rules 15-22 and 24 into the rulebook)
        from matching.images import image_face_check

        # A watchlist photo is checked in full when it is uploaded, not first at enrolment.
        files.image_check_register(image_face_check)

        # Every force gets its own partition of the custody gallery (matching/gallery.py).
        from django.db.models.signals import post_migrate, post_save

        from oversight.models import Force

        post_save.connect(_force_partition, sender=Force, dispatch_uid="matching-gallery-partition")
        post_migrate.connect(_partitions_after_migrate, sender=self, dispatch_uid="matching-gallery-partitions")


def _force_partition(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from matching.gallery import partition_add_if_permitted

        partition_add_if_permitted(instance.pk)


def _partitions_after_migrate(sender, using="default", **kwargs) -> None:
    from matching.gallery import partitions_for_every_force

    partitions_for_every_force()
