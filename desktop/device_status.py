"""What the status bar says about the device and models, from a doctor report.

The wording is a pure function (`describe_report`) so it is testable without a window;
`DeviceStatusLabel` only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

# Short names users know; the provider's full name stays in brackets because it is the
# truth the session reported, and what a bug report needs.
_PROVIDER_NAMES = {
    "CUDAExecutionProvider": "CUDA",
    "TensorrtExecutionProvider": "TensorRT",
    "CPUExecutionProvider": "CPU",
    "DmlExecutionProvider": "DirectML",
    "CoreMLExecutionProvider": "CoreML",
    "ROCMExecutionProvider": "ROCm",
    "OpenVINOExecutionProvider": "OpenVINO",
}
_EMBEDDING_TASKS = ("embedding", "embeddings", "feature-extraction", "sentence-similarity")
_GENERATION_TASKS = ("generation", "text-generation")


@dataclass(frozen=True)
class StatusText:
    """A status bar line and the tooltip that explains it."""

    text: str
    tooltip: str


def device_name(provider: str) -> str:
    """'CUDAExecutionProvider' -> 'CUDA'; unknown providers lose only the suffix."""
    if not provider:
        return "unknown"
    return _PROVIDER_NAMES.get(provider, provider.removesuffix("ExecutionProvider"))


def describe_report(report: Any) -> StatusText:
    """Status line for an `engine.api.DoctorReport`: device in use, models, embedder."""
    provider = report.provider_in_use or ""
    text = f"Device: {device_name(provider)}"
    if provider:
        text += f" ({provider})"
    tips = []
    if report.fallback_reason:
        text += " — GPU not in use (hover for why)"
        tips.append(f"Why not the GPU: {report.fallback_reason}")
    if report.providers_available:
        tips.append("Providers available: " + ", ".join(report.providers_available))
    tips.append(f"Data: {report.data_dir}")
    return StatusText(f"{text}   ·   {describe_models(report.models)}", "\n".join(tips))


def describe_models(models: tuple) -> str:
    """'3 models · generator smollm2… · embedder all-MiniLM-L6-v2', with a warning when some
    fail verification."""
    if not models:
        return "No models yet — run `enclave setup`"
    text = f"{len(models)} model{'s' if len(models) != 1 else ''}"
    broken = sum(1 for m in models if not m.verified)
    if broken:
        text += f" ({broken} failing verification)"
    def active(tasks: tuple[str, ...]):
        # The default is the one the workspaces use; older reports may lack `is_default`.
        found = [m for m in models if m.task.lower() in tasks and m.verified]
        found.sort(key=lambda m: not getattr(m, "is_default", False))
        return found[0] if found else None
    generator = active(_GENERATION_TASKS)
    if generator:
        text += f" · generator {generator.id}"
    embedder = active(_EMBEDDING_TASKS)
    text += f" · embedder {embedder.id}" if embedder else " · no embedder"
    return text


class DeviceStatusLabel(QLabel):
    """Status bar label: 'Checking device…', then the device really in use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_checking()

    def show_checking(self) -> None:
        """While the doctor job runs."""
        self._show(StatusText("Checking device…", "Asking ONNX Runtime which device it can use"))

    def show_report(self, report: Any) -> None:
        """The doctor's answer."""
        self._show(describe_report(report))

    def show_problem(self, text: str, detail: str) -> None:
        """The check failed or was cancelled; `detail` goes to the tooltip."""
        self._show(StatusText(text, detail))

    def _show(self, status: StatusText) -> None:
        self.setText(status.text)
        self.setToolTip(status.tooltip)
