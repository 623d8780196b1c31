"""The site file and docker compose's output, read as an operator's machine and compose v2 give them."""

import json

import pytest

from ops.config import MASK
from ops.config.site import load_site
from ops.errors import OpsError
from ops.stack.compose import parse_ps

ONE = {"Service": "gateway", "Name": "meeshy-gateway", "State": "running", "Health": "healthy"}
TWO = {"Service": "database", "Name": "meeshy-database", "State": "running", "Health": ""}


def test_ps_json_is_read_in_both_of_compose_v2s_formats():
    assert parse_ps(json.dumps([ONE, TWO])) == [ONE, TWO]  # before v2.21: one array
    assert parse_ps(json.dumps(ONE) + "\n" + json.dumps(TWO) + "\n") == [ONE, TWO]  # from v2.21: one per line
    assert parse_ps("") == []


def test_a_site_file_gives_the_real_servers_layout(site_file):
    site = load_site(site_file())
    assert (site.production.project, site.production.directory, site.production.database_service) == \
        ("meeshy", "/opt/meeshy", "database")
    assert (site.staging.project, site.staging.directory, site.staging.database_service) == \
        ("staging", "/opt/meeshy/staging", "database-staging")
    assert site.api_prefixes == {"old": "/api", "new": "/api/v1"}
    assert "pw-of-the-probe" not in repr(site) and site.host.mask("x pw-of-the-probe") == f"x {MASK}"


def test_the_tls_opt_out_is_said(site_file):
    assert "NOT verified" in load_site(site_file(tls=False)).tls_note()


def test_tls_is_chosen_per_environment_and_said_for_each(site_file):
    site = load_site(site_file(tls={"staging": False}))
    assert (site.tls_for("production"), site.tls_for("staging")) == (True, False)
    assert site.tls_note() == ("production: TLS verified; staging: TLS certificates NOT verified (the operator's "
                               "explicit opt-out in the site file)")


@pytest.mark.parametrize("tls, message", [({"stagng": False}, "tls is true, false"), (3, "tls is true, false"),
                                          ({"staging": "/nowhere/ca.pem"}, "CA file /nowhere/ca.pem")])
def test_a_wrong_tls_setting_is_a_clear_error(site_file, tls, message):
    with pytest.raises(OpsError, match=message):
        load_site(site_file(tls=tls))


@pytest.mark.parametrize("change, message", [
    ({"new_images": {"GATEWAY_IMAGE": "g"}}, "new_images lacks"),
    ({"probe": {"username": "u"}}, "not usable"),
    ({"secrets_file": None}, "no PROBE_PASSWORD"),
])
def test_an_incomplete_site_file_is_a_clear_error(site_file, change, message):
    with pytest.raises(OpsError, match=message):
        load_site(site_file(**change))


def test_a_missing_site_file_is_a_clear_error(tmp_path):
    with pytest.raises(OpsError, match="no site file"):
        load_site(tmp_path / "absent.json")
