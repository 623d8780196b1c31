"""The shipped schema/schema.prisma, read by ops.migration.schema, and document validation."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest
from bson import Int64, ObjectId

from ops.errors import OpsError
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Index, Relation, Schema, load_schema, validate_document

MIGRATED_MODELS = ["User", "Community", "CommunityMember", "Conversation", "ConversationMember", "Message",
                   "MessageTranslation", "MessageAttachment", "Reaction", "Mention", "FriendRequest"]

# reference/migration-spec.md §2.2: what `prisma db push` would create, besides _id_.
EXPECTED_INDEXES = {
    "User": [("User_username_key", ("username",), True), ("User_email_key", ("email",), True)],
    "Community": [("Community_identifier_key", ("identifier",), True)],
    "CommunityMember": [],
    "Conversation": [("Conversation_identifier_key", ("identifier",), True)],
    "ConversationMember": [
        ("ConversationMember_conversationId_userId_key", ("conversationId", "userId"), True),
        ("ConversationMember_conversationId_idx", ("conversationId",), False),
        ("ConversationMember_userId_idx", ("userId",), False)],
    "Message": [("Message_conversationId_idx", ("conversationId",), False),
                ("Message_senderId_idx", ("senderId",), False),
                ("Message_messageSource_idx", ("messageSource",), False),
                ("Message_createdAt_idx", ("createdAt",), False)],
    "MessageTranslation": [
        ("MessageTranslation_messageId_targetLanguage_key", ("messageId", "targetLanguage"), True),
        ("MessageTranslation_messageId_idx", ("messageId",), False),
        ("MessageTranslation_targetLanguage_idx", ("targetLanguage",), False),
        ("MessageTranslation_translationModel_idx", ("translationModel",), False)],
    "MessageAttachment": [("MessageAttachment_messageId_idx", ("messageId",), False),
                          ("MessageAttachment_uploadedBy_idx", ("uploadedBy",), False)],
    "Reaction": [("Reaction_messageId_userId_emoji_key", ("messageId", "userId", "emoji"), True),
                 ("Reaction_messageId_anonymousId_emoji_key", ("messageId", "anonymousId", "emoji"), True),
                 ("Reaction_messageId_idx", ("messageId",), False),
                 ("Reaction_userId_idx", ("userId",), False),
                 ("Reaction_anonymousId_idx", ("anonymousId",), False),
                 ("Reaction_emoji_idx", ("emoji",), False)],
    "Mention": [("Mention_messageId_mentionedUserId_key", ("messageId", "mentionedUserId"), True),
                ("Mention_messageId_idx", ("messageId",), False),
                ("Mention_mentionedUserId_idx", ("mentionedUserId",), False),
                ("Mention_mentionedAt_idx", ("mentionedAt",), False)],
    "FriendRequest": [],
}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_schema(DEFAULT_SCHEMA_PATH)


def write_schema(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "schema.prisma"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the shipped schema

def test_the_shipped_schema_has_the_eleven_migrated_models_in_same_named_collections(schema):
    assert list(schema.models) == MIGRATED_MODELS
    for name in MIGRATED_MODELS:
        assert schema.model_for_collection(name).name == name
    assert schema.model_for_collection("Notification") is None


def test_the_user_role_enum_has_moderator_and_no_modo(schema):
    assert schema.enums == {"UserRole": ("USER", "ADMIN", "MODERATOR", "BIGBOSS", "AUDIT", "ANALYST")}


@pytest.mark.parametrize("model", MIGRATED_MODELS)
def test_index_names_are_those_prisma_db_push_would_create(schema, model):
    assert [(i.name, i.fields, i.unique) for i in schema.models[model].indexes] == EXPECTED_INDEXES[model]


@pytest.mark.parametrize("model", MIGRATED_MODELS)
def test_every_id_is_an_object_id_mapped_to_underscore_id(schema, model):
    field = schema.models[model].fields["id"]
    assert (field.db_name, field.is_id, field.object_id, field.default) == ("_id", True, True, "auto")


def test_field_counts_match_the_spec(schema):
    counts = {name: len(model.fields) for name, model in schema.models.items()}
    assert counts == {"User": 63, "Community": 12, "CommunityMember": 7, "Conversation": 22,
                      "ConversationMember": 15, "Message": 36, "MessageTranslation": 12,
                      "MessageAttachment": 59, "Reaction": 7, "Mention": 4, "FriendRequest": 8}


def test_required_fields_of_message_attachment(schema):
    required = [f.name for f in schema.models["MessageAttachment"].required_fields()]
    assert required == ["fileName", "originalName", "mimeType", "fileSize", "filePath", "fileUrl",
                        "uploadedBy"]


def test_required_fields_of_user_leave_out_defaults_and_updated_at(schema):
    required = [f.name for f in schema.models["User"].required_fields()]
    assert required == ["username", "firstName", "lastName", "email", "password"]


def test_user_fields_carry_their_attributes(schema):
    user = schema.models["User"]
    assert user.fields["bio"].default == "" and user.fields["bio"].has_default
    assert user.fields["role"].type == "UserRole" and user.fields["role"].default == "USER"
    assert user.fields["isOnline"].default is False
    assert user.fields["failedLoginAttempts"].default == 0
    assert user.fields["lastActiveAt"].default == "now"
    blocked = user.fields["blockedUserIds"]
    assert (blocked.is_list, blocked.object_id, blocked.default) == (True, True, [])
    assert user.fields["updatedAt"].updated_at and not user.fields["updatedAt"].has_default
    assert user.fields["lastPasswordChange"].optional and user.fields["lastPasswordChange"].default == "now"
    assert user.fields["username"].unique and not user.fields["firstName"].unique
    assert user.fields["phoneNumber"].default is None and not user.fields["phoneNumber"].has_default


def test_target_models_at_the_migration_commit(schema):
    assert "cacheKey" not in schema.models["MessageTranslation"].fields
    assert "sourceLanguage" not in schema.models["MessageTranslation"].fields
    assert "anonymousId" in schema.models["Reaction"].fields
    assert "anonymousUserId" not in schema.models["Reaction"].fields
    assert "mentionedUserId" in schema.models["Mention"].fields


def test_relations_between_the_migrated_models(schema):
    community = schema.models["Community"]
    assert community.relations["creator"].relation == Relation("User", ("createdBy",), ("id",), True)
    assert community.required_relations() == [Relation("User", ("createdBy",), ("id",), True)]
    created = schema.models["User"].relations["createdCommunities"]
    assert created.relation == Relation("Community", (), (), False)
    message = schema.models["Message"]
    assert [r.fields for r in message.required_relations()] == [("conversationId",)]
    assert message.relations["sender"].relation == Relation("User", ("senderId",), ("id",), False)
    assert message.relations["replies"].is_list
    assert {r.fields for r in schema.models["FriendRequest"].required_relations()} == {
        ("senderId",), ("receiverId",)}
    assert schema.models["MessageAttachment"].required_relations() == []
    assert "senderId" not in message.relations and "sender" not in message.fields


def test_unique_keys_are_the_unique_indexes(schema):
    assert [i.name for i in schema.models["Reaction"].unique_keys()] == [
        "Reaction_messageId_userId_emoji_key", "Reaction_messageId_anonymousId_emoji_key"]
    assert schema.models["FriendRequest"].unique_keys() == []


# ---------------------------------------------------------------- document validation

def valid_attachment() -> dict:
    return {"_id": ObjectId(), "messageId": ObjectId(), "fileName": "a.png", "originalName": "photo.png",
            "mimeType": "image/png", "fileSize": 1234, "filePath": "2026/01/a.png", "fileUrl": "/u/a.png",
            "uploadedBy": ObjectId(), "isForwarded": False, "isViewOnce": False, "viewOnceCount": 0,
            "isBlurred": False, "isAnonymous": False, "createdAt": datetime.datetime(2026, 1, 25),
            "viewedCount": 0, "downloadedCount": 0, "consumedCount": 0, "isEncrypted": False,
            "fps": 29.97, "width": None, "metadata": {"any": ["json", 1]}}


def valid_user() -> dict:
    now = datetime.datetime(2026, 1, 25, 12, 0, 0)
    return {"_id": ObjectId(), "username": "alice", "firstName": "Alice", "lastName": "A", "bio": "",
            "email": "alice@example.test", "password": "$2b$10$hash", "isOnline": False, "lastActiveAt": now,
            "blockedUserIds": [ObjectId()], "systemLanguage": "fr", "role": "MODERATOR", "isActive": True,
            "twoFactorBackupCodes": [], "failedLoginAttempts": 0, "passwordResetAttempts": 0,
            "createdAt": now, "updatedAt": now}


def test_a_valid_document_has_no_problem(schema):
    assert validate_document(schema.models["MessageAttachment"], valid_attachment(), schema.enums) == []
    assert validate_document(schema.models["User"], valid_user(), schema.enums) == []


def test_a_missing_list_is_accepted_as_prisma_reads_it_as_empty(schema):
    user = valid_user()
    del user["blockedUserIds"]
    assert validate_document(schema.models["User"], user, schema.enums) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"fileName": "<del>"}, "missing required field 'fileName'"),
    ({"_id": "<del>"}, "missing field '_id'"),
    ({"viewOnceCount": "<del>"}, "missing field 'viewOnceCount'"),
    ({"uploadedBy": "65b2a0f1c2d3e4f5a6b7c8d9"}, "'uploadedBy' must be an ObjectId, got str"),
    ({"messageId": "65b2a0f1c2d3e4f5a6b7c8d9"}, "'messageId' must be an ObjectId, got str"),
    ({"fileSize": "1234"}, "'fileSize' must be Int, got str"),
    ({"fileSize": True}, "'fileSize' must be Int, got bool"),
    ({"fileSize": 12.5}, "'fileSize' must be Int, got float"),
    ({"fileSize": Int64(2**40)}, "'fileSize' is outside the 32-bit range of Int"),
    ({"fps": True}, "'fps' must be Float, got bool"),
    ({"isBlurred": 0}, "'isBlurred' must be Boolean, got int"),
    ({"createdAt": "2026-01-25T00:00:00Z"}, "'createdAt' must be DateTime, got str"),
    ({"mimeType": None}, "null in non-optional field 'mimeType'"),
    ({"url": "/u/a.png"}, "unknown field 'url' (not in model MessageAttachment)"),
    ({"message": {"_id": ObjectId()}}, "unknown field 'message' (not in model MessageAttachment)"),
])
def test_validate_document_names_each_kind_of_problem(schema, change, expected):
    doc = valid_attachment()
    for key, value in change.items():
        if value == "<del>":
            del doc[key]
        else:
            doc[key] = value
    problems = validate_document(schema.models["MessageAttachment"], doc, schema.enums)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_int_and_float_accept_what_they_should(schema):
    doc = valid_attachment() | {"fps": 30, "fileSize": Int64(5)}
    assert validate_document(schema.models["MessageAttachment"], doc, schema.enums) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"role": "MODO"}, "'role' is 'MODO', not a UserRole value (USER, ADMIN, MODERATOR, BIGBOSS"),
    ({"role": "user"}, "'role' is 'user', not a UserRole value"),
    ({"role": 1}, "'role' is int, not a UserRole value"),
    ({"blockedUserIds": ["65b2a0f1c2d3e4f5a6b7c8d9"]}, "blockedUserIds[0] must be an ObjectId, got str"),
    ({"blockedUserIds": ObjectId()}, "'blockedUserIds' must be a list of an ObjectId, got ObjectId"),
    ({"blockedUserIds": None}, "null in non-optional field 'blockedUserIds'"),
    ({"twoFactorBackupCodes": ["ok", 7]}, "twoFactorBackupCodes[1] must be String, got int"),
    ({"updatedAt": "<del>"}, "missing field 'updatedAt'"),
])
def test_validate_document_checks_enums_and_lists(schema, change, expected):
    doc = valid_user()
    for key, value in change.items():
        if value == "<del>":
            del doc[key]
        else:
            doc[key] = value
    problems = validate_document(schema.models["User"], doc, schema.enums)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_problems_never_quote_a_value_that_may_be_secret(schema):
    doc = valid_user() | {"password": b"$2b$10$secret-hash"}
    problems = validate_document(schema.models["User"], doc, schema.enums)
    assert problems == ["'password' must be String, got bytes"]


# ---------------------------------------------------------------- the parser on other input

def test_the_parser_reads_map_custom_index_names_and_sort_options(tmp_path):
    path = write_schema(tmp_path, """
        // a comment with "quotes" and // slashes
        datasource db {
          provider = "mongodb"
          url      = env("DATABASE_URL") // trailing
        }
        enum Status {
          OPEN   @map("open")
          CLOSED
          @@map("status")
        }
        model Ticket {
          id        String   @id @default(auto()) @map("_id") @db.ObjectId
          code      String   @unique(map: "ticket_code")
          url       String   @default("http://x//y") // not a comment inside the string
          status    Status   @default(OPEN)
          score     Float    @default(0.5)
          tags      String[]
          createdAt DateTime @default(now())
          payload   Json?    @default("{}")
          @@index([status, createdAt(sort: Desc)])
          @@unique(fields: [code, status], map: "by_code_status")
          @@map("tickets")
        }
        """)
    schema = load_schema(path)
    ticket = schema.models["Ticket"]
    assert ticket.collection == "tickets"
    assert schema.model_for_collection("tickets") is ticket
    assert schema.enums == {"Status": ("OPEN", "CLOSED")}
    assert ticket.fields["url"].default == "http://x//y"
    assert ticket.fields["score"].default == 0.5
    assert ticket.fields["payload"].default == "{}"
    assert ticket.indexes == (Index("ticket_code", ("code",), True),
                              Index("Ticket_status_createdAt_idx", ("status", "createdAt"), False),
                              Index("by_code_status", ("code", "status"), True))


def test_unknown_attributes_are_tolerated(tmp_path):
    path = write_schema(tmp_path, """
        model Note {
          id    String @id @default(auto()) @map("_id") @db.ObjectId
          body  String @db.String @ignore @custom.thing(1, [a, b], flag: true, obj: {x: 1})
          @@ignore
          @@schema("public")
        }
        """)
    note = load_schema(path).models["Note"]
    assert list(note.fields) == ["id", "body"]
    assert note.indexes == ()


@pytest.mark.parametrize(("body", "line", "message"), [
    ("model A {\n  id String @id\n  name Strin\n}\n", 3, "unknown type 'Strin'"),
    ("model A {\n  id String @id\n  name String @default(\n}\n", 3, "unexpected end of line"),
    ("model A {\n  id String @id\n", 1, "not closed"),
    ("model A {\n  id String @id\n  ???\n}\n", 3, "expected a field"),
    ("modl A {\n}\n", 1, "blocks are not supported"),
    ("type Address {\n  street String\n}\n", 1, "'type' blocks are not supported"),
    ("model A {\n  id String @id\n  name String unique\n}\n", 3, "expected an attribute starting with @"),
    ("model A {\n  id String @id\n  @@index([nope])\n}\n", 3, "which is not a scalar field"),
    ("model A {\n  id String @id\n  id Int\n}\n", 3, "defined twice"),
    ("model A {\n  id String @id\n}\nmodel B {\n  id String @id\n  a A @relation(fields: [aId], "
     "references: [id])\n}\n", 6, "not a scalar field of B"),
    ('model A {\n  id String @id @default("unterminated)\n}\n', 2, "unexpected text"),
])
def test_syntax_errors_name_the_file_and_line(tmp_path, body, line, message):
    path = write_schema(tmp_path, body)
    with pytest.raises(OpsError) as error:
        load_schema(path)
    assert f"{path}:{line}:" in str(error.value)
    assert message in str(error.value)


def test_an_unreadable_file_is_an_ops_error(tmp_path):
    with pytest.raises(OpsError, match="cannot read the Prisma schema"):
        load_schema(tmp_path / "missing.prisma")
