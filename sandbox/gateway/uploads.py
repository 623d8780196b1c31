"""Attachment upload and download (api-contract §5): multipart in, relative fileUrl, bytes back."""

from __future__ import annotations

import mimetypes
import re
import uuid
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import web

from sandbox.gateway import serialize
from sandbox.gateway.auth import current_user
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError
from sandbox.gateway.store import oid
from sandbox.shapes import now

FILE_ROUTE = "/api/v1/attachments/file/"
CHUNK = 256 * 1024


def _clean(name: str) -> tuple[str, str]:
    stem, ext = Path(name).stem, Path(name).suffix.lower()
    return re.sub(r"[^A-Za-z0-9_-]", "_", stem)[:80] or "file", re.sub(r"[^a-z0-9.]", "", ext)[:10]


def _category(mime: str) -> str:
    top = mime.split("/", 1)[0]
    return top if top in ("image", "audio", "video") else ("text" if top == "text" else "file")


async def upload(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    try:
        user = await current_user(request)
    except ApiError:
        raise ApiError(401, "Authentication required") from None
    if not request.content_type.startswith("multipart/"):
        raise ApiError(400, "No files provided")
    reader = await request.multipart()
    root: Path = gw.config.uploads_dir
    stored = []
    async for part in reader:
        if part.filename is None:  # text fields such as metadata_<i> are accepted and ignored
            await part.read()
            continue
        stem, ext = _clean(part.filename)
        t = now()
        relative = f"{t:%Y}/{t:%m}/{user['_id']}/{stem}_{uuid.uuid4().hex}{ext}"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with open(path, "wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                out.write(chunk)
                size += len(chunk)
        mime = (
            part.headers.get("Content-Type")
            or mimetypes.guess_type(part.filename)[0]
            or "application/octet-stream"
        )
        doc = gw.shape.new_attachment(
            fileName=path.name,
            originalName=part.filename,
            mimeType=mime,
            fileSize=size,
            filePath=f"attachments/{relative}",
            fileUrl=FILE_ROUTE + quote(relative, safe=""),
            uploadedBy=user["_id"],
        )
        await gw.store["MessageAttachment"].insert_one(doc)
        stored.append(doc)
    if not stored:
        raise ApiError(400, "No files provided")
    return web.json_response(
        {
            "success": True,
            "data": {
                "attachments": [{**serialize.attachment(d), "type": _category(d["mimeType"])} for d in stored]
            },
        }
    )


def _send(gw: Gateway, relative: str, mime: str | None) -> web.StreamResponse:
    root = gw.config.uploads_dir.resolve()
    path = (root / relative).resolve()
    if "uploads_not_served" in gw.faults or root not in path.parents or not path.is_file():
        raise ApiError(404, "File not found")
    response = web.FileResponse(path, headers={"Access-Control-Allow-Origin": "*"})
    if mime:
        response.content_type = mime
    return response


async def serve_file(request: web.Request) -> web.StreamResponse:
    """No auth (download.ts); Range is handled by aiohttp's FileResponse."""
    gw: Gateway = request.app["gw"]
    relative = unquote(request.match_info["path"])
    doc = await gw.store["MessageAttachment"].find_one({"fileUrl": FILE_ROUTE + quote(relative, safe="")})
    return _send(gw, relative, doc.get("mimeType") if doc else None)


async def serve_attachment(request: web.Request) -> web.StreamResponse:
    gw: Gateway = request.app["gw"]
    attachment_id = oid(request.match_info["attachmentId"])
    doc = await gw.store["MessageAttachment"].find_one({"_id": attachment_id}) if attachment_id else None
    if doc is None:
        raise ApiError(404, "Attachment not found")
    relative = (
        unquote(doc["fileUrl"][len(FILE_ROUTE) :]) if doc.get("fileUrl", "").startswith(FILE_ROUTE) else ""
    )
    response = _send(gw, relative, doc.get("mimeType"))
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


async def delete_attachment(request: web.Request) -> web.Response:
    """DELETE /attachments/:id (metadata.ts:108): the uploader removes the record and the file."""
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    attachment_id = oid(request.match_info["attachmentId"])
    doc = await gw.store["MessageAttachment"].find_one({"_id": attachment_id}) if attachment_id else None
    if doc is None:
        raise ApiError(404, "Attachment not found")
    if doc.get("uploadedBy") != user["_id"]:
        raise ApiError(403, "Only the uploader can delete this attachment")
    await gw.store["MessageAttachment"].delete_one({"_id": attachment_id})
    if doc.get("fileUrl", "").startswith(FILE_ROUTE):
        root = gw.config.uploads_dir.resolve()
        path = (root / unquote(doc["fileUrl"][len(FILE_ROUTE) :])).resolve()
        if root in path.parents:
            path.unlink(missing_ok=True)
    return web.json_response({"success": True, "data": {"message": "Attachment deleted"}})


def setup(app: web.Application) -> None:
    for prefix in ("/api/v1", "/api"):
        app.router.add_post(f"{prefix}/attachments/upload", upload)
    app.router.add_get(FILE_ROUTE + "{path:.+}", serve_file)
    app.router.add_get("/api/v1/attachments/{attachmentId}", serve_attachment)
    app.router.add_delete("/api/v1/attachments/{attachmentId}", delete_attachment)
