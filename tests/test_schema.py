"""Prisma's own parser (ops.migration.schema through prisma-schema-wasm): the shipped schema/schema.prisma,
small schemas of every kind Prisma reads (composite types, @@map, defaults, every index kind), Prisma's
errors, document validation and the defaults a copied document is completed with."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest
from bson import Int64, ObjectId

from ops.errors import OpsError
from ops.migration.prisma import SchemaError
from ops.migration.schema import (
    AUTO,
    DEFAULT_SCHEMA_PATH,
    MISSING,
    NOW,
    Function,
    Index,
    Relation,
    Schema,
    complete,
    default_value,
    index_name,
    load_schema,
    validate_document,
)

MIGRATED_MODELS = ["User", "Community", "CommunityMember", "Conversation", "ConversationMember", "Message",
                   "MessageTranslation", "MessageAttachment", "Reaction", "Mention", "FriendRequest"]

# reference/migration-spec.md §2.2: what `prisma db push` would create, besides _id_, in Prisma's order.
EXPECTED_INDEXES = {
    "User": [("User_username_key", ("username",), True), ("User_email_key", ("email",), True)],
    "Community": [("Community_identifier_key", ("identifier",), True)],
    "CommunityMember": [],
    "Conversation": [("Conversation_identifier_key", ("identifier",), True)],
    "ConversationMember": [
        ("ConversationMember_conversationId_idx", ("conversationId",), False),
        ("ConversationMember_userId_idx", ("userId",), False),
        ("ConversationMember_conversationId_userId_key", ("conversationId", "userId"), True)],
    "Message": [("Message_conversationId_idx", ("conversationId",), False),
                ("Message_senderId_idx", ("senderId",), False),
                ("Message_messageSource_idx", ("messageSource",), False),
                ("Message_createdAt_idx", ("createdAt",), False)],
    "MessageTranslation": [
        ("MessageTranslation_messageId_idx", ("messageId",), False),
        ("MessageTranslation_targetLanguage_idx", ("targetLanguage",), False),
        ("MessageTranslation_translationModel_idx", ("translationModel",), False),
        ("MessageTranslation_messageId_targetLanguage_key", ("messageId", "targetLanguage"), True)],
    "MessageAttachment": [("MessageAttachment_messageId_idx", ("messageId",), False),
                          ("MessageAttachment_uploadedBy_idx", ("uploadedBy",), False)],
    "Reaction": [("Reaction_messageId_idx", ("messageId",), False),
                 ("Reaction_userId_idx", ("userId",), False),
                 ("Reaction_anonymousId_idx", ("anonymousId",), False),
                 ("Reaction_emoji_idx", ("emoji",), False),
                 ("Reaction_messageId_userId_emoji_key", ("messageId", "userId", "emoji"), True),
                 ("Reaction_messageId_anonymousId_emoji_key", ("messageId", "anonymousId", "emoji"), True)],
    "Mention": [("Mention_messageId_idx", ("messageId",), False),
                ("Mention_mentionedUserId_idx", ("mentionedUserId",), False),
                ("Mention_mentionedAt_idx", ("mentionedAt",), False),
                ("Mention_messageId_mentionedUserId_key", ("messageId", "mentionedUserId"), True)],
    "FriendRequest": [],
}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_schema(DEFAULT_SCHEMA_PATH)


DATASOURCE = """\
datasource db {
  provider = "mongodb"
  url      = env("DATABASE_URL")
}
"""


def write_schema(tmp_path: Path, body: str, datasource: str = DATASOURCE) -> Path:
    path = tmp_path / "schema.prisma"
    path.write_text(datasource + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
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
    assert (field.db_name, field.is_id, field.object_id, field.default) == ("_id", True, True, AUTO)


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
    assert user.fields["lastActiveAt"].default == NOW
    blocked = user.fields["blockedUserIds"]
    assert (blocked.is_list, blocked.object_id, blocked.default) == (True, True, [])
    assert user.fields["updatedAt"].updated_at and not user.fields["updatedAt"].has_default
    assert user.fields["lastPasswordChange"].optional and user.fields["lastPasswordChange"].default == NOW
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


def test_an_object_id_in_a_string_field_is_read_by_prisma_as_its_hex_string(schema):
    doc = valid_attachment() | {"fileName": ObjectId()}
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


# ---------------------------------------------------------------- small schemas: what Prisma reads

TICKETS = """
    type Geo {
      lat Float
      lng Float @default(0)
    }
    type Address {
      street String @map("st")
      city   String?
      geo    Geo?
      kind   Kind   @default(HOME)
    }
    enum Kind {
      HOME   @map("home")
      OFFICE
    }
    model Ticket {
      id        String    @id @default(auto()) @map("_id") @db.ObjectId
      code      String    @unique(map: "ticket_code")
      title     String    @map("t")
      kind      Kind      @default(OFFICE)
      address   Address?  @map("addr")
      stops     Address[]
      tags      String[]  @default(["new"])
      ownerId   String    @db.ObjectId
      owner     Owner     @relation(fields: [ownerId], references: [id])
      parentId  String?   @db.ObjectId
      parent Ticket? @relation("Thread", fields: [parentId], references: [id], onDelete: NoAction, onUpdate: NoAction)
      replies   Ticket[]  @relation("Thread")
      body      String
      score     Float     @default(0.5)
      big       BigInt    @default(5)
      payload   Json?     @default("{\\"a\\": [1]}")
      due       DateTime  @default("2026-01-25T21:34:16Z")
      token     String    @default(uuid())
      createdAt DateTime  @default(now())
      updatedAt DateTime  @updatedAt
      @@index([kind, createdAt(sort: Desc)])
      @@unique([code, kind], map: "by_code_kind")
      @@unique([title, ownerId], name: "titleOwner")
      @@index([address.street, address.geo.lat])
      @@fulltext([body, title])
      @@map("tickets")
    }
    model Owner {
      id      String   @id @default(auto()) @map("_id") @db.ObjectId
      email   String   @unique
      nick    String?  @unique
      tickets Ticket[]
      @@map("owners_collection")
    }
    """


@pytest.fixture(scope="module")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    return load_schema(write_schema(tmp_path_factory.mktemp("tickets"), TICKETS))


def test_map_names_give_the_collection_the_document_keys_and_the_stored_enum_values(tickets):
    ticket = tickets.models["Ticket"]
    assert ticket.collection == "tickets"
    assert tickets.model_for_collection("tickets") is ticket
    assert tickets.model_for_collection("Ticket") is None
    assert tickets.models["Owner"].collection == "owners_collection"
    assert ticket.fields["title"].db_name == "t" and ticket.fields["address"].db_name == "addr"
    assert tickets.enums == {"Kind": ("home", "OFFICE")}
    assert ticket.fields["kind"].kind == "enum" and ticket.fields["kind"].default == "OFFICE"
    assert tickets.types["Address"].fields["kind"].default == "home"  # HOME is stored as its @map name


def test_composite_types_are_read_with_their_fields(tickets):
    address = tickets.types["Address"]
    assert list(address.fields) == ["street", "city", "geo", "kind"]
    assert address.fields["street"].db_name == "st"
    assert (address.fields["geo"].kind, address.fields["geo"].type, address.fields["geo"].optional) == \
        ("composite", "Geo", True)
    stops = tickets.models["Ticket"].fields["stops"]
    assert (stops.kind, stops.is_list, stops.optional) == ("composite", True, False)
    assert "address" in tickets.models["Ticket"].fields and "owner" not in tickets.models["Ticket"].fields


def test_defaults_of_every_kind_as_mongodb_stores_them(tickets):
    fields = tickets.models["Ticket"].fields
    assert fields["tags"].default == ["new"]
    assert fields["score"].default == 0.5
    assert fields["big"].default == 5 and isinstance(fields["big"].default, int)
    assert fields["payload"].default == {"a": [1]}
    assert fields["due"].default == datetime.datetime(2026, 1, 25, 21, 34, 16)
    assert fields["token"].default == Function("uuid")
    assert fields["createdAt"].default == NOW and fields["id"].default == AUTO
    assert fields["updatedAt"].updated_at and not fields["updatedAt"].has_default
    assert tickets.types["Geo"].fields["lng"].default == 0.0


def test_relations_required_optional_self_and_back(tickets):
    ticket = tickets.models["Ticket"]
    assert ticket.relations["owner"].relation == Relation("Owner", ("ownerId",), ("id",), True)
    assert ticket.relations["parent"].relation == Relation("Ticket", ("parentId",), ("id",), False)
    assert ticket.relations["replies"].relation == Relation("Ticket", (), (), False)
    assert tickets.models["Owner"].relations["tickets"].relation == Relation("Ticket", (), (), False)
    assert ticket.required_relations() == [Relation("Owner", ("ownerId",), ("id",), True)]
    assert ticket.fields["ownerId"].object_id and not ticket.fields["body"].object_id


def test_every_index_kind_with_the_name_prisma_gives_it(tickets):
    assert tickets.models["Ticket"].indexes == (
        Index("ticket_code", ("code",), True, "unique"),
        Index("tickets_kind_createdAt_idx", ("kind", "createdAt"), False, "normal", (1, -1)),
        Index("tickets_addr_st_addr_geo_lat_idx", ("addr.st", "addr.geo.lat"), False, "normal"),
        Index("by_code_kind", ("code", "kind"), True, "unique"),
        Index("tickets_t_ownerId_key", ("t", "ownerId"), True, "unique"),  # name: is the client's, not the index's
        Index("tickets_body_t_idx", ("body", "t"), False, "fulltext"),
    )
    assert tickets.models["Owner"].indexes == (
        Index("owners_collection_email_key", ("email",), True, "unique"),
        Index("owners_collection_nick_key", ("nick",), True, "unique"))
    ticket = tickets.models["Ticket"]
    assert ticket.indexes[1].keys() == [("kind", 1), ("createdAt", -1)]
    assert ticket.indexes[5].keys() == [("body", "text"), ("t", "text")]
    assert [f.name for f in ticket.field_at("addr.geo.lat")] == ["address", "geo", "lat"]


def test_index_names_are_cut_at_mongodb_identifier_length_on_a_character_boundary():
    assert index_name("User", ["email"], True) == "User_email_key"
    long = index_name("C" * 100, ["é" * 20], False)
    assert long.endswith("_idx") and len(long.encode()) <= 127
    assert long == "C" * 100 + "_" + "é" * 11 + "_idx"  # 101 + 22 bytes: 123 is the cut


# ---------------------------------------------------------------- embedded documents and copies

def valid_ticket() -> dict:
    return {"_id": ObjectId(), "code": "T-1", "t": "Broken lift", "kind": "OFFICE",
            "addr": {"st": "1 rue de Paris", "city": None, "geo": {"lat": 48.85, "lng": 2.35}, "kind": "home"},
            "stops": [{"st": "Gare", "kind": "OFFICE"}], "tags": [], "ownerId": ObjectId(), "body": "…",
            "score": 1, "big": Int64(5), "due": datetime.datetime(2026, 1, 1), "token": "x",
            "createdAt": datetime.datetime(2026, 1, 1), "updatedAt": datetime.datetime(2026, 1, 2)}


def test_embedded_documents_are_checked_against_their_composite_type(tickets):
    ticket = tickets.models["Ticket"]
    assert validate_document(ticket, valid_ticket(), tickets.enums) == []
    bad = valid_ticket()
    bad["addr"] = {"city": 7, "geo": "here", "kind": "HOME", "floor": 2}
    bad["stops"] = [{"st": "Gare", "kind": "home"}, "Quai"]
    assert validate_document(ticket, bad, tickets.enums) == [
        "unknown field 'addr.floor' (not in type Address)",
        "missing required field 'addr.st'",
        "'addr.city' must be String, got int",
        "'addr.geo' must be a Geo (embedded document), got str",
        "'addr.kind' is 'HOME', not a Kind value (home, OFFICE)",
        "stops[1] must be a Address (embedded document), got str",
    ]
    assert validate_document(ticket, bad | {"addr": None, "stops": []}, tickets.enums) == []


def test_unknown_fields_are_accepted_for_a_copy_only(tickets):
    doc = valid_ticket() | {"legacyField": 1}
    ticket = tickets.models["Ticket"]
    assert validate_document(ticket, doc, tickets.enums) == ["unknown field 'legacyField' (not in model Ticket)"]
    assert validate_document(ticket, doc, tickets.enums, allow_unknown=True) == []


def test_a_copy_is_completed_with_prisma_defaults_where_a_required_field_is_absent(tickets):
    ticket = tickets.models["Ticket"]
    doc = valid_ticket()
    created = doc["createdAt"]
    for key in ("kind", "tags", "score", "big", "due", "createdAt", "updatedAt"):
        del doc[key]
    doc["addr"] = {"st": "1 rue de Paris", "geo": {"lat": 1.5}}
    doc["legacyField"] = "kept"
    completed, changed = complete(ticket, doc)
    assert completed["kind"] == "OFFICE" and completed["score"] == 0.5 and completed["big"] == 5
    assert completed["due"] == datetime.datetime(2026, 1, 25, 21, 34, 16)
    assert completed["createdAt"] == completed["updatedAt"] == doc["_id"].generation_time.replace(tzinfo=None)
    assert completed["createdAt"] != created  # never the clock, never a guess: the ObjectId's time
    assert completed["addr"] == {"st": "1 rue de Paris", "geo": {"lat": 1.5, "lng": 0.0}, "kind": "home"}
    assert "tags" not in completed  # a list reads as []
    assert completed["legacyField"] == "kept"
    assert sorted(changed) == ["addr.geo.lng", "addr.kind", "big", "createdAt", "due", "kind", "score",
                               "updatedAt"]
    assert validate_document(ticket, completed, tickets.enums, allow_unknown=True) == []
    assert "kind" not in doc  # the source document is left alone


def test_a_default_that_cannot_be_known_is_not_invented(tickets):
    fields = tickets.models["Ticket"].fields
    assert default_value(fields["token"], datetime.datetime(2026, 1, 1)) is MISSING
    assert default_value(fields["createdAt"], None) is MISSING
    assert default_value(fields["body"], datetime.datetime(2026, 1, 1)) is MISSING
    doc = valid_ticket()
    del doc["token"], doc["body"]
    completed, _ = complete(tickets.models["Ticket"], doc)
    assert validate_document(tickets.models["Ticket"], completed, tickets.enums) == [
        "missing required field 'body'",
        "missing field 'token': it is non-null, and its @default/@updatedAt applies only when Prisma creates "
        "a document"]


def test_a_null_in_an_optional_unique_part_is_left_out_of_a_copy(tickets):
    owner = tickets.models["Owner"]
    completed, changed = complete(owner, {"_id": ObjectId(), "email": "a@b.c", "nick": None})
    assert "nick" not in completed and changed == ["nick (null left out of owners_collection_nick_key)"]


# ---------------------------------------------------------------- what Prisma refuses

@pytest.mark.parametrize(("body", "line", "message"), [
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  name Strin\n}\n", 7,
     'Type "Strin" is neither a built-in type, nor refers to another model, composite type, or enum.'),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n", 5, "This line is invalid"),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  name String unique\n}\n", 7,
     "This line is not a valid field or attribute definition"),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  @@index([nope])\n}\n", 7,
     "The index definition refers to the unknown fields: nope."),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  bId String @db.ObjectId\n"
     "  b B @relation(fields: [bId], references: [id])\n}\n", 8, 'Type "B" is neither a built-in type'),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  id Int\n}\n", 7, "Field \"id\" is already defined"),
    ("model A {\n  id String @id @map(\"_id\") @db.ObjectId\n  n Decimal\n}\n", 7,
     "can't be of type Decimal"),
])
def test_prisma_refuses_a_bad_schema_with_its_own_message_file_and_line(tmp_path, body, line, message):
    path = write_schema(tmp_path, body)
    with pytest.raises(SchemaError) as error:
        load_schema(path)
    assert f"{path}:{line}" in str(error.value)
    assert message in str(error.value)
    assert "Prisma refuses the schema" in str(error.value)


def test_a_schema_for_another_database_or_none_is_refused(tmp_path):
    postgres = 'datasource db {\n  provider = "postgresql"\n  url = env("X")\n}\n'
    with pytest.raises(OpsError, match='no datasource with provider = "mongodb" \\(found: postgresql\\)'):
        load_schema(write_schema(tmp_path, "model A {\n  id Int @id\n}\n", datasource=postgres))
    with pytest.raises(OpsError, match="found: none"):
        load_schema(write_schema(tmp_path, "", datasource=""))


def test_an_empty_schema_is_read_as_no_model(tmp_path):
    assert load_schema(write_schema(tmp_path, "")).models == {}


def test_an_unreadable_file_is_an_ops_error(tmp_path):
    with pytest.raises(OpsError, match="cannot read the Prisma schema"):
        load_schema(tmp_path / "missing.prisma")


def test_a_schema_is_parsed_once_per_content(tmp_path):
    path = write_schema(tmp_path, "model A {\n  id String @id @map(\"_id\") @db.ObjectId\n}\n")
    first = load_schema(path)
    assert load_schema(path) is first
    path.write_text(path.read_text() + "model B {\n  id String @id @map(\"_id\") @db.ObjectId\n}\n")
    assert list(load_schema(path).models) == ["A", "B"]
    assert first.parse_seconds > 0
