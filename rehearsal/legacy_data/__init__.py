"""A synthetic legacy Meeshy database with the shape of the real one (migration-spec §1): the 31
collections and their snapshot counts, the legacy field names and BSON types, the seed accounts
and conversations, realistic messiness, and one of each deliberate defect (``ANOMALY_NAMES``).

>>> summary = generate(pymongo.MongoClient(url)["legacy"], scale=0.1, seed=42)
>>> summary.anomalies["orphan_message"]
[('Message', ObjectId('...'))]
"""

from rehearsal.legacy_data.context import ANOMALY_NAMES
from rehearsal.legacy_data.counts import LEGACY_COUNTS, LEGACY_TOTAL, scaled_count
from rehearsal.legacy_data.dataset import LegacyDataset, build_dataset, iter_documents
from rehearsal.legacy_data.writer import GenerationSummary, generate

__all__ = [
    "ANOMALY_NAMES",
    "LEGACY_COUNTS",
    "LEGACY_TOTAL",
    "GenerationSummary",
    "LegacyDataset",
    "build_dataset",
    "generate",
    "iter_documents",
    "scaled_count",
]
