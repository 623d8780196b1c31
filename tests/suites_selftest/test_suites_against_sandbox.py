"""The verification suites, run as an operator runs them, against the sandbox: healthy, then faulty.

Design (to stay within a few minutes): the healthy sandbox gets the whole staging suite (with
`-n 2`, timed) and the whole production suite. Each fault then gets its own stack and a run of
the sections it should break plus neighbouring sections it must not break, and the set of failed
checks must be exactly the expected one. The only mock is the Docker CLI on the compose host
(fake_docker.py): no Docker engine can exist on this machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pymongo
import pytest
from bson import ObjectId
from harness import CHECKS, explain, run_suite

from ops.config import JWT
from ops.host.ports import free_port
from rehearsal.seed_accounts import by_username

pytestmark = pytest.mark.slow


def _files(*modules: str) -> list[str]:
    return [str(CHECKS / f"test_{m}.py") for m in modules]


# fault -> (sections run, checks that must fail; every other check run must pass or skip)
FAULTS: dict[str, tuple[list[str], set[str]]] = {
    "translator_down": (
        _files("health", "services", "translation", "uploads"),
        {
            "test_health::test_gateway_health_reports_database_and_translation_up",
            "test_health::test_translator_is_ready_with_models_loaded",
            "test_services::test_every_service_is_running_and_healthy",
            "test_translation::test_french_message_is_translated_into_every_language",
        },
    ),
    "translator_slow": (
        _files("health", "translation", "communities"),
        {"test_translation::test_french_message_is_translated_into_every_language"},
    ),
    "models_not_loaded": (
        _files("health", "translation", "communities"),
        {
            "test_health::test_translator_is_ready_with_models_loaded",
            "test_translation::test_french_message_is_translated_into_every_language",
        },
    ),
    "db_down": (
        _files("health", "services", "data", "auth") + ["-k", "not chromium"],
        {
            "test_health::test_gateway_health_reports_database_and_translation_up",
            "test_services::test_every_service_is_running_and_healthy",
            "test_auth::test_api_login_profile_logout_login",
            # The sandbox reads an attachment's stored content type from the database to serve it.
            "test_data::test_attachment_urls_are_served",
        },
    ),
    "no_broadcast": (
        _files("realtime", "messaging", "translation"),
        {
            "test_realtime::test_message_new_reaches_the_other_account_within_budget",
            "test_realtime::test_two_browser_pages_see_each_others_messages[chromium]",
            "test_messaging::test_text_message_is_delivered_and_stored",
        },
    ),
    "uploads_not_served": (
        _files("uploads", "data", "communities"),
        {
            "test_uploads::test_upload_is_served_back_identical[image]",
            "test_uploads::test_upload_is_served_back_identical[audio]",
            "test_uploads::test_upload_is_served_back_identical[document]",
            "test_data::test_attachment_urls_are_served",
        },
    ),
    "login_rejects": (
        _files("auth", "health", "communities", "uploads") + ["-k", "not chromium"],
        {
            "test_auth::test_api_login_profile_logout_login",
            "test_communities::test_open_the_test_community",
            "test_communities::test_members_include_the_test_accounts",
            "test_communities::test_post_in_a_community_conversation",
            "test_uploads::test_upload_is_served_back_identical[image]",
            "test_uploads::test_upload_is_served_back_identical[audio]",
            "test_uploads::test_upload_is_served_back_identical[document]",
        },
    ),
    "health_lies": (
        _files("health", "auth", "data") + ["-k", "not chromium"],
        {"test_auth::test_api_login_profile_logout_login", "test_data::test_attachment_urls_are_served"},
    ),
    "collection_missing": (
        _files("data", "communities", "health"),
        {
            "test_data::test_collection_counts_equal_the_migration_report",
            "test_data::test_prisma_indexes_exist",
            "test_data::test_sampled_documents_fit_the_schema",
            "test_communities::test_open_the_test_community",
            "test_communities::test_members_include_the_test_accounts",
            "test_communities::test_post_in_a_community_conversation",
        },
    ),
    "index_missing": (_files("data", "health"), {"test_data::test_prisma_indexes_exist"}),
    "critical_log": (
        _files("services", "health", "messaging"),
        {"test_services::test_logs_have_no_critical_error"},
    ),
    "slow_reads": (_files("load", "health"), {"test_load::test_authenticated_read_under_load"}),
}


# The checks that meet a defect of d5983046 (meeshy_checks/known_defects.toml) on the real behaviour.
KNOWN_DEFECT_CHECKS = {
    "test_health::test_translator_is_ready_with_models_loaded",
    "test_health::test_frontend_answers",
    "test_load::test_health_under_load",
    "test_messaging::test_reaction_is_acknowledged_and_reread",
    "test_translation::test_french_message_is_translated_into_every_language",
    "test_communities::test_open_the_test_community",
    "test_realtime::test_two_browser_pages_see_each_others_messages[chromium]",
    "test_browser_checklist::test_french_message_shows_its_translations[chromium]",
    "test_browser_checklist::test_community_members_on_the_page[chromium]",
}


def test_staging_and_production_suites_pass_on_the_real_behaviour(sandbox, tmp_path, migrated):
    """Defects on, real rate limits: everything passes, and each check that meets a listed defect
    reports it as a known defect (never a pass, never a failure)."""
    env_file, env = sandbox("real-staging")
    # Serial here: the project's own tests already use both cores; bench/suites.py times `-n 2`.
    staging = run_suite(env_file, "staging", tmp_path / "staging", env)
    assert staging.returncode == 0 and not staging.failed, explain(staging)
    assert staging.with_outcome("known-defect") == KNOWN_DEFECT_CHECKS, explain(staging)
    assert len(staging.with_outcome("passed")) >= 20, explain(staging)
    _assert_known_defects_reported(staging)
    # Another stack for production, as on the real servers (its own limiters).
    env_file, env = sandbox("real-production", extra=_production_keys(tmp_path, migrated, healthy=True))
    production = run_suite(env_file, "production", tmp_path / "production", env)
    assert production.returncode == 0 and not production.failed, explain(production)
    assert production.with_outcome("known-defect") == KNOWN_DEFECT_CHECKS, explain(production)
    assert "test_staging_only::test_verification_passed" not in production.outcomes
    production_only = {k: v for k, v in production.outcomes.items() if k.startswith("test_production_only")}
    assert set(production_only.values()) == {"passed"}, production_only
    _assert_no_secret([staging, production], env_file)


def test_staging_suite_passes_with_the_defects_fixed(sandbox, tmp_path):
    """Every defect switched off: the same checks pass outright, none reports a known defect."""
    env_file, env = sandbox("fixed-staging", defects_off=("all",))
    staging = run_suite(env_file, "staging", tmp_path / "staging", env)
    assert staging.returncode == 0 and not staging.failed, explain(staging)
    assert not staging.with_outcome("known-defect"), explain(staging)
    assert KNOWN_DEFECT_CHECKS <= staging.with_outcome("passed"), explain(staging)


def test_a_defect_not_listed_for_the_version_fails(sandbox, tmp_path):
    """The same real behaviour, for a version the known defects do not list: the checks fail."""
    env_file, env = sandbox("unlisted", extra={"CHECK_APP_VERSION": "0123456789abcdef"})
    run = run_suite(env_file, "staging", tmp_path / "run", env, select=_files("health", "communities"))
    assert run.failed == {
        "test_health::test_translator_is_ready_with_models_loaded",
        "test_health::test_frontend_answers",
        "test_communities::test_open_the_test_community",
    }, explain(run)
    assert "not a known defect of version 0123456789abcdef" in run.junit.read_text()


def _assert_known_defects_reported(run) -> None:
    """Allure gets its own category for them, and the environment names both app versions."""
    categories = json.loads((run.allure_dir / "categories.json").read_text())
    assert categories[0]["name"] == "Known defect of the deployed version"
    environment = (run.allure_dir / "environment.properties").read_text()
    assert "app.version=d5983046578646a36062054e7226e70dec9161ab" in environment
    assert "app.previous_version=06c4a4ab5" in environment
    results = [json.loads(p.read_text()) for p in run.allure_dir.glob("*-result.json")]
    known = [r for r in results if "KNOWN DEFECT" in (r.get("statusDetails") or {}).get("message", "")]
    assert len(known) == len(KNOWN_DEFECT_CHECKS) and {r["status"] for r in known} == {"skipped"}


def _production_keys(work: Path, migrated, healthy: bool) -> dict[str, str]:
    """What the switch leaves for the production checks: recorded writes, config, a snapshot."""
    with pymongo.MongoClient(migrated.url) as client:
        users = [str(u["_id"]) for u in client.get_default_database()["User"].find({}, {"_id": 1}).limit(3)]
    writes = [{"collection": "User", "_id": u, "op": "insert"} for u in users]
    writes.append({"collection": "Message", "_id": str(ObjectId()), "op": "delete" if healthy else "insert"})
    base = work / ("prod-ok" if healthy else "prod-bad")
    (base / "snapshots" / ("pre-switch-20260127-220000" if healthy else "other")).mkdir(parents=True)
    if healthy:
        (base / "snapshots" / "pre-switch-20260127-220000" / "MANIFEST.md").write_text("# Pre-Switch Snapshot\n")
    (base / "writes.jsonl").write_text("".join(json.dumps(w) + "\n" for w in writes))
    marker = "" if healthy else "NEXT_PUBLIC_API_URL=https://gate.staging.meeshy.me:8443\n"
    (base / "production.env").write_text(f"DOMAIN=meeshy.me\nMONGODB_DATABASE=meeshy\n{marker}")
    # Closed ports pass; the embedded database, which answers without credentials, must not.
    mongo_port = urlsplit(migrated.url).port if not healthy else free_port()
    return {
        "CHECK_RECORDED_WRITES": str(base / "writes.jsonl"),
        "CHECK_SNAPSHOT_DIR": str(base / "snapshots"),
        "CHECK_PRODUCTION_CONFIG_FILES": str(base / "production.env"),
        "CHECK_EXPOSED_HOST": "127.0.0.1",
        "CHECK_EXPOSED_MONGODB_PORTS": str(mongo_port),
        "CHECK_EXPOSED_REDIS_PORTS": str(free_port()),
    }


def test_production_checks_catch_a_bad_switch(sandbox, tmp_path, migrated):
    """A lost write, a staging URL in the config, an open database and no snapshot: each check fails."""
    env_file, env = sandbox("bad-switch", extra=_production_keys(tmp_path, migrated, healthy=False))
    run = run_suite(env_file, "production", tmp_path / "run", env, select=[str(CHECKS / "test_production_only.py")])
    assert run.failed == {
        "test_production_only::test_writes_after_t0_are_present",
        "test_production_only::test_production_config_names_no_staging",
        "test_production_only::test_mongodb_refuses_unauthenticated_clients",
        "test_production_only::test_pre_switch_snapshot_exists_with_manifest",
    }, explain(run)
    assert run.outcomes["test_production_only::test_redis_refuses_unauthenticated_clients"] == "passed"


def _assert_no_secret(runs, env_file: Path) -> None:
    secrets = [by_username(u).password for u in ("alice_fr", "bob_en", "carlos_es", "maria_pt")]
    for run in runs:
        texts = {"stdout": run.stdout, "stderr": run.stderr, "junit": run.junit.read_text()}
        texts.update({str(p): p.read_text(errors="replace") for p in run.allure_dir.iterdir() if p.is_file()})
        for where, text in texts.items():
            for secret in secrets:
                assert secret not in text, f"a password of {env_file} appears in {where}"
            assert not JWT.search(text), f"a token appears in {where}"


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_fails_exactly_its_checks(fault, sandbox, tmp_path):
    selection, expected = FAULTS[fault]
    # One worker, so no write contention: a shorter deadline keeps the expected timeouts short.
    env_file, env = sandbox(fault.replace("_", "-"), (fault,), extra={"CHECK_EVENT_DEADLINE_S": "6"})
    run = run_suite(env_file, "staging", tmp_path / "run", env, select=selection)
    assert run.failed == expected, (
        f"{fault}: unexpected failures {sorted(run.failed - expected)}, "
        f"missing failures {sorted(expected - run.failed)}\n" + explain(run)
    )
    assert run.with_outcome("passed"), f"{fault}: no neighbouring check passed\n" + explain(run)
    if fault == "login_rejects":  # failure messages of a login check must not carry the password either
        _assert_no_secret([run], env_file)
