"""Uploads (§5) and communities (§6)."""

from __future__ import annotations

import os

import requests
from sandbox_clients import Api

from rehearsal.seed_accounts import TEST_COMMUNITY_IDENTIFIER as TEST_COMMUNITY
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER as TEST_CONV

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(4096) + b"\x00\xff" * 100


def upload(api: Api, *files: tuple[str, bytes, str]) -> requests.Response:
    return api.post(
        "/api/v1/attachments/upload",
        files=[("files", f) for f in files],
        data={"metadata_0": '{"duration": 0}'},
    )


def test_upload_returns_relative_urls_and_files_come_back_byte_for_byte(prisma):
    r = upload(
        prisma.api("alice_fr"), ("photo.png", PNG, "image/png"), ("notes é.txt", b"hello\n", "text/plain")
    )
    assert r.status_code == 200
    photo, notes = r.json()["data"]["attachments"]
    assert photo["messageId"] is None and photo["mimeType"] == "image/png" and photo["fileSize"] == len(PNG)
    assert photo["originalName"] == "photo.png" and photo["uploadedBy"] == str(
        prisma.ids["users"]["alice_fr"]
    )
    assert photo["fileUrl"].startswith("/api/v1/attachments/file/")
    served = requests.get(prisma.url + photo["fileUrl"], timeout=5)  # no auth
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png"
    text = requests.get(prisma.url + notes["fileUrl"], timeout=5)
    assert text.content == b"hello\n" and text.headers["Content-Type"].startswith("text/plain")
    by_id = requests.get(f"{prisma.url}/api/v1/attachments/{photo['id']}", timeout=5)
    assert by_id.content == PNG and "immutable" in by_id.headers["Cache-Control"]
    ranged = requests.get(prisma.url + photo["fileUrl"], headers={"Range": "bytes=0-7"}, timeout=5)
    assert ranged.status_code == 206 and ranged.content == PNG[:8]


def test_upload_errors(prisma):
    assert upload(Api(prisma.url), ("a.txt", b"x", "text/plain")).status_code == 401
    empty = prisma.api("alice_fr").post(
        "/api/v1/attachments/upload", data={"metadata_0": "{}"}, files={"note": (None, "not a file")}
    )
    assert empty.status_code == 400
    assert (
        requests.get(prisma.url + "/api/v1/attachments/file/2026%2F01%2Fnope.png", timeout=5).status_code
        == 404
    )
    assert (
        requests.get(prisma.url + "/api/v1/attachments/file/..%2F..%2Fstack.json", timeout=5).status_code
        == 404
    )


def test_send_with_attachments_over_socket(prisma, peers):
    alice, bob = peers("alice_fr"), peers("bob_en")
    [att] = upload(prisma.api("alice_fr"), ("doc.pdf", b"%PDF-1.4 test", "application/pdf")).json()["data"][
        "attachments"
    ]
    ack = alice.call(
        "message:send-with-attachments",
        {"conversationId": TEST_CONV, "content": "see attached", "attachmentIds": [att["id"]]},
    )
    assert ack["success"] is True
    got = bob.wait("message:new", where=lambda m: m["id"] == ack["data"]["messageId"])
    assert [a["id"] for a in got["attachments"]] == [att["id"]]
    assert got["attachments"][0]["messageId"] == ack["data"]["messageId"]
    listed = prisma.api("bob_en").get(f"/api/v1/conversations/{TEST_CONV}/messages").json()["data"]
    assert (
        next(m for m in listed if m["id"] == ack["data"]["messageId"])["attachments"][0]["fileUrl"]
        == att["fileUrl"]
    )
    # Someone else's attachment is refused.
    stolen = bob.call(
        "message:send-with-attachments",
        {"conversationId": TEST_CONV, "content": "mine now", "attachmentIds": [att["id"]]},
    )
    assert stolen["success"] is False


def test_communities_list_get_members(prisma):
    alice = prisma.api("alice_fr")
    assert Api(prisma.url).get("/api/v1/communities").status_code == 401
    listed = alice.get("/api/v1/communities").json()
    assert [c["identifier"] for c in listed["data"]] == [TEST_COMMUNITY]
    community = listed["data"][0]
    assert "members" not in community and "memberCount" not in community
    assert community["creator"]["username"] == "admin" and community["isPrivate"] is True
    by_id = alice.get(f"/api/v1/communities/{community['id']}").json()["data"]
    by_identifier = alice.get(f"/api/v1/communities/{TEST_COMMUNITY}").json()["data"]
    assert by_id == by_identifier
    members = alice.get(f"/api/v1/communities/{TEST_COMMUNITY}/members").json()
    assert sorted(m["user"]["username"] for m in members["data"]) == ["admin", "alice_fr", "bob_en", "meeshy"]
    assert members["pagination"]["total"] == 4
    assert {m["role"] for m in members["data"]} == {"admin", "member"}
    assert prisma.api("carlos_es").get(f"/api/v1/communities/{TEST_COMMUNITY}").status_code == 403
    assert prisma.api("carlos_es").get("/api/v1/communities").json()["data"] == []
    assert alice.get("/api/v1/communities/mshy_no-such-thing").status_code == 404


def test_posting_in_a_community_conversation(prisma, peers):
    alice = prisma.api("alice_fr")
    convs = alice.get(f"/api/v1/communities/{TEST_COMMUNITY}/conversations").json()["data"]
    assert [c["identifier"] for c in convs] == ["mshy_meeshy-ops-test-community-general"]
    bob_peer = peers("bob_en")
    created = alice.post(
        "/api/v1/conversations",
        json={
            "type": "group",
            "title": "Community room",
            "communityId": str(prisma.ids["community"]),
            "participantIds": [str(prisma.ids["users"]["bob_en"])],
        },
    )
    assert created.status_code == 201
    conv = created.json()["data"]
    assert conv["communityId"] == str(prisma.ids["community"])
    alice_peer = peers("alice_fr")
    ack = alice_peer.call("message:send", {"conversationId": conv["id"], "content": "first post"})
    bob_peer.wait("message:new", where=lambda m: m["id"] == ack["data"]["messageId"])
    carlos = prisma.api("carlos_es").post(
        "/api/v1/conversations",
        json={
            "type": "group",
            "title": "x",
            "communityId": str(prisma.ids["community"]),
            "participantIds": [],
        },
    )
    assert carlos.status_code == 403
