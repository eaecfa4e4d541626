"""`enclave bench startup`: cold start to the first painted window, and GUI responsiveness.

Each measurement is a fresh `python -m desktop.startup_probe` process (the engine never
imports Qt; it only starts the probe). Reported: the median time from process start to
the window's first paint, what each import costs, whether torch was loaded (it must not
be), and, while a generation streams in a background job, the worst lateness of a 20 ms
QTimer heartbeat on the GUI thread.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import EnclaveError

TARGET = {"first_paint_s": 1.0, "worst_late_ms": 50.0}
REPO_ROOT = Path(__file__).resolve().parents[2]


def probe(data_dir: Path, generate_tokens: int = 0, timeout_s: float = 300) -> dict:
    """One fresh process; returns its JSON report plus the parent-side wall time."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = [sys.executable, "-m", "desktop.startup_probe", str(data_dir)]
    if generate_tokens:
        args += ["--generate", str(generate_tokens)]
    started = time.perf_counter()
    env["ENCLAVE_PROBE_T0"] = repr(time.time())
    proc = subprocess.run(args, capture_output=True, text=True, cwd=REPO_ROOT, env=env,
                          timeout=timeout_s)
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnclaveError(f"startup probe failed ({proc.returncode}): {tail}")
    report = json.loads(lines[-1])
    report["process_wall_s"] = round(wall, 4)
    return report


def run_startup_bench(data_dir: Path, repeats: int = 7, generate_tokens: int = 128,
                      out_dir: Path | None = None,
                      progress: Callable[[float, str], None] | None = None) -> dict:
    progress = progress or (lambda f, m: None)
    if repeats < 1:
        raise EnclaveError("--repeats must be at least 1")
    runs = []
    for i in range(repeats):
        progress(i / (repeats + 1), f"cold start {i + 1}/{repeats}")
        runs.append(probe(data_dir))
    responsiveness = None
    if generate_tokens:
        progress(repeats / (repeats + 1), f"streaming {generate_tokens} tokens with the window open")
        responsiveness = probe(data_dir, generate_tokens)
    imports = {name: round(statistics.median(r["imports_s"][name] for r in runs), 4)
               for name in runs[0]["imports_s"]}
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.system()}, Qt platform "
                   f"{os.environ.get('QT_QPA_PLATFORM') or ('xcb/wayland' if os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY') else 'offscreen')}",
        "repeats": repeats,
        "first_paint_s": round(statistics.median(r["first_paint_s"] for r in runs), 4),
        "first_paint_s_all": [r["first_paint_s"] for r in runs],
        "window_build_s": round(statistics.median(r["window_build_s"] for r in runs), 4),
        "imports_s": imports,
        "torch_loaded": any(r["torch_loaded"] for r in runs),
        "transformers_loaded": any(r["transformers_loaded"] for r in runs),
        "responsiveness": responsiveness,
        "target": TARGET,
    }
    result["table"] = _table(result)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "startup.json").write_text(json.dumps({k: v for k, v in result.items() if k != "table"},
                                                         indent=2), encoding="utf-8")
        (out_dir / "startup.md").write_text(result["table"] + "\n", encoding="utf-8")
    progress(1.0, "done")
    return result


def _table(r: dict) -> str:
    lines = [
        "# bench startup — cold start to the first painted window, and GUI responsiveness",
        "",
        f"Machine: {r['machine']}. {r['repeats']} fresh processes; medians. "
        "Time is from spawning the process to the main window's first "
        "paint event, embedded models installed; the device check starts after the paint.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| first paint (median) | {r['first_paint_s'] * 1000:.0f} ms |",
        f"| window construction | {r['window_build_s'] * 1000:.0f} ms |",
    ]
    for name, seconds in r["imports_s"].items():
        lines.append(f"| import {name} | {seconds * 1000:.0f} ms |")
    lines.append(f"| torch / transformers loaded at first paint | "
                 f"{'yes' if r['torch_loaded'] else 'no'} / {'yes' if r['transformers_loaded'] else 'no'} |")
    resp = r.get("responsiveness")
    if resp:
        gen = resp.get("generation", {})
        lines.append(f"| worst heartbeat lateness while loading the generator | "
                     f"{resp.get('worst_late_loading_ms', float('nan')):.1f} ms |")
        lines.append(f"| worst heartbeat lateness while streaming {gen.get('new_tokens', '?')} tokens "
                     f"({gen.get('tokens_per_s', '?')} tok/s) | {resp.get('worst_late_streaming_ms', float('nan')):.1f} ms |")
    met_paint = r["first_paint_s"] <= TARGET["first_paint_s"]
    late = (resp or {}).get("worst_late_ms")
    lines += ["", f"Targets: first paint ≤ {TARGET['first_paint_s']:.1f} s: "
              f"{r['first_paint_s']:.2f} s — {'MET' if met_paint else 'NOT MET'}; worst lateness ≤ "
              f"{TARGET['worst_late_ms']:.0f} ms: "
              + (f"{late:.1f} ms — {'MET' if late <= TARGET['worst_late_ms'] else 'NOT MET'}"
                 if late is not None else "not measured")
              + ". All first paints (s): " + ", ".join(f"{v:.2f}" for v in r["first_paint_s_all"])]
    return "\n".join(lines)
