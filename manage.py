#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys

SCHEMA_COMMANDS = {"migrate", "makemigrations", "sqlmigrate", "showmigrations", "createcachetable", "dbshell"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SCHEMA_COMMANDS:
        # Schema changes run as the owner of the tables; everything else as the application's role.
        os.environ.setdefault("APP_DB_ROLE", "owner")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # load settings now so a bad environment gives one clear line
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
