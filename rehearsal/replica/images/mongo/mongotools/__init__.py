"""Stand-ins for the MongoDB Database Tools and mongosh in the replica's mongo image (FerretDB behind)."""
