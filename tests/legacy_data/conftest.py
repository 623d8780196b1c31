"""Materialized legacy datasets (no database), built once per session and scale."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bson import ObjectId

from rehearsal.legacy_data import build_dataset


@dataclass
class Materialized:
    scale: float
    docs: dict[str, list[dict]]
    anomalies: dict[str, list[tuple[str, ObjectId]]]
    cases: dict[str, list[tuple[str, ObjectId]]]

    @property
    def anomaly_ids(self) -> set[ObjectId]:
        return {oid for refs in self.anomalies.values() for _, oid in refs}

    def ids(self, collection: str, valid_only: bool = True) -> set[ObjectId]:
        skip = self.anomaly_ids if valid_only else set()
        return {d["_id"] for d in self.docs[collection] if d["_id"] not in skip}

    def valid(self, collection: str) -> list[dict]:
        skip = self.anomaly_ids
        return [d for d in self.docs[collection] if d["_id"] not in skip]

    def one(self, anomaly: str) -> dict:
        ((collection, oid),) = self.anomalies[anomaly]
        return next(d for d in self.docs[collection] if d["_id"] == oid)


_cache: dict[float, Materialized] = {}


def materialize(scale: float, seed: int = 42) -> Materialized:
    if (scale, seed) not in _cache:
        dataset = build_dataset(scale, seed)
        docs = {name: list(items) for name, items in dataset.collections()}
        _cache[(scale, seed)] = Materialized(scale, docs, dataset.anomalies, dataset.cases)
    return _cache[(scale, seed)]


@pytest.fixture(params=[0.01, 0.1, 1.0], ids=lambda s: f"scale{s:g}")
def data(request: pytest.FixtureRequest) -> Materialized:
    return materialize(request.param)


@pytest.fixture
def full() -> Materialized:
    return materialize(1.0)
