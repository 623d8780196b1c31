"""Typed results of the steps and the migration commands: ``.ok``, and ``.to_json()``, the dict their
JSON reports and state files hold, key for key (their readers, the sign-off included, read those keys).

>>> report = migrate(source_url, target_url)
>>> report.ok, report.totals["rejected"], report.to_json()["totals"]
"""

from __future__ import annotations

from dataclasses import field, fields
from typing import Any, Self


def optional(default: Any = None) -> Any:
    """A field recorded only once it has a value: absent from ``to_json()`` while None."""
    return field(default=default, metadata={"optional": True})


class Result:
    """Mixed into a dataclass: its fields, in order, are its JSON."""

    @property
    def ok(self) -> bool:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)  # type: ignore[arg-type]
                if not (f.metadata.get("optional") and getattr(self, f.name) is None)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """The result a state file records (keys this version does not know are left out)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})  # type: ignore[arg-type]
