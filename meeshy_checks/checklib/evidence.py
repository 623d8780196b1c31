"""Attachments for the Allure report."""

from __future__ import annotations

import json

import allure


def attach_json(name: str, value: object) -> None:
    allure.attach(json.dumps(value, indent=2, default=str), name, allure.attachment_type.JSON)


def attach_text(name: str, text: str, markdown: bool = False) -> None:
    kind = allure.attachment_type.TEXT
    allure.attach(text, name, kind, extension="md" if markdown else None)
