"""gunicorn's settings for the site, read from the environment (`manage.py serve` and deploy/ set them).

    gunicorn -c config/gunicorn.py config.wsgi:application

Threads (gthread workers) let one process wait on the database or a slow client while another request runs;
processes use the cores. The device pool (`APP_WEB_POOL=live`, its own port) is sized separately, so that
public readers can never take the threads that cameras and operators need.
"""
import os

from config.env import env_int, env_str
from config.priority import lower_priority

_cores = os.cpu_count() or 1
pool = env_str("APP_WEB_POOL", "web")
if pool not in {"web", "live"}:
    raise SystemExit(f"APP_WEB_POOL must be 'web' or 'live', not {pool!r}")

bind = env_str("APP_WEB_BIND", "127.0.0.1:8000" if pool == "web" else "127.0.0.1:8001")
worker_class = "gthread"
workers = env_int("APP_WEB_WORKERS", max(2, _cores) if pool == "web" else max(1, _cores // 2))
threads = env_int("APP_WEB_THREADS", 4)
timeout = env_int("APP_WEB_TIMEOUT", 60)  # a 32-frame batch on a busy core takes a few seconds, never a minute
graceful_timeout = 10
keepalive = 5
# Recycle a worker now and then: the face pipeline's buffers and Python's heap only grow.
max_requests = env_int("APP_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
proc_name = f"frgov-{pool}"
accesslog = env_str("APP_WEB_ACCESS_LOG", "") or None
errorlog = "-"
loglevel = env_str("APP_LOG_LEVEL", "warning").lower()
forwarded_allow_ips = env_str("APP_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Live work first: the public and signed-in pages run at a lower CPU priority than the camera and operator
# pool, so that on the same cores a crowd of readers slows the readers, not the cameras (APP_WEB_NICE, 0-19).
nice = env_int("APP_WEB_NICE", 19 if pool == "web" else 0)
if not 0 <= nice <= 19:
    raise SystemExit(f"APP_WEB_NICE must be from 0 to 19, not {nice}")


def on_starting(server):  # the master, before it forks: its workers inherit the priority
    lower_priority(nice)
