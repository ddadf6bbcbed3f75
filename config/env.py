"""Typed readers for environment variables that fail loudly, naming the variable.

Settings read everything through these so that a bad value stops start-up with one clear
message instead of surfacing later as a confusing error deep inside a library.
"""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_RATE_PERIODS = {"second", "minute", "hour", "day"}


def env_rate(name: str, default: str) -> str:
    """A request rate such as '300/minute' (per second, minute, hour or day)."""
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ImproperlyConfigured(f"{name} must be a number of requests per second, minute, hour or day such as "
                                   f"'300/minute', not {value!r}")
    return value


def require_strong_secret(name: str, value: str) -> None:
    """Refuse a secret key that could be guessed: Django's own measure (50 characters, 5 distinct ones)."""
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-"):
        raise ImproperlyConfigured(f"{name} is too weak: give at least 50 random characters (for example the output "
                                   "of `python -c 'import secrets; print(secrets.token_urlsafe(64))'`)")


def require_signing_key(name: str, value: str) -> None:
    """An Ed25519 private key as 64 hexadecimal characters (32 bytes), not all one repeated byte."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32 or len(set(raw)) < 8:
        raise ImproperlyConfigured(f"{name} must be an Ed25519 private key written as 64 random hexadecimal "
                                   "characters (32 bytes)")
