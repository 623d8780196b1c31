"""The operator's .env: a merge sets the owned keys and keeps every other byte."""

from ops.config.envfile import APPENDED_HEADER, merge_env, parse_env

OPERATOR_ENV = """# Meeshy production
DOMAIN=meeshy.me

export JWT_SECRET="s3cr=t with spaces"
GATEWAY_IMAGE=isopen/meeshy-gateway:latest{TRAILING}
TRAEFIK_USERS='admin:$apr1$xyz$abc'
# an old value, kept as a comment: GATEWAY_IMAGE=foo
GATEWAY_IMAGE=isopen/meeshy-gateway:pinned\r
LAST_LINE_WITHOUT_NEWLINE=1""".replace("{TRAILING}", "   ")  # trailing blanks kept too


def test_merge_changes_only_the_owned_keys_byte_for_byte():
    merged = merge_env(OPERATOR_ENV, {"GATEWAY_IMAGE": "new:tag", "DATABASE_URL": "mongodb://database:27017/x"})
    before, after = OPERATOR_ENV.splitlines(keepends=True), merged.splitlines(keepends=True)
    changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
    # the last assignment is the one compose reads: only it changes, its line ending kept
    assert changed == [("GATEWAY_IMAGE=isopen/meeshy-gateway:pinned\r\n", "GATEWAY_IMAGE=new:tag\r\n"),
                       ("LAST_LINE_WITHOUT_NEWLINE=1", "LAST_LINE_WITHOUT_NEWLINE=1\n")]
    assert after[len(before):] == [APPENDED_HEADER + "\n", "DATABASE_URL=mongodb://database:27017/x\n"]
    assert parse_env(merged)["GATEWAY_IMAGE"] == "new:tag"
    assert parse_env(merged)["JWT_SECRET"] == "s3cr=t with spaces"
    assert parse_env(merged)["TRAEFIK_USERS"] == "admin:$apr1$xyz$abc"


def test_merge_is_idempotent_and_a_noop_without_change():
    once = merge_env(OPERATOR_ENV, {"DATABASE_URL": "u"})
    assert merge_env(once, {"DATABASE_URL": "u"}) == once
    assert merge_env(OPERATOR_ENV + "\n", {}) == OPERATOR_ENV + "\n"


def test_comments_are_not_assignments():
    assert "comment" not in parse_env("# comment=1\nA=1\n")
    assert merge_env("# A=old\n", {"A": "new"}) == f"# A=old\n{APPENDED_HEADER}\nA=new\n"
