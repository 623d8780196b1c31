"""Targets: env file and environment, masked secrets, the template documenting every key."""

from __future__ import annotations

import logging

import pytest
from harness import ROOT

from ops.config import KEYS, MASK, Secret, load_target, parse_env_file
from ops.errors import OpsError

ROOT_TEMPLATE = ROOT / ".env.template"


def test_secret_never_shows_itself(caplog):
    secret = Secret("hunter2-value")
    logging.getLogger("t").warning("value %s %r", secret, secret)
    assert "hunter2" not in f"{secret} {secret!r} {secret:>20} {[secret]}" + caplog.text
    assert secret.reveal() == "hunter2-value"


def test_environment_overrides_the_file_and_secrets_are_wrapped(tmp_path):
    env = tmp_path / ".env.staging"
    env.write_text(
        "# comment\nCHECK_GATEWAY_URL=http://a\nCHECK_ACCOUNT_1_USERNAME=alice\nCHECK_ACCOUNT_1_PASSWORD='p@ss word'\n"
    )
    target = load_target(env, {"CHECK_GATEWAY_URL": "http://b", "HOME": "/root"})
    assert target.get("CHECK_GATEWAY_URL") == "http://b"
    assert target.accounts[0].username == "alice" and str(target.accounts[0].password) == MASK
    assert target.accounts[0].password.reveal() == "p@ss word"
    assert target.get("CHECK_LOAD_REQUESTS") == "1000"  # a default
    assert target.missing("CHECK_GATEWAY_URL", "CHECK_MONGODB_URL") == ["CHECK_MONGODB_URL"]
    assert target.scrub("x p@ss word y") == f"x {MASK} y"
    assert "p@ss" not in str(target.public_properties())


def test_unknown_keys_and_bad_lines_are_refused(tmp_path):
    with pytest.raises(OpsError, match="CHECK_GATEWAY_ULR"):
        load_target(None, {"CHECK_GATEWAY_ULR": "typo"})
    bad = tmp_path / "bad.env"
    bad.write_text("not a line\n")
    with pytest.raises(OpsError, match="bad.env:1"):
        parse_env_file(bad)


def test_template_documents_every_key():
    documented = parse_env_file(ROOT_TEMPLATE)
    assert sorted(documented) == sorted(KEYS)
