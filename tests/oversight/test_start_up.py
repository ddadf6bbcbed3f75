"""Start-up refuses a bad environment with one clear line naming the variable."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "APP_ENV": "production",
    "APP_SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
    "APP_AUDIT_SIGNING_KEY": "9f" + bytes(range(31)).hex(),  # one byte repeated 32 times is refused as guessable
    "APP_ALLOWED_HOSTS": "fr-oversight.example.gov.uk",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("APP_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("env,variable", [
    ({"DATABASE_URL": "mysql://root@localhost/fr"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://user@host:notaport/db"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://user@host:5432"}, "DATABASE_URL"),
    ({"APP_CELERY_BROKER": "amqp://guest@localhost//"}, "APP_CELERY_BROKER"),
    ({**PRODUCTION, "APP_AUDIT_SIGNING_KEY": ""}, "APP_AUDIT_SIGNING_KEY"),
    ({**PRODUCTION, "APP_SECRET_KEY": ""}, "APP_SECRET_KEY"),
    ({"APP_DEBUG": "maybe"}, "APP_DEBUG"),
    ({"APP_EMBEDDED_SHARED_BUFFERS": "lots"}, "APP_EMBEDDED_SHARED_BUFFERS"),
])
def test_a_bad_variable_stops_start_up_with_one_message(env, variable):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error:") and variable in lines[0], result.stderr


def test_check_deploy_with_production_settings_prints_no_warnings():
    result = manage("check", "--deploy", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_celery_brokers_follow_the_environment():
    show = ["shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"]
    assert manage(*show).stdout.split() == ["memory://localhost/", "True"]
    embedded = manage(*show, APP_CELERY_BROKER="embedded").stdout.split()
    assert embedded[0].startswith("sqla+postgresql+psycopg://") and embedded[1] == "False"
    redis = manage(*show, APP_CELERY_BROKER="redis://127.0.0.1:6379/3").stdout.split()
    assert redis == ["redis://127.0.0.1:6379/3", "False"]
