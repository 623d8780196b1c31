"""The replica: a copy of the meeshy.me server on this machine, reached over real SSH, run by real Compose.

``up`` starts (or reuses) dockerd, builds the images that are missing, starts sshd, writes the server's
directory and the operator's files, starts old production (project ``meeshy``, old images) and fills its
database with the synthetic legacy dataset and its uploads volume with a file behind every attachment.
``down`` removes everything it started. The ops steps then run against it exactly as against meeshy.me.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ops.config.site import Site, load_site
from ops.db import client, reach
from ops.errors import OpsError
from ops.host import SshHost
from ops.paths import ROOT
from rehearsal.replica import dockerd, images, layout
from rehearsal.replica.sshd import SshServer, start_sshd
from rehearsal.seed_accounts import TEST_COMMUNITY_IDENTIFIER, TEST_CONVERSATION_IDENTIFIER, by_username

BASE = ROOT / "var" / "replica"
ATTACHMENT_ROUTES = ("/api/v1/attachments/file/", "/api/attachments/file/")
# One replica per machine: its projects, containers and volumes have the real server's names. The owner
# file says whose it is; another up() waits for that replica to go down (a rehearsal and the tests take turns).
OWNER = Path.home() / ".cache" / "meeshy-ops" / "replica.owner"
OWNER_WAIT_S = 3600


def _owner() -> dict | None:
    """The live owner of the machine's replica, if any (a dead process's replica counts as gone)."""
    try:
        owner = json.loads(OWNER.read_text())
    except (OSError, ValueError):
        return None
    if not (Path(owner["base"]) / "replica.json").exists():
        return None
    if owner.get("detached"):
        return owner
    try:
        os.kill(owner["pid"], 0)
        return owner
    except OSError:
        return None


def _take_the_machine(base: Path, detached: bool, echo) -> None:
    deadline, said = time.monotonic() + OWNER_WAIT_S, False
    while (owner := _owner()) and Path(owner["base"]) != base:
        if not said:
            echo(f"waiting for the replica of {owner['base']} (pid {owner['pid']}) to go down")
            said = True
        if time.monotonic() > deadline:
            raise OpsError(f"another replica runs on this machine ({owner['base']}); `meeshy-ops replica down` it")
        time.sleep(5)  # poll interval
    OWNER.parent.mkdir(parents=True, exist_ok=True)
    OWNER.write_text(json.dumps({"base": str(base), "pid": os.getpid(), "detached": detached}))


@dataclass
class Replica:
    base: Path

    @property
    def root(self) -> Path:  # the server's /opt/meeshy
        return self.base / "opt" / "meeshy"

    @property
    def workstation(self) -> Path:
        return self.base / "workstation"

    @property
    def site_file(self) -> Path:
        return self.workstation / "site.json"

    @property
    def ssh_dir(self) -> Path:
        return self.base / "ssh"

    @property
    def state_file(self) -> Path:
        return self.base / "replica.json"

    def site(self, **overrides) -> Site:
        return load_site(self.site_file, **overrides)

    def ssh_host(self) -> SshHost:
        server = SshServer(self.ssh_dir, int((self.ssh_dir / "port").read_text()))
        return SshHost("127.0.0.1", user="root", port=server.port, key_file=server.key_file,
                       known_hosts=server.known_hosts)


def up(scale: float = 0.05, seed: int = 20260125, base: Path = BASE, echo=print, detached: bool = False) -> Replica:
    """``detached``: the replica outlives this process (the CLI's `replica up`)."""
    replica = Replica(Path(base).resolve())
    _take_the_machine(replica.base, detached, echo)
    engine = dockerd.start()
    echo(f"dockerd {engine.version} ({'started' if engine.started else 'already running'})")
    images.build_images(echo)
    sshd = start_sshd(replica.ssh_dir, dockerd.DOCKER_CONFIG)
    state = json.loads(replica.state_file.read_text()) if replica.state_file.exists() else {}
    if not state:
        ports, staging = layout.Ports.fresh(), layout.Ports.fresh()
        state = {"ports": ports.__dict__, "staging_ports": staging.__dict__, "scale": scale, "seed": seed,
                 "dockerd_started": engine.started, "admin_password": secrets.token_urlsafe(16)}
        replica.base.mkdir(parents=True, exist_ok=True)
        replica.state_file.touch(mode=0o600)
        replica.state_file.write_text(json.dumps(state, indent=2))
    ports, staging = layout.Ports(**state["ports"]), layout.Ports(**state["staging_ports"])
    layout.write_server(replica.root, ports, staging, state["admin_password"])  # an existing .env is kept
    probe = by_username(layout.PROBE_ACCOUNT).password
    layout.write_workstation(replica.workstation, replica.root, sshd.target, replica.ssh_dir, ports, staging,
                             probe, "0" * 24, state["admin_password"])
    site = replica.site()
    prod = site.production
    echo(f"old production (project {prod.project}) starting in {prod.directory}")
    site.engine.up(prod, 300)
    conversation, community = _fill_legacy(site, scale, seed, echo)
    layout.write_workstation(replica.workstation, replica.root, sshd.target, replica.ssh_dir, ports, staging,
                             probe, conversation, state["admin_password"], community)
    echo(f"replica up: ssh {sshd.target} (key {sshd.key_file}); production at http://127.0.0.1:{ports.gateway}; "
         f"site file {replica.site_file}")
    site.host.close()
    return replica


def _fill_legacy(site: Site, scale: float, seed: int, echo) -> tuple[str, str]:
    """The legacy dataset in production's database (once), an upload file behind each attachment URL.
    Returns the ids of the test conversation and the test community (an operator names them by id)."""
    from rehearsal.legacy_data import generate

    prod = site.production
    with reach(site.host, site.database_address(prod), site.database) as url, client(url) as c:
        db = c[site.database]
        if not db.list_collection_names():
            echo(f"writing the legacy dataset (scale {scale}) into production's {site.database}")
            generate(db, scale, seed)
            _fill_uploads(site, db)
        conversation = db["Conversation"].find_one({"identifier": TEST_CONVERSATION_IDENTIFIER}, {"_id": 1})
        community = db["Community"].find_one({"identifier": TEST_COMMUNITY_IDENTIFIER}, {"_id": 1})
    return str(conversation["_id"]), str(community["_id"])


def _fill_uploads(site: Site, db) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "files"
        for doc in db["MessageAttachment"].find({}, {"fileUrl": 1}):
            url = doc.get("fileUrl") or ""
            prefix = next((p for p in ATTACHMENT_ROUTES if url.startswith(p)), None)
            if prefix:
                path = files / unquote(url[len(prefix):])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"attachment " + str(doc["_id"]).encode())
        archive = Path(tmp) / "uploads.tar"
        shutil.make_archive(str(archive.with_suffix("")), "tar", files)
        remote = f"{site.root}/uploads-seed.tar"
        site.host.put(archive, remote)
        site.in_volumes({"meeshy_gateway_uploads": "/to", remote: "/seed.tar:ro"}, "tar -C /to -xf /seed.tar", 600)
        site.host.run("rm -f %s", remote)


def down(base: Path = BASE, echo=print) -> None:
    """Stop and remove everything ``up`` started: both projects with their volumes, the files, sshd, dockerd."""
    replica = Replica(Path(base).resolve())
    owner = _owner()
    ours = owner is None or Path(owner["base"]) == replica.base  # else the names belong to another replica
    if ours and replica.site_file.exists() and (replica.ssh_dir / "port").exists():
        site = replica.site()
        for env in (site.staging, site.production):
            if site.host.exists(env.compose_file):
                try:
                    site.engine.down(env, volumes=True)
                except Exception as exc:  # noqa: BLE001 - keep removing the rest
                    echo(f"(stopping {env.project} failed: {exc})")
        for volume in site.uploads_volumes.values():
            site.host.run("docker volume rm %s", volume, check=False)
        site.host.close()
    SshServer(replica.ssh_dir, 0).stop()
    shutil.rmtree(replica.base / "opt", ignore_errors=True)
    shutil.rmtree(replica.workstation, ignore_errors=True)
    replica.state_file.unlink(missing_ok=True)
    if ours:
        OWNER.unlink(missing_ok=True)
    echo("replica down" + (": dockerd stopped" if dockerd.stop() else ""))


def status(base: Path = BASE) -> dict:
    replica = Replica(Path(base).resolve())
    if not replica.site_file.exists():
        return {"up": False}
    site = replica.site()
    out = {"up": True, "ssh": site.ssh, "site_file": str(replica.site_file)}
    for env in (site.production, site.staging):
        if site.host.exists(env.compose_file):
            out[env.project] = {c["Service"]: c.get("Health") or c.get("State") for c in site.engine.ps(env, True)}
    site.host.close()
    return out
