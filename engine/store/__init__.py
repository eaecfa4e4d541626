"""The one module that owns Enclave's SQLite store."""

from engine.store.db import SCHEMA_VERSION, Store, open_store

__all__ = ["SCHEMA_VERSION", "Store", "open_store"]
