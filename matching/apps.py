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
