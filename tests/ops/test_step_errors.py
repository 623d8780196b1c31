"""What an operator can meet once a step has started is an OpsError that says what happened, never a
traceback: unreadable records and state files, compose output that is not JSON, a copy that fails, a
switch record that cannot be written while production is brought back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.config.site import Site
from ops.errors import OpsError
from ops.host import Host, LocalHost
from ops.host.base import HostError, Result
from ops.stack import ComposeEngine
from ops.steps.capture import COMPOSE_FILE, SECRET_FILE
from ops.steps.results import SwitchReport
from ops.steps.rollback import rollback
from ops.steps.switch_record import SwitchRecord

SNAPSHOT = "pre-switch-20260125-213416"


class Answering(LocalHost):
    """A host whose every command prints ``stdout`` (what a broken docker compose might print)."""

    def __init__(self, stdout: str) -> None:
        super().__init__()
        self.stdout = stdout

    def _run(self, command: str, timeout: float, stdin: str | None) -> Result:
        return Result(command, 0, self.stdout, "", 0.0)


def _site(root: Path) -> Site:
    def never_asked(question: str) -> str:
        pytest.fail(f"asked for a confirmation: {question}")

    return Site(host=LocalHost(), root=str(root), staging_compose=root / "staging.yml", new_images={},
                gateway_urls={"production": "http://127.0.0.1:9", "staging": "http://127.0.0.1:9"},
                probe_username="probe", probe_conversation="0" * 24, echo=lambda _m: None, ask=never_asked)


def _snapshot(site: Site, images: str, record: str | None = None) -> Path:
    snap = Path(site.snapshots) / SNAPSHOT
    archive = snap / "mongodb" / f"{site.database}.archive.gz"
    for path, text in ((archive, "dump"), (snap / SECRET_FILE, "A=1\n"), (snap / COMPOSE_FILE, "services: {}\n"),
                       (snap / "docker" / "images.json", images)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    good = {"archive": str(archive), "sha256": "0" * 64, "container": "meeshy-database", "database": "meeshy",
            "t0": "2026-01-25T21:34:16+00:00", "finished_at": "2026-01-25T21:40:00+00:00"}
    Path(f"{archive}.json").write_text(json.dumps(good) if record is None else record)
    return snap


@pytest.mark.parametrize("images", ["{not json", "[]", '{"gateway": {"ref": "g:old"}}'])
def test_a_snapshot_with_an_unreadable_image_record_is_refused_before_the_confirmation(tmp_path, images):
    site = _site(tmp_path)
    _snapshot(site, images)
    with pytest.raises(OpsError, match="image record .* is not readable"):
        rollback(site, SNAPSHOT)


@pytest.mark.parametrize("record", ["{cut sh", '{"archive": "x"}'])
def test_an_unreadable_backup_record_is_an_ops_error(tmp_path, record):
    site = _site(tmp_path)
    _snapshot(site, '{"gateway": {"ref": "g:old", "id": "sha256:1"}}', record=record)
    with pytest.raises(OpsError, match="backup record .* is not readable"):
        rollback(site, SNAPSHOT)


def test_a_state_file_that_is_not_json_is_an_ops_error(tmp_path):
    site = _site(tmp_path)
    (tmp_path / "state.json").write_text('{"status": "runn')
    with pytest.raises(OpsError, match="state file .* is not JSON"):
        site.read_state(str(tmp_path / "state.json"))


@pytest.mark.parametrize("printed", ["", "Usage: docker compose config [OPTIONS]", '{"name": "meeshy"}'])
def test_compose_output_that_is_not_its_json_is_an_ops_error(tmp_path, printed):
    site = _site(tmp_path)
    engine = ComposeEngine(Answering(printed))
    with pytest.raises(OpsError, match="gave no services as JSON"):
        engine.services(site.production)


def test_a_copy_that_fails_is_a_host_error_naming_it(host: Host, tmp_path):
    local = tmp_path / "file"
    local.write_text("x")
    with pytest.raises(HostError, match="copying .* failed"):
        host.put(local, "/proc/refused-by-the-kernel")
    with pytest.raises(HostError, match="copying .* failed"):
        host.get(str(tmp_path / "absent"), tmp_path / "copy")


def test_a_switch_record_that_cannot_be_written_is_said_while_production_is_brought_back():
    said: list[str] = []
    site = _site(Path("/proc/meeshy-ops-test"))  # the kernel refuses a directory there
    site.echo = said.append
    record = SwitchRecord(site, SwitchReport(snapshot="s", t0="t"))
    with pytest.raises(OpsError, match="mkdir"):
        record.enter("start")
    record.enter("start", status="restoring", best_effort=True)
    record.finish("restored", best_effort=True, restore="the OLD production was brought back")
    assert [line.split(" (")[0] for line in said] == [f"the switch's record {record.path} could not be written"] * 2
    assert said[-1].endswith("it would say: stage 'start', status 'restored'")
