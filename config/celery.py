"""The Celery app; its configuration comes from settings (CELERY_* names), which read the environment."""
from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("frgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

try:
    # The SQL transport polls the database; its default of one second makes a page that waits for a
    # job feel stuck. It must be set on the class: transport options are handed to create_engine.
    from kombu.transport.sqlalchemy import Channel

    Channel.polling_interval = 0.25
except ImportError:  # pragma: no cover - the transport is an optional extra
    pass
