"""Legacy documents as pymongo reads them from the old database (naive UTC datetimes), with the real
legacy field names of migration-spec §1.3 and values modelled on ``build_dataset(0.01, 1)``.

Each builder takes overrides; ``ABSENT`` removes a key, so that "absent" and "null" can be told apart.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from bson import ObjectId

ABSENT = object()
_serial = itertools.count(1)


def oid(when: datetime) -> ObjectId:
    """A new ObjectId whose embedded time is ``when`` (whole seconds, UTC)."""
    seconds = int((when - datetime(1970, 1, 1)).total_seconds())
    return ObjectId(f"{seconds:08x}{next(_serial):016x}")


def _build(base: dict, overrides: dict) -> dict:
    doc = {**base, **overrides}
    return {k: v for k, v in doc.items() if v is not ABSENT}


def user(**overrides: object) -> dict:
    created = datetime(2025, 3, 1, 0, 1)
    return _build({
        "_id": oid(created),
        "username": "ana",
        "firstName": "Ana",
        "lastName": "Diallo",
        "bio": "Polyglotte",
        "email": "ana@example.test",
        "phoneNumber": None,
        "password": "$2b$10$zKZ674tlAcvocuX9OMMQQeqaOc/6pYz7TBpZaAfNetpviMHI3rfU6",
        "displayName": "Ana D.",
        "avatar": None,
        "isOnline": False,
        "lastSeen": datetime(2025, 11, 7, 6, 52, 22, 5000),
        "lastActiveAt": datetime(2025, 11, 7, 3, 0, 49, 952000),
        "systemLanguage": "en",
        "regionalLanguage": "fr",
        "customDestinationLanguage": None,
        "autoTranslateEnabled": True,
        "translateToSystemLanguage": True,
        "translateToRegionalLanguage": False,
        "useCustomDestination": False,
        "role": "USER",
        "isActive": True,
        "encryptionPreference": "optional",
        "createdAt": created,
        "updatedAt": datetime(2025, 11, 7, 3, 0, 49, 952000),
    }, overrides)


def community(**overrides: object) -> dict:
    created = datetime(2025, 3, 1, 1, 0)
    return _build({
        "_id": oid(created),
        "identifier": "mshy_polyglots",
        "name": "Polyglots",
        "description": "Ceux qui parlent plusieurs langues",
        "avatar": None,
        "isPrivate": True,
        "createdBy": oid(created),
        "createdAt": created,
        "updatedAt": datetime(2025, 3, 22, 17, 20, 13, 347000),
    }, overrides)


def community_member(**overrides: object) -> dict:
    joined = datetime(2025, 3, 2, 15, 30, 19, 619000)
    return _build({
        "_id": oid(joined),
        "communityId": oid(joined),
        "userId": oid(joined),
        "joinedAt": joined,
        "role": "member",
    }, overrides)


def conversation(**overrides: object) -> dict:
    created = datetime(2025, 3, 1, 2, 0)
    return _build({
        "_id": oid(created),
        "identifier": "mshy_famille",
        "type": "group",
        "title": "Famille",
        "description": None,
        "image": None,
        "avatar": None,
        "communityId": None,
        "isActive": True,
        "isArchived": False,
        "lastMessageAt": datetime(2025, 12, 2, 1, 5, 56, 564000),
        "createdAt": created,
        "updatedAt": datetime(2025, 12, 2, 1, 5, 56, 564000),
    }, overrides)


def conversation_member(**overrides: object) -> dict:
    joined = datetime(2025, 3, 1, 3, 21, 40, 75000)
    return _build({
        "_id": oid(joined),
        "conversationId": oid(joined),
        "userId": oid(joined),
        "role": "member",
        "canSendMessage": True,
        "canSendFiles": True,
        "canSendImages": True,
        "canSendVideos": True,
        "canSendAudios": True,
        "canSendLocations": True,
        "canSendLinks": True,
        "joinedAt": joined,
        "leftAt": None,
        "isActive": True,
    }, overrides)


def message(**overrides: object) -> dict:
    created = datetime(2025, 3, 9, 10, 16, 28, 854000)
    return _build({
        "_id": oid(created),
        "conversationId": oid(created),
        "senderId": oid(created),
        "content": "Qui vient dîner samedi ?",
        "originalLanguage": "fr",
        "messageType": "text",
        "isEdited": False,
        "isDeleted": False,
        "deletedAt": None,
        "createdAt": created,
        "updatedAt": created,
    }, overrides)


def attachment(**overrides: object) -> dict:
    created = datetime(2025, 6, 16, 9, 55, 14, 178000)
    path = "2025/06/67c24e7811ec08dc5c000001/9ef1b2a383a6eace.jpg"
    return _build({
        "_id": oid(created),
        "messageId": oid(created),
        "fileName": "9ef1b2a383a6eace.jpg",
        "originalName": "IMG_2314.jpg",
        "mimeType": "image/jpeg",
        "fileSize": 1296352,
        "filePath": path,
        "fileUrl": f"/api/attachments/file/{path}",
        "width": 1920,
        "height": 1080,
        "thumbnailPath": path.replace(".jpg", "_thumb.jpg"),
        "thumbnailUrl": f"/api/attachments/file/{path.replace('.jpg', '_thumb.jpg')}",
        "duration": None,
        "uploadedBy": oid(created),
        "isAnonymous": False,
        "metadata": {"exif": False},
        "createdAt": created,
    }, overrides)


def translation(**overrides: object) -> dict:
    created = datetime(2025, 3, 9, 10, 16, 36, 468000)
    message_id = overrides.get("messageId", oid(created))
    return _build({
        "_id": oid(created),
        "messageId": message_id,
        "sourceLanguage": "fr",
        "targetLanguage": "pt",
        "translatedContent": "Quem vem jantar no sábado?",
        "translationModel": "basic",
        "cacheKey": f"{message_id}_fr_pt",
        "confidenceScore": 0.963,
        "createdAt": created,
        "updatedAt": created,
    }, overrides)


def reaction(**overrides: object) -> dict:
    created = datetime(2025, 3, 9, 11, 15, 41, 516000)
    return _build({
        "_id": oid(created),
        "messageId": oid(created),
        "userId": oid(created),
        "emoji": "👍",
        "createdAt": created,
        "updatedAt": created,
    }, overrides)


def mention(**overrides: object) -> dict:
    at = datetime(2025, 7, 11, 18, 55, 36, 104000)
    return _build({
        "_id": oid(at),
        "messageId": oid(at),
        "mentionedUserId": oid(at),
        "mentionedAt": at,
    }, overrides)


def friend_request(**overrides: object) -> dict:
    created = datetime(2025, 3, 9, 22, 58, 45, 797000)
    return _build({
        "_id": oid(created),
        "senderId": oid(created),
        "receiverId": oid(created),
        "message": "On s'est croisés au meetup !",
        "status": "accepted",
        "createdAt": created,
        "updatedAt": datetime(2025, 3, 11, 21, 32, 56, 605000),
    }, overrides)
