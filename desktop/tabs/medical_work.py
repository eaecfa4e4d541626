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


def feedback(data_dir: Path, run_id: int, level: str | None, progress=None, cancelled=None):
    """The clinician's verdict on a triage (level None: the shown level was right), stored
    with the run and as a labelled example: a FeedbackRecord."""
    from engine.workspaces.medical.retrain import record_triage_feedback

    return record_triage_feedback(data_dir, run_id, level)


def retrain(data_dir: Path, device: str, progress=None, cancelled=None):
    """Retrain the triage head on the labelled triages (a RetrainReport); the new version
    is used only if it beats the current one."""
    from engine.workspaces.medical.retrain import retrain_triage_head

    return retrain_triage_head(data_dir, device=device, progress=progress, cancelled=cancelled)
