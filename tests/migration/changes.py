"""A fixed window of writes to a legacy database after T0, as production receives them before the
switch freezes it: hard deletes of messages that carry translations, reactions and mentions, deletes
of reactions, new messages with a reaction, edited messages. The same counts at any scale; the
choice of documents depends only on the database (ids in order), so a window is reproducible."""

from __future__ import annotations

from datetime import datetime, timedelta

from bson import ObjectId
from pymongo.database import Database


def _ids_in_order(db: Database, collection: str, key: str) -> list:
    return sorted({d.get(key) for d in db[collection].find({}, {key: 1})} - {None}, key=str)


def write_window(db: Database, now: datetime, *, inserts: int, updates: int, deletes: int) -> dict[str, int]:
    """``deletes`` messages with dependants and ``deletes`` reactions of other messages removed,
    ``inserts`` messages (each with a reaction) added, ``updates`` messages edited. ``now`` is after T0."""
    later = now + timedelta(seconds=1)
    referenced = set(_ids_in_order(db, "MessageTranslation", "messageId")) | set(
        _ids_in_order(db, "Reaction", "messageId")) | set(_ids_in_order(db, "Mention", "messageId"))
    doomed = [m for m in _ids_in_order(db, "Message", "_id") if m in referenced][:deletes]
    if len(doomed) < deletes:
        raise ValueError(f"only {len(doomed)} messages have dependants; the window deletes {deletes}")
    db["Message"].delete_many({"_id": {"$in": doomed}})
    unreacted = [r for r in db["Reaction"].find({"messageId": {"$nin": doomed}}, {"_id": 1}).sort("_id", 1)]
    db["Reaction"].delete_many({"_id": {"$in": [r["_id"] for r in unreacted[:deletes]]}})

    live = list(db["Message"].find({"isDeleted": {"$ne": True}, "senderId": {"$exists": True}},
                                   {"conversationId": 1, "senderId": 1}).sort("_id", 1))
    edited = live[:updates]
    for message in edited:
        db["Message"].update_one({"_id": message["_id"]}, {"$set": {
            "content": f"edited after T0 ✏️ {message['_id']}", "isEdited": True, "editedAt": later,
            "updatedAt": later}})
    new_messages, reactions = [], []
    for i in range(inserts):
        parent = live[i % len(live)]
        _id = ObjectId()
        new_messages.append({"_id": _id, "conversationId": parent["conversationId"], "senderId": parent["senderId"],
                             "content": f"écrit après T0 {i} 🎉", "originalLanguage": "fr", "messageType": "text",
                             "isEdited": False, "isDeleted": False, "replyToId": parent["_id"],
                             "createdAt": later, "updatedAt": later})
        reactions.append({"_id": ObjectId(), "messageId": _id, "userId": parent["senderId"], "emoji": "🦄",
                          "createdAt": later, "updatedAt": later})
    if inserts:
        db["Message"].insert_many(new_messages)
        db["Reaction"].insert_many(reactions)
    return {"inserted": 2 * inserts, "updated": len(edited), "deleted": len(doomed) + min(deletes, len(unreacted))}
