"""What the History page runs and says, without a window.

Each store query is a function here (`load_history`, `export_runs_to_file`,
`delete_history_runs`, `purge_workspace_history`) that opens the store on a worker thread
and returns plain data; the wording helpers are pure, so tests check them without a window.
Nothing here imports Qt or engine.store at import time.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.errors import Cancelled, EnclaveError

# The page shows at most this many runs; search and filters reach the rest.
HISTORY_LIMIT = 500
EXPORT_SUFFIXES = {".md": "md", ".json": "json", ".csv": "csv"}
# Keys an output uses for its main text and for what it was grounded on, most likely first.
_TEXT_KEYS = ("answer", "text", "summary", "output", "response", "content")
_SOURCE_KEYS = ("sources", "citations")
_DETAIL_MAX_CHARS = 50_000  # a huge output is cut in the view (the export keeps it whole)

Progress = Callable[[float, str], None]
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class HistoryQuery:
    """What the page asks for; `seq` tells a stale answer from the latest."""

    seq: int
    text: str = ""
    workspace: str | None = None
    since: str | None = None  # ISO UTC; runs created at or after it


@dataclass(frozen=True)
class HistoryPageData:
    query: HistoryQuery
    runs: tuple  # RunRecord, newest first
    workspaces: tuple[str, ...]  # every workspace with a run, whatever the filters
    truncated: bool  # more runs match than HISTORY_LIMIT


# -- work for the pool threads (no widgets here) ------------------------------------------
def open_store(data_dir: Path):
    """engine.store.open_store, imported on first use: sqlite-utils costs about 0.25 s to
    import, which would delay the window's first paint."""
    from engine.store import open_store as open_engine_store

    return open_engine_store(data_dir)


def load_history(data_dir: Path, query: HistoryQuery, *, progress: Progress,
                 cancelled: IsCancelled) -> HistoryPageData:
    """Runs matching `query`, newest first, plus the workspaces that have runs."""
    with open_store(data_dir) as store:
        workspaces = tuple(store.workspaces())
        if query.text.strip():
            runs = store.search_runs(query.text, query.workspace, limit=HISTORY_LIMIT + 1)
            runs.sort(key=lambda r: r.id, reverse=True)  # the table is newest first
        else:
            runs = store.list_runs(query.workspace, limit=HISTORY_LIMIT + 1)
    if query.since:
        runs = [r for r in runs if r.created >= query.since]
    return HistoryPageData(query, tuple(runs[:HISTORY_LIMIT]), workspaces,
                           len(runs) > HISTORY_LIMIT)


def export_runs_to_file(data_dir: Path, run_ids: list[int], path: Path, *, progress: Progress,
                        cancelled: IsCancelled) -> str:
    """Write the runs to `path` (format from its suffix), atomically; returns the path."""
    path = Path(path)
    fmt = EXPORT_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise EnclaveError(f"cannot export to {path.name}: use a .md, .json or .csv file")
    progress(0.1, f"reading {len(run_ids)} runs")
    with open_store(data_dir) as store:
        text = store.export_runs(fmt, run_ids=list(run_ids))
    if cancelled():
        raise Cancelled("export cancelled")
    progress(0.6, f"writing {path.name}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a file
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EnclaveError(f"cannot write {path}: {exc.strerror or exc}") from None
    progress(1.0, f"exported to {path}")
    return str(path)


def delete_history_runs(data_dir: Path, run_ids: list[int], *, progress: Progress,
                        cancelled: IsCancelled) -> int:
    """Delete the runs; returns how many went."""
    with open_store(data_dir) as store:
        return store.delete_runs(list(run_ids))


def purge_workspace_history(data_dir: Path, workspace: str, *, progress: Progress,
                            cancelled: IsCancelled) -> int:
    """Delete every run of one workspace; returns how many went."""
    with open_store(data_dir) as store:
        return store.purge_runs(workspace)


# -- wording (pure, testable without a window) --------------------------------------------
def workspace_label(name: str) -> str:
    """'bi' -> 'BI', 'research' -> 'Research'."""
    return name.upper() if len(name) <= 2 else name.capitalize()


def format_when(created: str, now: datetime | None = None) -> str:
    """An ISO UTC timestamp as local time a person reads at a glance ('Today 14:03')."""
    try:
        when = datetime.fromisoformat(created).astimezone()
    except (TypeError, ValueError):
        return created or "—"
    now = (now or datetime.now(UTC)).astimezone()
    days = (now.date() - when.date()).days
    if days == 0:
        return f"Today {when:%H:%M}"
    if days == 1:
        return f"Yesterday {when:%H:%M}"
    if when.year == now.year:
        return f"{when.day} {when:%b}, {when:%H:%M}"
    return f"{when.day} {when:%b %Y}, {when:%H:%M}"


def since_for(days: int | None, now: datetime | None = None) -> str | None:
    """The ISO UTC start of a date range: 0 = since local midnight, N = the last N days."""
    if days is None:
        return None
    local_now = (now or datetime.now(UTC)).astimezone()
    start = (local_now.replace(hour=0, minute=0, second=0, microsecond=0) if days == 0
             else local_now - timedelta(days=days))
    return start.astimezone(UTC).isoformat(timespec="milliseconds")


def first_line(text: str, limit: int = 160) -> str:
    line = next((s.strip() for s in (text or "").splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _main_text(output: Any) -> str | None:
    if isinstance(output, str):
        return output
    if isinstance(output, dict):
        return next((output[k] for k in _TEXT_KEYS if isinstance(output.get(k), str)), None)
    return None


def _sources(output: Any) -> list:
    if not isinstance(output, dict):
        return []
    return next((output[k] for k in _SOURCE_KEYS if isinstance(output.get(k), list)), [])


def _source_html(source: Any) -> str:
    if not isinstance(source, dict):
        return html.escape(str(source))
    title = next((str(source[k]) for k in ("title", "name", "document", "doc", "source", "path",
                                            "file", "url") if source.get(k)), "source")
    where = ", ".join(f"{k} {source[k]}" for k in ("page", "chunk", "score") if k in source)
    snippet = next((str(source[k]) for k in ("text", "snippet", "quote", "excerpt")
                    if source.get(k)), "")
    out = f"<b>{html.escape(title)}</b>"
    if where:
        out += f" ({html.escape(where)})"
    if snippet:
        out += f"<br>{html.escape(first_line(snippet, 300))}"
    return out


def _timings_text(timings: Any) -> str:
    if not isinstance(timings, dict) or not timings:
        return "—"
    parts = []
    for key, value in timings.items():
        if key.endswith("_s") and isinstance(value, (int, float)):
            parts.append(f"{key.removesuffix('_s').replace('_', ' ')} {value:.2f} s")
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return " · ".join(parts)


def _block(text: str, code: bool = False) -> str:
    """Text keeping its line breaks: prose in the body font, JSON in a fixed one."""
    if len(text) > _DETAIL_MAX_CHARS:
        text = text[:_DETAIL_MAX_CHARS] + "\n… (cut here; export the run to see all of it)"
    tag = "pre" if code else "p"
    return f'<{tag} style="white-space: pre-wrap;">{html.escape(text)}</{tag}>'


def run_detail_html(run: Any) -> str:
    """The opened run: meta, input, output (main text, sources, full JSON)."""
    # device_status holds the provider names but also a QLabel: imported here, not at the
    # top, so that importing this module does not import Qt.
    from desktop.device_status import device_name

    device = f"{device_name(run.provider)} ({run.provider})" if run.provider else "—"
    meta = [("When", f"{format_when(run.created)} ({run.created})"),
            ("Status", run.status), ("Model", run.model_id or "—"), ("Device", device),
            ("Timings", _timings_text(run.timings))]
    if run.feedback is not None:
        meta.append(("Feedback", "helpful" if run.feedback > 0 else "not helpful"))
    parts = [f"<h3>Run {run.id} · {html.escape(workspace_label(run.workspace))} / "
             f"{html.escape(run.kind)}</h3>", "<table cellspacing='0' cellpadding='2'>"]
    parts += [f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{html.escape(str(v))}</td></tr>"
              for k, v in meta]
    parts += ["</table>", "<h4>Input</h4>", _block(run.input or "")]
    text = _main_text(run.output)
    if text is not None:
        parts += ["<h4>Output</h4>", _block(text)]
    sources = _sources(run.output)
    if sources:
        parts += [f"<h4>Sources ({len(sources)})</h4>", "<ol>"]
        parts += [f"<li>{_source_html(s)}</li>" for s in sources]
        parts.append("</ol>")
    # The whole output when it holds more than the text and sources shown above.
    shown = 1 if text is not None else 0
    shown += 1 if sources else 0
    if not isinstance(run.output, str) and (
            not isinstance(run.output, dict) or len(run.output) > shown):
        parts += ["<h4>Full output</h4>",
                  _block(json.dumps(run.output, indent=2, ensure_ascii=False), code=True)]
    return "\n".join(parts)
