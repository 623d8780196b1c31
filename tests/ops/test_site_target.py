"""Site.target: the one translation of a site file into the suites' CHECK_* target; its secrets stay secret."""

import json
import stat

import pytest

from ops.config import MASK, load_target
from ops.config.site import load_site
from ops.errors import OpsError

PASSWORDS = {"PROBE_PASSWORD": "probe-Pw-1", "ADMIN_UI_PASSWORD": "admin-Pw-2", "ACCOUNT_1_PASSWORD": "alice-Pw-3",
             "ACCOUNT_2_PASSWORD": "bob-Pw-4"}
SUITE = {"accounts": ["alice", "bob"], "admin_ui_user": "admin", "test_community": "c" * 24,
         "frontend_urls": {"production": "https://meeshy.me"},
         "redis_ui_urls": {"staging": "https://admin:in-url-Pw-5@redis.staging.meeshy.me"}}


class StubEngine:
    """What the translation asks the stack: the database's address and the project's volumes."""

    def container_address(self, env, service):
        return {"database": "172.18.0.2", "database-staging": "172.19.0.2"}[service]

    def volumes(self, env):
        return {"uploads": f"{env.project}_uploads"}


@pytest.fixture
def make_site(site_file, tmp_path):
    def make(suite=SUITE, secrets=PASSWORDS):
        path = site_file(secrets, root=str(tmp_path / "opt"), tls={"staging": False},
                         optional_services=["p3x-redis-ui"], suite=suite)
        site = load_site(path)
        site.engine = StubEngine()
        return site

    return make


def _server_reports(site, tmp_path):
    """A migration's reports on the server, and the counts the switch took."""
    for name in ("migration", "verify", "counts"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"name": name}))
    site.write_state(f"{site.staging.state_dir}/migration.json", {
        "migration_report": str(tmp_path / "migration.json"), "verify_report": str(tmp_path / "verify.json")})
    site.write_state(f"{site.production.state_dir}/switch.json", {"counts_report": str(tmp_path / "counts.json")})


def test_a_site_gives_each_environment_its_target(make_site):
    site = make_site()
    staging, production = site.target("staging"), site.target("production", CHECK_HTTP_TIMEOUT_S="30")
    assert staging.name == "staging" and production.name == "production"
    assert staging.get("CHECK_GATEWAY_URL") == "https://gate.staging.meeshy.me:8443"
    assert staging.get("CHECK_MONGODB_TUNNEL") == "172.19.0.2:27017"
    assert staging.get("CHECK_MONGODB_DATABASE") == "meeshy"
    assert production.get("CHECK_MONGODB_DATABASE") == "meeshy_next"
    assert staging.get_list("CHECK_EXPECTED_IMAGES") == ["gateway-staging=g:new", "translator-staging=t:new",
                                                         "frontend-staging=f:new"]
    assert staging.get_list("CHECK_OPTIONAL_SERVICES") == ["p3x-redis-ui-staging"]
    assert (staging.get("CHECK_VERIFY_TLS"), production.get("CHECK_VERIFY_TLS")) == ("false", "true")
    assert (staging.get("CHECK_COMPOSE_PROJECT"), staging.get("CHECK_SSH_HOST")) == ("staging", "local")
    assert [a.username for a in staging.accounts] == ["alice", "bob"]
    assert staging.accounts[0].password.reveal() == "alice-Pw-3"
    assert staging.get("CHECK_FRONTEND_URL") is None and production.get("CHECK_FRONTEND_URL") == "https://meeshy.me"
    assert staging.get("CHECK_SNAPSHOT_DIR") is None and production.get("CHECK_SNAPSHOT_DIR") == site.snapshots
    assert production.get("CHECK_HTTP_TIMEOUT_S") == "30"  # what the caller adds wins


def test_no_password_of_the_site_shows_in_the_target_the_site_or_what_is_masked(make_site):
    site = make_site()
    target = site.target("staging")
    shown = json.dumps(target.public_properties()) + repr(target) + repr(site) + str(target.accounts)
    output = " ".join(PASSWORDS.values()) + " GET https://admin:in-url-Pw-5@redis.staging.meeshy.me"
    for password in [*PASSWORDS.values(), "in-url-Pw-5"]:
        assert password not in shown and password not in site.host.mask(output)
        # the probe's password is the steps', not the suites': the target neither holds nor knows it
        assert password == PASSWORDS["PROBE_PASSWORD"] or password not in target.scrub(output)
    assert PASSWORDS["PROBE_PASSWORD"] not in "".join(target.values.values())
    assert target.public_properties()["CHECK_REDIS_UI_URL"] == f"https://admin:{MASK}@redis.staging.meeshy.me"


def test_the_target_file_is_private_and_reads_back_the_same(make_site, tmp_path):
    site = make_site()
    target = site.target("production")
    path = target.write(tmp_path / "production.env")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_target(path, environ={}).values == target.values


def test_the_reports_are_fetched_and_production_compares_with_the_counts_at_the_switch(make_site, tmp_path):
    site = make_site()
    _server_reports(site, tmp_path)
    reports = tmp_path / "reports"
    staging, production = site.target("staging", reports), site.target("production", reports)
    read = lambda target, key: json.loads(open(target.get(key)).read())["name"]  # noqa: E731
    assert (read(staging, "CHECK_MIGRATION_REPORT"), read(staging, "CHECK_VERIFY_REPORT")) == ("migration", "verify")
    assert read(production, "CHECK_MIGRATION_REPORT") == "counts"
    assert site.target("staging").get("CHECK_MIGRATION_REPORT") is None  # no report dir: nothing fetched


def test_a_suite_account_without_its_password_and_an_unknown_environment_are_clear_errors(make_site):
    with pytest.raises(OpsError, match="suite account bob: no ACCOUNT_2_PASSWORD"):
        make_site(secrets={k: v for k, v in PASSWORDS.items() if k != "ACCOUNT_2_PASSWORD"})
    with pytest.raises(OpsError, match="no environment 'prod'"):
        make_site().target("prod")


def test_a_site_without_a_suite_section_gives_what_the_steps_know(make_site):
    target = make_site(suite={}, secrets={"PROBE_PASSWORD": "probe-Pw-1"}).target("staging")
    assert target.accounts == [] and target.get("CHECK_ADMIN_UI_PASSWORD") is None
    assert target.missing("CHECK_GATEWAY_URL", "CHECK_MONGODB_TUNNEL", "CHECK_COMPOSE_PROJECT") == []
