"""Fixtures of the transform unit tests: the target schema (parsed once), fresh Derived values and a
fresh Pipeline per test. No database."""

from __future__ import annotations

import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Schema, load_schema
from ops.migration.transforms import Derived


@pytest.fixture(scope="session")
def schema() -> Schema:
    return load_schema(DEFAULT_SCHEMA_PATH)


@pytest.fixture
def derived(schema: Schema) -> Derived:
    return Derived(schema)


@pytest.fixture
def pipeline(schema: Schema, derived: Derived) -> Pipeline:
    return Pipeline(schema, derived)
