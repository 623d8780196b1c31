"""Secrets: the one type that holds a secret value, and the one masker that keeps them out of text.

A ``Secret`` shows ``********`` when printed, logged or formatted; only ``.reveal()`` gives the value,
at the place it is sent. A ``Masker`` replaces, in any text, the secret values it was given and
everything that has the shape of a credential whoever holds it: a password inside a URL, a secret
option of a URL's query, a JWT, ``password=…`` / ``token: …``. The host's error messages, the suites'
failure texts, the sign-off page and every URL a report names pass through it.

>>> masker = Masker([Secret("hunter2")])
>>> masker.mask("login hunter2 via mongodb://ops:pw@db/x")
'login ******** via mongodb://ops:********@db/x'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "********"
JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/@:]*:)[^\s/]+@")  # scheme://user:PASSWORD@ (@ in it too)
# Query options whose value is a secret: password=, tlsCertificateKeyFilePassword=, a token or a
# secret in authMechanismProperties (AWS_SESSION_TOKEN:…).
URL_SECRET_OPTION = re.compile(
    r"(?i)([?&;][^=&;#\s]*(?:password|secret|token|authmechanismproperties)[^=&;#\s]*=)[^&;#\s]*")
# ``password=x`` / ``token: x`` in free text; a value masked already is left alone.
ASSIGNMENT = re.compile(r"(?i)(password|secret|token|passwd|api[_-]?key)(\s*[=:]\s*)(?!\*{8})\S+")
# Keys of an operator's .env whose values are secrets.
SECRET_KEY = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY|_USERS|CREDENTIALS|DATABASE_URL|REDIS_URL", re.I)


class Secret:
    """A string that never shows itself: ``str``, ``repr`` and ``format`` all give the mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self):  # pickling would be a way to print it; refuse
        raise TypeError("a Secret cannot be pickled")


class Masker:
    """Masks the secret values it holds (added as they become known) and every credential-shaped string."""

    def __init__(self, values: Iterable[str | Secret] = ()) -> None:
        self.values: tuple[str, ...] = ()
        for value in values:
            self.add(value)

    def add(self, value: str | Secret) -> None:
        value = value.reveal() if isinstance(value, Secret) else value
        if value and value not in self.values:
            self.values = (*self.values, value)

    def mask(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):  # a value inside a longer one: the longer first
            text = text.replace(value, MASK)
        text = URL_PASSWORD.sub(rf"\1{MASK}@", text)
        text = URL_SECRET_OPTION.sub(rf"\1{MASK}", text)
        text = JWT.sub(MASK, text)
        return ASSIGNMENT.sub(rf"\1\2{MASK}", text)


def redact_url(url: str) -> str:
    """``mongodb://user:secret@host/db?tlsCertificateKeyFilePassword=x`` → ``mongodb://user:********@host/db?…=********``."""
    return Masker().mask(url)
