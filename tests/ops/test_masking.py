"""One masker: the host's errors, the suites' scrub, the sign-off's scrub and URL redaction mask alike."""

import pytest

from ops.config import MASK, Masker, Secret, Target, redact_url
from ops.host import LocalHost
from ops.signoff import scrub

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize("text, masked", [
    ("mongodb://ops:pw-1@db:27017/x", f"mongodb://ops:{MASK}@db:27017/x"),
    ("mongodb://ops:p@ss@db/x", f"mongodb://ops:{MASK}@db/x"),  # an @ inside the password
    ("mongodb://db/x?tls=true&tlsCertificateKeyFilePassword=k1&w=1", f"mongodb://db/x?tls=true&tlsCertificateKeyFilePassword={MASK}&w=1"),
    (f"login answered {TOKEN}", f"login answered {MASK}"),
    ("rejected (password=hunter2, user=bob)", f"rejected (password={MASK} user=bob)"),
    ("JWT_SECRET: abc123", f"JWT_SECRET: {MASK}"),
    ("mongodb://ops@db/x and nothing secret", "mongodb://ops@db/x and nothing secret"),
])
def test_every_masker_masks_the_shapes_of_a_credential_alike(text, masked):
    host = LocalHost()
    assert {Masker().mask(text), host.mask(text), Target({}).scrub(text), scrub(text), redact_url(text)} == {masked}


def test_known_values_are_masked_the_longer_first_and_a_secret_is_taken_as_its_value():
    masker = Masker(["abcd", Secret("abcd-long")])
    masker.add("")  # nothing to mask: ignored
    assert masker.mask("x abcd-long abcd y") == f"x {MASK} {MASK} y"
    assert masker.values == ("abcd", "abcd-long")


def test_the_host_and_the_target_mask_their_own_secrets_with_the_same_mask():
    host = LocalHost(("s3cr3t-value",))
    host.add_secret(Secret("probe-pw"))
    target = Target({"CHECK_ACCOUNT_1_PASSWORD": "acc-pw-9", "CHECK_ADMIN_UI_PASSWORD": "ui-pw-7"})
    assert host.mask("a s3cr3t-value b probe-pw") == f"a {MASK} b {MASK}"
    assert target.scrub("acc-pw-9 / ui-pw-7") == f"{MASK} / {MASK}"
    assert str(Secret("x")) == MASK
