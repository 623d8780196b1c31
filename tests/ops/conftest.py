"""Fixtures of the ops tests: a loopback sshd with generated keys, hosts to run the same tests on, site files."""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ops.host import Host, LocalHost, SshHost
from ops.host.ports import free_port

SSHD = Path("/usr/sbin/sshd")


@dataclass
class Sshd:
    port: int
    user: str
    key_file: Path
    known_hosts: Path

    def host(self, **kwargs) -> SshHost:
        return SshHost("127.0.0.1", user=self.user, port=self.port, key_file=self.key_file,
                       known_hosts=self.known_hosts, **kwargs)


def _wait_for_port(port: int, process: subprocess.Popen, deadline_s: float = 10.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # poll interval
    raise TimeoutError(f"sshd did not listen on {port} within {deadline_s}s")


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Sshd:
    if not SSHD.exists():
        pytest.skip("openssh-server is not installed (apt-get install -y openssh-server)")
    d = tmp_path_factory.mktemp("sshd")
    d.chmod(0o700)
    for key in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    (d / "authorized_keys").chmod(0o600)
    port = free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        "Subsystem sftp internal-sftp\nLogLevel ERROR\n")
    host_pub = (d / "host_key.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    log = open(d / "sshd.log", "w")
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")], stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process)
        yield Sshd(port, getpass.getuser(), d / "user_key", d / "known_hosts")
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(params=["local", "ssh"])
def host(request: pytest.FixtureRequest) -> Host:
    """The same test body on this machine and over SSH to the loopback sshd."""
    if request.param == "local":
        yield LocalHost()
        return
    h = request.getfixturevalue("sshd").host()
    yield h
    h.close()


@pytest.fixture
def site_file(tmp_path: Path):
    """``site_file(secrets={...}, **settings)``: a site file of a server on this machine, with its secrets file."""

    def write(secrets: dict[str, str] | None = None, **changes) -> Path:
        secrets = secrets or {"PROBE_PASSWORD": "pw-of-the-probe"}
        secrets_file = tmp_path / "secrets.env"
        secrets_file.write_text("".join(f"{key}={value}\n" for key, value in secrets.items()))
        cfg = {"ssh": "local", "root": "/opt/meeshy", "staging_compose": str(tmp_path / "staging.yml"),
               "new_images": {"GATEWAY_IMAGE": "g:new", "TRANSLATOR_IMAGE": "t:new", "FRONTEND_IMAGE": "f:new"},
               "gateway_urls": {"production": "https://gate.meeshy.me",
                                "staging": "https://gate.staging.meeshy.me:8443"},
               "probe": {"username": "probe_user", "conversation": "0" * 24}, "secrets_file": str(secrets_file),
               **changes}
        path = tmp_path / "site.json"
        path.write_text(json.dumps(cfg))
        return path

    return write
