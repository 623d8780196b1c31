"""The replica's SSH host: Debian's openssh-server on a free 127.0.0.1 port, with keys made for the run.

The ops steps reach it with the same ``SshHost`` they use for meeshy.me: key authentication as root,
a known_hosts file that pins the host key, port forwarding for the database tunnels. The session's
``docker`` talks to the default socket, as on the server; ``DOCKER_CONFIG`` points the CLI at the
project's Compose plugin (``SetEnv``), which on a real server sits in the system's plugin directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ops.errors import OpsError
from ops.host.ports import free_port

SSHD = "/usr/sbin/sshd"


@dataclass
class SshServer:
    directory: Path
    port: int

    @property
    def key_file(self) -> Path:
        return self.directory / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.directory / "known_hosts"

    @property
    def target(self) -> str:
        return f"root@127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.directory / "sshd.pid"

    def running(self) -> bool:
        try:
            os.kill(int(self.pid_file.read_text()), 0)
            return True
        except (OSError, ValueError):
            return False

    def stop(self) -> None:
        if self.running():
            os.kill(int(self.pid_file.read_text()), signal.SIGTERM)
        self.pid_file.unlink(missing_ok=True)


def _keygen(path: Path) -> None:
    if not path.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def start_sshd(directory: Path, docker_config: Path) -> SshServer:
    """Start (or find running) the replica's sshd; its keys and config live in ``directory``."""
    if not Path(SSHD).exists():
        raise OpsError(f"{SSHD} is missing: run tools/docker/install.sh (it installs openssh-server)")
    directory.mkdir(parents=True, exist_ok=True)
    port_file = directory / "port"
    if port_file.exists():
        server = SshServer(directory, int(port_file.read_text()))
        if server.running():
            return server
    server = SshServer(directory, free_port())
    _keygen(directory / "host_ed25519")
    _keygen(server.key_file)
    (directory / "authorized_keys").write_text((directory / "id_ed25519.pub").read_text())
    host_key = (directory / "host_ed25519.pub").read_text().split()
    server.known_hosts.write_text(f"[127.0.0.1]:{server.port} {host_key[0]} {host_key[1]}\n")
    config = directory / "sshd_config"
    config.write_text(f"""Port {server.port}
ListenAddress 127.0.0.1
HostKey {directory / 'host_ed25519'}
PidFile {server.pid_file}
AuthorizedKeysFile {directory / 'authorized_keys'}
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
X11Forwarding no
MaxSessions 50
MaxStartups 50
SetEnv DOCKER_CONFIG={docker_config}
Subsystem sftp internal-sftp
LogLevel ERROR
""")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    port_file.write_text(str(server.port))
    subprocess.run([SSHD, "-f", str(config), "-E", str(directory / "sshd.log")], check=True)
    deadline = time.monotonic() + 10
    while not server.running():
        if time.monotonic() > deadline:
            raise OpsError(f"sshd did not start; see {directory / 'sshd.log'}")
        time.sleep(0.1)  # poll interval
    return server
