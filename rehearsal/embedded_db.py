"""The database the rehearsal and the tests run on, chosen down a ladder, most faithful first.

1. a URL the user gives (``MEESHY_MONGODB_URL``, or ``MEESHY_TEST_MONGODB_URL`` for the tests);
2. ``mongod`` on the PATH;
3. FerretDB 1.24.2 on SQLite, built into ``.tools/bin`` by ``tools/ferretdb/build.sh``;
4. the same FerretDB on PostgreSQL (Debian's package, a private cluster: embedded_db_postgres.py);
5. nx-27017 (PyPI), where nothing better exists.

``MEESHY_DB_RUNG`` names a rung to use instead of the first available (``make test DB_RUNG=…``).
FerretDB on SQLite comes before PostgreSQL by measurement (bench/sandbox.py and bench/migration.py
with ``--db-rung``, tests/test_db_conformance.py on both): the same conformance, and neither serves
the gateway's queries from an index, but SQLite starts and migrates faster on this machine.

>>> with start_server(Path("var/db")) as server:
...     print(server.kind, server.url)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymongo
from pymongo.errors import PyMongoError

from ops.config import redact_url
from ops.errors import OpsError
from ops.host.ports import free_port
from ops.paths import ROOT
from rehearsal import embedded_db_postgres
from rehearsal.embedded_db_postgres import Cluster

FERRETDB_BIN = ROOT / ".tools" / "bin" / "ferretdb"
FERRETDB_BUILD = ROOT / "tools" / "ferretdb" / "build.sh"
RUNGS = ("external", "mongod", "ferretdb", "ferretdb-postgresql", "nx-27017")
RUNG_ENV_VAR = "MEESHY_DB_RUNG"


@dataclass
class Server:
    """A running (or external) MongoDB wire-protocol server."""

    kind: str
    url: str
    process: subprocess.Popen | None = None
    data_dir: Path | None = None
    log_path: Path | None = None
    version: str = ""
    _log: object = field(default=None, repr=False)
    cluster: Cluster | None = None  # the PostgreSQL behind FerretDB, on that rung

    def db_url(self, name: str) -> str:
        return self.url.rstrip("/") + "/" + name

    def describe(self) -> str:
        return f"{self.kind} {self.version}".strip()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server we started (SIGTERM, then SIGKILL after ``timeout``)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._log is not None:
            self._log.close()
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until_answers(url: str, deadline_s: float = 20.0, process: subprocess.Popen | None = None) -> str:
    """Poll ``ping`` until the server answers; return its version. Raises OpsError at the deadline."""
    end = time.monotonic() + deadline_s
    last: Exception | None = None
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise OpsError(f"the database server exited with code {process.returncode} before answering")
        try:
            with pymongo.MongoClient(url, serverSelectionTimeoutMS=500, connectTimeoutMS=500) as client:
                client.admin.command("ping")
                return str(client.server_info().get("version", ""))
        except PyMongoError as exc:
            last = exc
            time.sleep(0.1)  # poll interval
    raise OpsError(f"no MongoDB server answered at {redact_url(url)} within {deadline_s:.0f}s ({last})")


def ensure_ferretdb() -> Path | None:
    """Build FerretDB once if Go is here; None when it cannot be had."""
    if FERRETDB_BIN.exists():
        return FERRETDB_BIN
    if shutil.which("go") is None:
        return None
    result = subprocess.run(["bash", str(FERRETDB_BUILD)], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"FerretDB build failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return FERRETDB_BIN


def _nx_command() -> list[str] | None:
    # The venv's console script is found even when .venv/bin is not on PATH.
    exe = shutil.which("nx-27017") or shutil.which("nx-27017", path=str(Path(sys.executable).parent))
    return [exe] if exe else None


def available_rungs(env_var: str = "MEESHY_MONGODB_URL") -> list[str]:
    """The rungs this machine offers, in ladder order (does not build or start anything)."""
    rungs = []
    if os.environ.get(env_var):
        rungs.append("external")
    if shutil.which("mongod"):
        rungs.append("mongod")
    if FERRETDB_BIN.exists() or shutil.which("go"):
        rungs.append("ferretdb")
        if embedded_db_postgres.available():
            rungs.append("ferretdb-postgresql")
    if _nx_command():
        rungs.append("nx-27017")
    return rungs


def _launch(kind: str, data_dir: Path, port: int, cluster: Cluster | None) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if kind == "mongod":
        return ["mongod", "--bind_ip", "127.0.0.1", "--port", str(port), "--dbpath", str(data_dir)], env
    if kind in ("ferretdb", "ferretdb-postgresql"):
        binary = ensure_ferretdb()
        if binary is None:
            raise OpsError("FerretDB is not built and cannot be (no Go toolchain)")
        # Telemetry must stay off: it would call a public address.
        env["DO_NOT_TRACK"] = "1"
        backend = (["--handler=postgresql", f"--postgresql-url={cluster.url}"] if cluster is not None
                   else ["--handler=sqlite", f"--sqlite-url=file:{data_dir}/"])
        return [
            str(binary),
            *backend,
            f"--listen-addr=127.0.0.1:{port}",
            f"--state-dir={data_dir}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=warn",
        ], env
    if kind == "nx-27017":
        cmd = _nx_command()
        if cmd is None:
            raise OpsError("nx-27017 is not installed (pip install nx-27017)")
        return [*cmd, "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir),
                "--log-file", str(data_dir / "nx.log"), "--pid-file", str(data_dir / "nx.pid")], env
    raise OpsError(f"unknown database rung {kind!r}; choose one of {', '.join(RUNGS)}")


def start_server(data_dir: Path, kind: str | None = None, env_var: str = "MEESHY_MONGODB_URL",
                 deadline_s: float = 30.0) -> Server:
    """Start (or adopt) the most faithful server available, or the rung ``kind`` if given (else the
    one ``MEESHY_DB_RUNG`` names)."""
    kind = kind or os.environ.get(RUNG_ENV_VAR) or None
    if kind is not None and kind not in RUNGS:
        raise OpsError(f"unknown database rung {kind!r}; choose one of {', '.join(RUNGS)}")
    if kind in (None, "external") and os.environ.get(env_var):
        url = os.environ[env_var]
        version = wait_until_answers(url, deadline_s)
        return Server("external", url, version=version)
    if kind == "external":
        raise OpsError(f"{env_var} is not set")
    order = [kind] if kind else [r for r in RUNGS[1:] if r in available_rungs(env_var)]
    if not order:
        raise OpsError("no MongoDB server available: set MEESHY_MONGODB_URL, install mongod, "
                       "install Go (for FerretDB) or pip install nx-27017")
    rung = order[0]
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cluster = embedded_db_postgres.start_cluster() if rung == "ferretdb-postgresql" else None
    try:
        argv, env = _launch(rung, data_dir, port, cluster)
        log_path = data_dir / f"{rung}.log"
        log = open(log_path, "ab")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except BaseException:
        if cluster is not None:
            cluster.stop()
        raise
    url = f"mongodb://127.0.0.1:{port}/"
    try:
        version = wait_until_answers(url, deadline_s, process)
    except OpsError:
        process.kill()
        log.close()
        if cluster is not None:
            cluster.stop()
        raise
    return Server(rung, url, process, data_dir, log_path, version, log, cluster)
