"""A small legacy database (real generator, real server) and helpers to compare database states."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pymongo
import pytest

from ops.migration.fingerprint import collection_hash, fingerprint
from ops.migration.plan import META_COLLECTION
from ops.migration.results import VerificationFailed, VerificationReport
from ops.migration.schema import DEFAULT_SCHEMA_PATH
from ops.migration.values import RAW
from ops.migration.verify import verify
from rehearsal.legacy_data import generate

SCALE = 0.03


def failed_verification(*args, **kwargs) -> VerificationReport:
    """The report a verification expected to fail carries."""
    with pytest.raises(VerificationFailed) as failed:
        verify(*args, **kwargs)
    return failed.value.report


def state(url: str) -> dict[str, str]:
    """Content hash of every collection (the run's own metadata excepted: it holds timestamps)."""
    client = pymongo.MongoClient(url, datetime_conversion="DATETIME_AUTO")
    db = client.get_default_database()
    hashes = {name: collection_hash((d["_id"], fingerprint(d)) for d in db[name].find())
              for name in db.list_collection_names() if name != META_COLLECTION}
    client.close()
    return hashes


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def legacy(db_url) -> tuple[str, object]:
    """URL of a fresh legacy database and the generator's summary (anomalies, counts)."""
    url = db_url("legacy")
    client = pymongo.MongoClient(url)
    summary = generate(client.get_default_database(), scale=SCALE, seed=7)
    client.close()
    return url, summary


def database(url: str):
    return pymongo.MongoClient(url, datetime_conversion="DATETIME_AUTO").get_default_database()


def clone(from_url: str, to_url: str) -> None:
    """A copy of a database, byte for byte, with its indexes (a migrated target, to run a delta on again)."""
    source, target = database(from_url).with_options(codec_options=RAW), database(to_url)
    target.client.drop_database(target.name)
    for name in source.list_collection_names():
        docs = list(source[name].find())
        if docs:
            target.with_options(codec_options=RAW)[name].insert_many(docs)
        else:
            target.create_collection(name)
        for index, info in source[name].index_information().items():
            if index != "_id_":
                target[name].create_index(info["key"], name=index, unique=info.get("unique", False))


# Models of the new version (d5983046) that read collections the shipped schema leaves out, written
# here in their real shape (reference/fidelity.md, "The data against the real schema"): no @@map on
# the four renamed models, isDeletedForUser required with a default, anonymousId an ObjectId, unique
# keys on the copied collections; a model no legacy collection feeds, mapped and with a composite type.
NEW_MODELS = """
enum CallStatus {
  initiated
  ringing
  active
  ended
  missed
  rejected
}

enum ParticipantRole {
  initiator
  participant
}

type NotificationChannels {
  email Boolean @default(true)
  push  Boolean @default(true)
}

model CallSession {
  id             String            @id @default(auto()) @map("_id") @db.ObjectId
  conversationId String            @db.ObjectId
  mode           String            @default("p2p")
  status         CallStatus        @default(initiated)
  initiatorId    String            @db.ObjectId
  startedAt      DateTime          @default(now())
  answeredAt     DateTime?
  endedAt        DateTime?
  duration       Int?
  metadata       Json?
  participants   CallParticipant[]

  @@index([conversationId])
  @@index([status])
  @@index([startedAt])
}

model CallParticipant {
  id                String          @id @default(auto()) @map("_id") @db.ObjectId
  callSessionId     String          @db.ObjectId
  callSession       CallSession     @relation(fields: [callSessionId], references: [id])
  userId            String?         @db.ObjectId
  anonymousId       String?         @db.ObjectId
  role              ParticipantRole @default(participant)
  joinedAt          DateTime        @default(now())
  leftAt            DateTime?
  isAudioEnabled    Boolean         @default(true)
  isVideoEnabled    Boolean         @default(true)
  connectionQuality Json?

  @@index([callSessionId])
  @@index([userId])
  @@index([anonymousId])
}

model UserConversationCategory {
  id         String   @id @default(auto()) @map("_id") @db.ObjectId
  userId     String   @db.ObjectId
  name       String
  color      String?
  icon       String?
  order      Int      @default(0)
  isExpanded Boolean  @default(true)
  createdAt  DateTime @default(now())
  updatedAt  DateTime @updatedAt

  @@index([userId])
  @@index([userId, order])
}

model UserConversationPreferences {
  id               String    @id @default(auto()) @map("_id") @db.ObjectId
  userId           String    @db.ObjectId
  conversationId   String    @db.ObjectId
  isPinned         Boolean   @default(false)
  isMuted          Boolean   @default(false)
  isArchived       Boolean   @default(false)
  isDeletedForUser Boolean   @default(false)
  deletedForUserAt DateTime?
  tags             String[]  @default([])
  categoryId       String?   @db.ObjectId
  customName       String?
  createdAt        DateTime  @default(now())
  updatedAt        DateTime  @updatedAt

  @@unique([userId, conversationId])
  @@index([userId])
  @@index([categoryId])
}

model AffiliateToken {
  id          String    @id @default(auto()) @map("_id") @db.ObjectId
  token       String    @unique
  name        String
  createdBy   String    @db.ObjectId
  maxUses     Int?
  currentUses Int       @default(0)
  expiresAt   DateTime?
  isActive    Boolean   @default(true)
  createdAt   DateTime  @default(now())
  updatedAt   DateTime  @updatedAt
}

model UserStats {
  id           String   @id @default(auto()) @map("_id") @db.ObjectId
  userId       String   @unique @db.ObjectId
  messagesSent Int      @default(0)
  createdAt    DateTime @default(now())
  updatedAt    DateTime @updatedAt
}

model NotificationPreference {
  id        String               @id @default(auto()) @map("_id") @db.ObjectId
  userId    String               @unique @db.ObjectId
  channels  NotificationChannels
  updatedAt DateTime             @updatedAt

  @@index([channels.email])
  @@map("notification_preferences")
}
"""


@pytest.fixture
def new_schema(tmp_path) -> Path:
    """The shipped schema with the new version's models for the collections it leaves out."""
    path = tmp_path / "new.prisma"
    path.write_text(DEFAULT_SCHEMA_PATH.read_text() + NEW_MODELS)
    return path
