"""A private PostgreSQL cluster for FerretDB's PostgreSQL backend: Debian's ``postgresql`` package,
initialised in a directory of its own, listening on a free loopback port, stopped and removed at the end.

PostgreSQL refuses to run as root: as root, the cluster runs as the package's ``postgres`` user, in a
directory under the system's temporary directory (the tests' own directories are root's, mode 0700).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ops.errors import OpsError
from ops.host.ports import free_port

SERVICE_USER = "postgres"
INSTALL_HINT = "apt-get install -y postgresql (or `make postgresql`)"


def binaries() -> Path | None:
    """The directory of Debian's initdb and pg_ctl (the newest version installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    if binaries() is None:
        return False
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return False
    return True


@dataclass
class Cluster:
    directory: Path
    port: int
    bin_dir: Path
    user: str | None  # run as this user (when we are root)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        result = subprocess.run([str(self.bin_dir / argv[0]), *argv[1:]], capture_output=True, text=True,
                                timeout=timeout, user=self.user, cwd=self.directory, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise OpsError(f"PostgreSQL {argv[0]} failed: {(result.stderr or result.stdout).strip()[-500:]}")

    def start(self) -> None:
        data = self.directory / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        # Test equipment: no fsync (a crash loses a throw-away database), loopback only, socket in our dir.
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c fsync=off"
        self._run("pg_ctl", "-D", str(data), "-l", str(self.directory / "postgresql.log"), "-o", options,
                  "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        except (OpsError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = binaries()
    if bin_dir is None:
        raise OpsError(f"PostgreSQL is not installed: {INSTALL_HINT}")
    user = SERVICE_USER if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="meeshy-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(directory, free_port(), bin_dir, user)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
