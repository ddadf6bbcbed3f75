"""Logging filters named in settings.LOGGING."""
import logging


class ForbiddenInOneLine(logging.Filter):
    """Log a refused request (403) as its one line, without the PermissionDenied traceback behind it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text = None, None
        return True
