"""Services: every compose service running and healthy, the expected images and volumes, clean logs."""

from __future__ import annotations

import re
from pathlib import Path

import allure
import pytest

from meeshy_checks.checklib.evidence import attach_json, attach_text
from meeshy_checks.checklib.hosts import Compose, local_logs_since, open_host

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Services")]


@pytest.fixture(scope="module")
def compose(target, need):
    need("CHECK_SSH_HOST", "CHECK_COMPOSE_PROJECT")
    host = open_host(target)
    yield Compose(host, target.get("CHECK_COMPOSE_PROJECT"), target.get("CHECK_COMPOSE_DIR"))
    host.close()


@pytest.fixture(scope="module")
def containers(compose):
    found = compose.containers()
    attach_json("docker compose ps", [c.__dict__ for c in found])
    assert found, f"docker compose ps lists no container for project {compose.project}"
    return found


def test_every_service_is_running_and_healthy(containers, target):
    oneshot = set(target.get_list("CHECK_ONESHOT_SERVICES"))
    optional = set(target.get_list("CHECK_OPTIONAL_SERVICES"))
    bad, tolerated = [], []
    for c in containers:
        if c.service in oneshot and c.state == "exited" and c.exit_code == 0:
            continue
        if c.service in optional and c.state == "running" and c.health not in ("", "healthy"):
            tolerated.append(f"{c.service} is running but {c.health}")
            continue
        if c.state != "running":
            bad.append(f"{c.service} is {c.state} (exit {c.exit_code})")
        elif c.health not in ("", "healthy"):
            bad.append(f"{c.service} is running but {c.health}")
    if tolerated:
        attach_text("services marked optional, not healthy", "\n".join(tolerated))
    assert not bad, "services not running and healthy: " + "; ".join(bad)


def test_containers_use_the_expected_images(containers, target, need):
    need("CHECK_EXPECTED_IMAGES")
    expected = dict(pair.split("=", 1) for pair in target.get_list("CHECK_EXPECTED_IMAGES"))
    actual = {c.service: c.image for c in containers}
    wrong = {
        s: f"{actual.get(s, 'absent')} instead of {image}"
        for s, image in expected.items()
        if actual.get(s) != image
    }
    assert not wrong, f"images differ: {wrong}"


def test_expected_volumes_exist(compose, target, need):
    need("CHECK_EXPECTED_VOLUMES")
    present = compose.volumes()
    missing = [v for v in target.get_list("CHECK_EXPECTED_VOLUMES") if v not in present]
    assert not missing, f"volumes missing: {missing}"


def test_logs_have_no_critical_error(target):
    minutes = target.get_int("CHECK_LOG_SINCE_MINUTES")
    if target.get("CHECK_LOG_DIR"):
        logs = local_logs_since(Path(target.get("CHECK_LOG_DIR")), minutes)
    else:
        missing = target.missing("CHECK_SSH_HOST", "CHECK_COMPOSE_PROJECT")
        if missing:
            pytest.skip(f"target key CHECK_LOG_DIR, or {', '.join(missing)}, not set ({target.source})")
        host = open_host(target)
        try:
            logs = Compose(
                host, target.get("CHECK_COMPOSE_PROJECT"), target.get("CHECK_COMPOSE_DIR")
            ).logs_since(minutes)
        finally:
            host.close()
    pattern = re.compile(target.get("CHECK_CRITICAL_LOG_PATTERN"))
    hits = [
        f"{service}: {target.scrub(line)[:300]}"
        for service, lines in logs.items()
        for line in lines
        if pattern.search(line)
    ]
    attach_text("log lines read", "\n".join(f"{s}: {len(lines)} lines" for s, lines in logs.items()))
    assert logs, "no log was read"
    assert not hits, f"{len(hits)} critical log lines in the last {minutes} min:\n" + "\n".join(hits[:20])
