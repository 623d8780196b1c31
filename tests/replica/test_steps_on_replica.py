"""Every ops step over real SSH against real Docker Compose on the replica, asserting what the server shows.

One journey per module (the steps build on each other, as on the server): replica up → deploy-staging →
migrate-to-staging → capture → switch → rollback → teardown-staging, with what `docker compose ls/ps`,
`docker inspect`, the .env files, the volumes and the database content hashes show after each step.
The staging suite is not run here (the rehearsal runs it); its passing is recorded as `validate` would.
"""

from __future__ import annotations

import json

import pytest
from replica_drills import (
    SWITCH_FAULTS,
    failed_switch,
    fault_table,
    killed_switch_then_resumed,
    step_with_link_lost,
    switch_with_dockerd_paused,
)

from ops.config import parse_env
from ops.config.site import IMAGE_KEYS
from ops.db import client, fingerprints, reach
from ops.errors import OpsError
from ops.paths import ROOT
from ops.stack import http_ok
from rehearsal.replica import server_replica
from rehearsal.replica.layout import NEW, OLD
from rehearsal.write_stream import missing_writes

# the journey, its fault drills included, runs in the first test's set-up: it needs more than the default timeout
pytestmark = [pytest.mark.replica, pytest.mark.timeout(2400)]
SCALE = 0.02
DOCKERD_PAUSE_S = 15.0


def _look(site) -> dict:
    """What an operator sees on the server right now."""
    host = site.host
    projects = {p["Name"] for p in json.loads(host.check_output("docker compose ls --all --format json"))}
    out = {"projects": projects, "containers": {}, "images": {}, "env": {}, "health": {}}
    for env in (site.production, site.staging):
        if host.exists(env.compose_file) and env.project in projects:
            ps = site.engine.ps(env, all_states=True)
            out["containers"][env.name] = {c["Service"]: c["Name"] for c in ps}
            out["health"][env.name] = {c["Service"]: c.get("Health") or c["State"] for c in ps}
            out["images"][env.name] = site.engine.images(env)
        if host.exists(env.env_file):
            out["env"][env.name] = host.read_text(env.env_file)
    with reach(host, site.database_address(site.production), site.database) as url:
        out["legacy_hashes"] = fingerprints(url)
    out["gateway_uploads"] = sorted(host.check_output(
        "docker run --rm --network none --entrypoint sh -v meeshy_gateway_uploads:/u:ro %s -c 'cd /u && find . -type f "
        "| sort | xargs sha256sum'", "meeshy-replica/mongo:8.0-ferretdb", timeout=120).splitlines())
    return out


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    from ops.steps.capture import capture
    from ops.steps.deploy_staging import deploy_staging
    from ops.steps.migrate_to_staging import migrate_to_staging
    from ops.steps.rollback import rollback
    from ops.steps.switch import switch
    from ops.steps.teardown_staging import teardown_staging

    base = tmp_path_factory.mktemp("replica")
    replica = server_replica.up(SCALE, base=base, echo=lambda _m: None)
    site = replica.site(echo=lambda _m: None, yes=True)
    seen: dict = {"site": site, "replica": replica}
    try:
        seen["up"] = _look(site)
        seen["published"] = site.host.check_output("docker ps --format '{{.Names}} {{.Ports}}'")
        seen["deploy"] = deploy_staging(site)
        seen["deployed"] = _look(site)
        with pytest.raises(OpsError) as unverified:  # what verifying staging's certificate gives
            http_ok(site.gateway_urls["staging"] + "/health", True)
        seen["staging_verified"] = str(unverified.value)
        seen["migration"] = migrate_to_staging(site)
        seen["migrated"] = _look(site)
        seen["staging_uploads"] = sorted(site.host.check_output(
            "docker run --rm --network none --entrypoint sh -v meeshy-staging-gateway-uploads:/u:ro %s -c "
            "'cd /u && find . -type f | sort | xargs sha256sum'", "meeshy-replica/mongo:8.0-ferretdb").splitlines())
        site.write_state(f"{site.staging.state_dir}/validation-staging.json",  # as `validate` records a pass
                         {"passed": True, "migration_id": seen["migration"].migration_id})
        seen["snapshot"] = capture(site).name
        snap = f"{site.snapshots}/{seen['snapshot']}"
        seen["snapshot_modes"] = {p: site.host.check_output("stat -c %%a %s", p) for p in
                                  (snap, f"{snap}/config/env", f"{site.backups}/{seen['snapshot']}.tar.gz")}
        seen["manifest"] = site.host.read_text(f"{snap}/MANIFEST.md")
        seen["before_drills"] = _look(site)
        seen["drills"] = {fault: failed_switch(site, switch, _look, fault) for fault in SWITCH_FAULTS}
        seen["killed"] = killed_switch_then_resumed(site, replica.site_file, _look)
        paused = switch_with_dockerd_paused(site, switch, DOCKERD_PAUSE_S)
        seen["switch"], seen["dockerd_paused"] = paused["report"], paused["fired"]
        seen["switched"] = _look(site)
        with reach(site.host, site.database_address(site.production), site.next_database) as url, client(url) as c:
            seen["probe_writes_lost"] = missing_writes(seen["switch"].probe_writes, c[site.next_database])
        (ROOT / "var" / "replica").mkdir(parents=True, exist_ok=True)
        (ROOT / "var" / "replica" / "fault-table.md").write_text(fault_table({
            **seen["drills"], "switch killed (SIGKILL), then --resume": seen["killed"],
            f"dockerd not answering for {DOCKERD_PAUSE_S:.0f} s": {"report": seen["switch"].to_json(),
                                                                   "lost": seen["probe_writes_lost"]}}))
        seen["rollback_cut"] = step_with_link_lost(site, rollback, "tar -C /to -xzf")
        seen["rollback"] = seen["rollback_cut"]["again"]
        seen["rolled_back"] = _look(site)
        seen["teardown_cut"] = step_with_link_lost(site, teardown_staging, "docker volume rm")
        seen["teardown"] = seen["teardown_cut"]["again"]
        seen["torn_down"] = _look(site)
        seen["volumes_left"] = site.host.check_output("docker volume ls --format '{{.Name}}'").split()
        seen["networks_left"] = site.host.check_output("docker network ls --format '{{.Name}}'").split()
        yield seen
    finally:
        site.host.close()
        server_replica.down(base=base, echo=lambda _m: None)


def test_the_replica_has_the_real_servers_names_and_publishes_no_database(journey):
    up = journey["up"]
    assert "meeshy" in up["projects"]
    assert up["containers"]["production"]["database"] == "meeshy-database"
    assert up["containers"]["production"]["gateway"] == "meeshy-gateway"
    # as on meeshy.me its healthcheck never passes (no netstat in the image), and `up` did not wait for it
    assert up["health"]["production"]["p3x-redis-ui"] in ("starting", "unhealthy")
    database_line = next(line for line in journey["published"].splitlines() if line.startswith("meeshy-database "))
    assert "->" not in database_line  # exposed in the image, published nowhere
    assert all("0.0.0.0" not in line for line in journey["published"].splitlines())
    assert len(parse_env(up["env"]["production"])) == 220


def test_deploy_staging_is_its_own_project_with_its_own_database_and_production_untouched(journey):
    up, deployed = journey["up"], journey["deployed"]
    assert {"meeshy", "staging"} <= deployed["projects"]
    assert deployed["containers"]["staging"]["database-staging"] == "meeshy-database-staging"
    assert all(name.endswith("-staging") for name in deployed["containers"]["staging"].values())
    assert deployed["env"]["production"] == up["env"]["production"]  # byte for byte
    prod_env, staging_env = parse_env(up["env"]["production"]), parse_env(deployed["env"]["staging"])
    assert {k for k in staging_env if staging_env[k] != prod_env.get(k)} == set(IMAGE_KEYS)
    assert staging_env["DOMAIN"] == prod_env["DOMAIN"]  # the compose file builds staging.${DOMAIN}
    assert {s: i["ref"] for s, i in deployed["images"]["staging"].items() if "gateway" in s} == \
        {"gateway-staging": f"meeshy-replica/gateway:{NEW}"}


def test_staging_serves_a_self_signed_certificate_and_the_operators_opt_out_is_reported(journey):
    assert journey["site"].gateway_urls["staging"].startswith("https://")
    assert "TLS certificate does not verify" in journey["staging_verified"]
    assert "staging: TLS certificates NOT verified" in journey["deploy"].tls
    assert "staging: TLS certificates NOT verified" in journey["switch"].tls


def test_migrate_to_staging_leaves_production_as_it_was_and_copies_the_uploads_volumes(journey):
    assert journey["migrated"]["legacy_hashes"] == journey["up"]["legacy_hashes"]
    assert journey["migration"].verify_ok
    assert journey["staging_uploads"] == journey["up"]["gateway_uploads"] and journey["staging_uploads"]


def test_capture_keeps_the_whole_env_in_a_0600_file_and_no_secret_in_the_manifest(journey):
    modes = journey["snapshot_modes"]
    assert [modes[p] for p in modes] == ["700", "600", "600"]
    env = parse_env(journey["up"]["env"]["production"])
    assert env["JWT_SECRET"] not in journey["manifest"] and env["MONGODB_PASSWORD"] not in journey["manifest"]


def test_the_switch_deploys_the_new_images_and_changes_only_the_owned_keys(journey):
    before, after = journey["up"], journey["switched"]
    refs = {s: i["ref"] for s, i in after["images"]["production"].items()}
    assert refs["gateway"] == f"meeshy-replica/gateway:{NEW}" and refs["frontend"] == f"meeshy-replica/frontend:{NEW}"
    assert journey["switch"].images_before["gateway"]["ref"] == f"meeshy-replica/gateway:{OLD}"
    old, new = parse_env(before["env"]["production"]), parse_env(after["env"]["production"])
    assert {k for k in new if new[k] != old.get(k)} == {"DATABASE_URL", *IMAGE_KEYS}
    assert journey["switch"].downtime_s > 0
    assert journey["probe_writes_lost"] == [] and journey["switch"].probe_writes  # every acknowledged write


@pytest.mark.parametrize("fault", list(SWITCH_FAULTS))
def test_a_switch_under_a_fault_leaves_the_old_production_serving_with_no_write_lost(journey, fault):
    drill, before = journey["drills"][fault], journey["before_drills"]
    stage = SWITCH_FAULTS[fault][0]
    after, report = drill["after"], drill["report"]
    assert drill["serving"], drill["error"]
    assert report["failed_stage"] == stage, drill["error"]
    if stage == "prepare":  # before the freeze: production was never stopped
        assert "before the freeze" in drill["error"] and report["status"] == "stopped-before-freeze"
    else:
        assert "OLD production was brought back and is serving" in drill["error"], drill["error"]
        assert report["status"] == "restored" and report["downtime_s"] > 0
        assert report["probe_writes"] and drill["lost"] == []  # every acknowledged write is in production
    assert after["env"]["production"] == before["env"]["production"]  # byte for byte
    assert {s: i["ref"] for s, i in after["images"]["production"].items()} == \
        {s: i["ref"] for s, i in before["images"]["production"].items()}
    assert "gateway-staging" in after["containers"]["staging"]  # staging's writers restarted for a later attempt
    assert after["health"]["staging"]["gateway-staging"] in ("healthy", "running")


def test_a_second_ctrl_c_during_the_restore_is_held_until_production_is_back(journey):
    drill = journey["drills"]["Ctrl-C, and again during the restore"]
    assert "KeyboardInterrupt" in drill["error"]
    assert any(line.startswith("interrupt held") for line in drill["said"])


def test_a_switch_killed_mid_way_is_resumed_to_the_old_production(journey):
    killed, before = journey["killed"], journey["before_drills"]
    assert killed["killed_at"] == {"stage": "start", "status": "running"}
    assert killed["resumed"].status == "restored" and killed["serving"]
    assert killed["after"]["env"]["production"] == before["env"]["production"]
    assert {s: i["ref"] for s, i in killed["after"]["images"]["production"].items()} == \
        {s: i["ref"] for s, i in before["images"]["production"].items()}


def test_nothing_to_resume_after_a_finished_switch(journey):
    from ops.steps.switch import resume

    assert journey["dockerd_paused"]  # the switch waited out dockerd not answering, and finished
    with pytest.raises(OpsError, match="nothing to resume"):
        resume(journey["site"])


def test_rollback_and_teardown_cut_off_mid_way_say_so_and_finish_when_run_again(journey):
    for cut, step in ((journey["rollback_cut"], "rollback"), (journey["teardown_cut"], "teardown")):
        assert cut["fired"] and f"{step} stopped" in cut["error"] and "again" in cut["error"]


def test_rollback_restores_the_env_byte_for_byte_the_old_images_the_data_and_the_uploads(journey):
    up, back = journey["up"], journey["rolled_back"]
    assert back["env"]["production"] == up["env"]["production"]
    assert {s: i["id"] for s, i in back["images"]["production"].items()} == \
        {s: i["id"] for s, i in up["images"]["production"].items()}
    assert back["legacy_hashes"] == up["legacy_hashes"]
    assert back["gateway_uploads"] == up["gateway_uploads"]


def test_teardown_removes_staging_and_nothing_of_production(journey):
    gone = journey["torn_down"]
    assert "staging" not in gone["projects"] and "meeshy" in gone["projects"]
    assert not [v for v in journey["volumes_left"] if v.startswith("meeshy-staging-")]
    assert "meeshy-staging-network" not in journey["networks_left"]
    assert "meeshy_gateway_uploads" in journey["volumes_left"] and "meeshy_database_data" in journey["volumes_left"]
    assert gone["legacy_hashes"] == journey["up"]["legacy_hashes"]


def test_teardown_refuses_when_nothing_is_there(journey):
    from ops.steps.teardown_staging import teardown_staging

    with pytest.raises(OpsError, match="no staging"):
        teardown_staging(journey["site"])



def test_the_snapshot_survives_in_backups(journey):
    site = journey["site"]
    assert site.host.exists(f"{site.backups}/{journey['snapshot']}.tar.gz")
