"""User: runbook "Transformations User", and migration-spec §3.2/§5 W7, W11, W12 (values the original
script lost, overwrote or fabricated from the clock)."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.schema import Schema, validate_document
from ops.migration.transforms import Derived, transform_user

from .legacy_docs import ABSENT, oid, user

# Security, device and soft-delete values the original script reset (W7), with a non-default value.
KEPT_SECURITY_VALUES = {
    "emailVerifiedAt": datetime(2025, 3, 1, 0, 6),
    "phoneVerifiedAt": datetime(2025, 4, 2, 9, 0),
    "twoFactorSecret": "JBSWY3DPEHPK3PXP",
    "twoFactorEnabledAt": datetime(2025, 5, 3, 10, 0),
    "failedLoginAttempts": 4,
    "lockedUntil": datetime(2026, 1, 26, 12, 0),
    "lockedReason": "too_many_failed_logins",
    "passwordResetAttempts": 2,
    "lastPasswordResetAttempt": datetime(2025, 9, 9, 9, 9),
    "lastLoginIp": "203.0.113.7",
    "lastLoginLocation": "Dakar, SN",
    "lastLoginDevice": "Firefox on Linux",
    "deactivatedAt": datetime(2025, 10, 1, 8, 0),
    "deletedAt": datetime(2025, 10, 2, 8, 0),
    "deletedBy": oid(datetime(2025, 3, 1)),
    "signalIdentityKeyPublic": "BQx1c2lnbmFsLXB1YmxpYw==",
    "signalIdentityKeyPrivate": "c2lnbmFsLXByaXZhdGU=",
    "signalRegistrationId": 13421,
    "signalPreKeyBundleVersion": 3,
    "lastKeyRotation": datetime(2025, 8, 1, 0, 0),
    "lastPasswordChange": datetime(2025, 7, 14, 16, 45),
    "profileCompletionRate": 80,
}


def test_existing_display_name_is_never_overwritten(derived: Derived) -> None:
    assert transform_user(user(displayName="Ana D."), derived)["displayName"] == "Ana D."


@pytest.mark.parametrize("display_name", [ABSENT, None, ""], ids=["absent", "null", "empty"])
def test_display_name_built_from_first_and_last_name_when_missing(derived: Derived, display_name: object) -> None:
    doc = user(displayName=display_name, firstName="Awa", lastName="Ndiaye")
    assert transform_user(doc, derived)["displayName"] == "Awa Ndiaye"


def test_display_name_never_reads_undefined_when_a_name_part_is_missing(derived: Derived) -> None:
    assert transform_user(user(displayName=None, firstName="Awa", lastName=None), derived)["displayName"] == "Awa"
    doc = user(displayName=None, firstName="", lastName="", username="awa_n")
    assert transform_user(doc, derived)["displayName"] == "awa_n"


@pytest.mark.parametrize(("bio", "expected"), [(ABSENT, ""), (None, ""), ("", ""), ("Polyglotte", "Polyglotte")],
                         ids=["absent", "null", "empty-kept", "existing-kept"])
def test_bio_defaults_to_empty_only_when_absent_or_null(derived: Derived, bio: object, expected: str) -> None:
    assert transform_user(user(bio=bio), derived)["bio"] == expected


def test_new_fields_take_their_defaults_when_absent(derived: Derived) -> None:
    target = transform_user(user(), derived)
    assert target["blockedUserIds"] == []
    assert target["twoFactorBackupCodes"] == []
    assert target["failedLoginAttempts"] == 0
    assert target["passwordResetAttempts"] == 0
    assert target["profileCompletionRate"] == 0
    for key in ("phoneCountryCode", "timezone", "banner", "emailVerifiedAt", "phoneVerifiedAt", "twoFactorSecret",
                "twoFactorEnabledAt", "lockedUntil", "lastLoginIp", "lastLoginLocation", "registrationIp",
                "deactivatedAt", "deletedAt", "deletedBy"):
        assert target.get(key) is None, key


def test_default_lists_are_not_shared_between_documents(derived: Derived) -> None:
    first = transform_user(user(), derived)
    first["blockedUserIds"].append(oid(datetime(2025, 1, 1)))
    assert transform_user(user(), derived)["blockedUserIds"] == []


@pytest.mark.parametrize(("key", "value"), KEPT_SECURITY_VALUES.items(), ids=KEPT_SECURITY_VALUES.keys())
def test_existing_security_and_device_values_are_kept(derived: Derived, key: str, value: object) -> None:
    assert transform_user(user(**{key: value}), derived)[key] == value


def test_deactivated_user_without_date_gets_no_fabricated_deactivation_date(derived: Derived) -> None:
    target = transform_user(user(isActive=False, deactivatedAt=None), derived)
    assert target["isActive"] is False
    assert target["deactivatedAt"] is None


@pytest.mark.parametrize("value", [ABSENT, None], ids=["absent", "null"])
def test_last_password_change_is_created_at_when_missing(derived: Derived, value: object) -> None:
    doc = user(lastPasswordChange=value)
    assert transform_user(doc, derived)["lastPasswordChange"] == doc["createdAt"]


def test_explicit_null_in_an_optional_field_with_a_default_stays_null(derived: Derived, schema: Schema) -> None:
    target = transform_user(user(profileCompletionRate=None), derived)
    assert "profileCompletionRate" in target and target["profileCompletionRate"] is None
    assert validate_document(schema.models["User"], target, schema.enums) == []


@pytest.mark.parametrize(("role", "expected"), [
    ("MODO", "MODERATOR"), ("modo", "MODERATOR"), ("admin", "ADMIN"), ("bigboss", "BIGBOSS"),
    ("ANALYST", "ANALYST"), ("USER", "USER"), (ABSENT, "USER"), (None, "USER"),
])
def test_role_is_mapped_to_the_user_role_enum(derived: Derived, role: object, expected: str) -> None:
    assert transform_user(user(role=role), derived)["role"] == expected


def test_unknown_role_is_rejected_by_the_pipeline(pipeline: Pipeline) -> None:
    outcome = pipeline.decide("User", user(role="SUPERUSER"))
    assert outcome.rejected
    assert "role" in outcome.reason and "UserRole" in outcome.reason


def test_password_hash_is_copied_byte_for_byte(derived: Derived) -> None:
    hashed = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
    assert transform_user(user(password=hashed), derived)["password"].encode() == hashed.encode()


def test_last_active_at_comes_from_last_seen_when_absent(derived: Derived) -> None:
    seen = datetime(2025, 12, 24, 23, 59, 1)
    assert transform_user(user(lastActiveAt=ABSENT, lastSeen=seen), derived)["lastActiveAt"] == seen


def test_existing_last_active_at_is_kept_and_last_seen_is_not_written(derived: Derived) -> None:
    doc = user()
    target = transform_user(doc, derived)
    assert target["lastActiveAt"] == doc["lastActiveAt"]
    assert "lastSeen" not in target


def test_last_active_at_falls_back_to_created_at_not_the_clock(derived: Derived) -> None:
    doc = user(lastActiveAt=ABSENT, lastSeen=ABSENT)
    assert transform_user(doc, derived)["lastActiveAt"] == doc["createdAt"]


def test_legacy_only_preferences_are_left_out(derived: Derived) -> None:
    target = transform_user(user(), derived)
    for key in ("autoTranslateEnabled", "translateToSystemLanguage", "translateToRegionalLanguage",
                "useCustomDestination", "encryptionPreference"):
        assert key not in target


def test_output_is_a_valid_user(derived: Derived, schema: Schema) -> None:
    target = transform_user(user(**KEPT_SECURITY_VALUES, role="MODO"), derived)
    assert validate_document(schema.models["User"], target, schema.enums) == []


def test_output_of_an_old_user_without_security_fields_is_valid(derived: Derived, schema: Schema) -> None:
    doc = user(bio=ABSENT, displayName=ABSENT, role=ABSENT, lastActiveAt=ABSENT, updatedAt=ABSENT)
    assert validate_document(schema.models["User"], transform_user(doc, derived), schema.enums) == []


def test_missing_created_at_is_derived_from_the_object_id_time(derived: Derived) -> None:
    when = datetime(2025, 4, 5, 6, 7, 8)
    doc = user(_id=oid(when), createdAt=ABSENT, updatedAt=ABSENT, lastPasswordChange=ABSENT,
               lastActiveAt=ABSENT, lastSeen=ABSENT)
    target = transform_user(doc, derived)
    for key in ("createdAt", "updatedAt", "lastPasswordChange", "lastActiveAt"):
        assert target[key] == when, key


def test_transform_is_deterministic_and_leaves_its_input_unchanged(derived: Derived) -> None:
    doc = user(createdAt=ABSENT, updatedAt=ABSENT, bio=None, displayName=None, role="modo")
    before = copy.deepcopy(doc)
    assert transform_user(doc, derived) == transform_user(copy.deepcopy(doc), derived)
    assert doc == before
