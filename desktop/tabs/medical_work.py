"""Worker functions for the Medical tab (pool threads; never widgets)."""

from __future__ import annotations

from pathlib import Path


def triage(data_dir: Path, text: str, device: str, progress=None, cancelled=None):
    """(TriageResult, history run id)."""
    from engine.workspaces.medical.triage import triage_text

    result = triage_text(data_dir, text, device)
    return result, result.run_id


def recent(data_dir: Path, limit: int = 30, progress=None, cancelled=None) -> list:
    from engine.store import open_store

    with open_store(data_dir) as store:
        return [r for r in store.list_runs("medical", limit=limit) if r.kind == "triage"]
