"""The one place that builds ONNX Runtime sessions.

Provider truth comes from the session: we ask for CUDA then CPU, run a tiny self-test
inference and read `session.get_providers()`. `onnxruntime-gpu` lists CUDA as available
even on a machine with no GPU and then silently runs on the CPU, so
`get_available_providers()` is only a hint, never the answer.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import DeviceUnavailable, EnclaveError

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"

_ORT_TYPES = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


@dataclass
class ModelSession:
    """An InferenceSession plus the truth about where it runs."""

    session: object  # onnxruntime.InferenceSession
    provider: str  # session.get_providers()[0] after the self-test
    requested: str  # auto | cuda | cpu
    fallback_reason: str | None  # why CUDA is not in use, when it was wanted
    threads: int

    @property
    def device(self) -> str:
        return "cuda" if self.provider == CUDA else "cpu"

    def run(self, output_names, feeds):
        return self.session.run(output_names, feeds)


def available_providers() -> list[str]:
    """Providers this onnxruntime build offers (a hint only: see module docstring)."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


_cuda_libraries_loaded = False


def load_cuda_libraries() -> None:
    """Load the CUDA/cuDNN libraries that pip's nvidia-* packages install, once.

    onnxruntime-gpu links libcudart/libcublas dynamically and does not look inside
    site-packages/nvidia by itself (only after `import torch`, which we never do at run
    time); its own `preload_dlls` does. Its messages go to stdout, which the command
    line keeps for JSON, so they are sent to the log instead."""
    global _cuda_libraries_loaded
    if _cuda_libraries_loaded:
        return
    _cuda_libraries_loaded = True
    import contextlib
    import io

    import onnxruntime as ort

    preload = getattr(ort, "preload_dlls", None)
    if preload is None:
        return
    messages = io.StringIO()
    try:
        with contextlib.redirect_stdout(messages):
            preload()
    except Exception as exc:  # a missing library shows up as the CUDA session's own error
        log.info("preloading CUDA libraries failed: %s", exc)
    if messages.getvalue().strip():
        log.info("preloading CUDA libraries: %s", messages.getvalue().strip())


def default_threads() -> int:
    """ENCLAVE_THREADS when set (`--threads`, settings), else the physical core count.

    Physical, not logical: hyper-threads slow ORT's intra-op pool down rather than up.
    """
    configured = os.environ.get("ENCLAVE_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover - psutil is a dependency
        cores = None
    return max(1, cores or os.cpu_count() or 1)


def _session_options(threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return opts


def _dim(d) -> int:
    """A concrete size for a graph dimension: every symbol is 1, so a sum of symbols
    (KV-cache models: "past_sequence_length + sequence_length") stays consistent."""
    if isinstance(d, int) and d > 0:
        return d
    if isinstance(d, str) and "+" in d:
        return sum(_dim(part.strip()) for part in d.split("+"))
    return 1


def self_test_feeds(session) -> dict[str, np.ndarray]:
    """Small valid inputs for any graph: every dynamic dimension symbol set to 1."""
    feeds = {}
    for inp in session.get_inputs():
        dtype = _ORT_TYPES.get(inp.type)
        if dtype is None:
            raise EnclaveError(f"model input {inp.name!r} has unsupported type {inp.type}")
        shape = [_dim(d) for d in inp.shape]
        arr = np.zeros(shape, dtype=dtype)
        if "mask" in inp.name:
            arr = np.ones(shape, dtype=dtype)
        feeds[inp.name] = arr
    return feeds


def _self_test(session) -> None:
    outputs = session.run(None, self_test_feeds(session))
    for out in outputs:
        if isinstance(out, np.ndarray) and out.dtype.kind == "f" and not np.isfinite(out).all():
            raise RuntimeError("self-test produced non-finite values")


def _build(path: str, providers: list, threads: int, self_test: bool,
           disabled_optimizers: tuple[str, ...] = ()):
    import onnxruntime as ort

    with warnings.catch_warnings():
        # ORT warns (and ignores) when asked for a provider its build lacks; we check below.
        warnings.simplefilter("ignore", UserWarning)
        session = ort.InferenceSession(path, sess_options=_session_options(threads),
                                       providers=providers,
                                       disabled_optimizers=list(disabled_optimizers) or None)
    if self_test:
        _self_test(session)
    return session


def create_session(
    model_path: str | os.PathLike,
    device: str = "auto",
    threads: int | None = None,
    self_test: bool = True,
    disabled_optimizers: tuple[str, ...] = (),
) -> ModelSession:
    """Build an InferenceSession for `model_path` on `device` ("auto" | "cuda" | "cpu").

    auto: try CUDA (creation + self-test + provider check), fall back to CPU and record
    why. cuda: raise DeviceUnavailable with the reason. cpu: never touch CUDA.
    `disabled_optimizers` names ORT graph fusions a model's manifest asks to skip.
    """
    disabled = tuple(disabled_optimizers)
    path = str(model_path)
    if not Path(path).is_file():
        raise EnclaveError(f"ONNX model file not found: {path}")
    if device not in ("auto", "cuda", "cpu"):
        raise EnclaveError(f"unknown device {device!r}: use auto, cuda or cpu")
    threads = threads or default_threads()

    reason = None
    if device in ("auto", "cuda"):
        if CUDA not in available_providers():
            reason = "this onnxruntime build has no CUDA provider (install onnxruntime-gpu)"
        else:
            try:
                load_cuda_libraries()
                session = _build(path, [CUDA, CPU], threads, self_test, disabled)
                in_use = session.get_providers()[0]
                if in_use == CUDA:
                    return ModelSession(session, CUDA, device, None, threads)
                reason = f"CUDA was requested but the session runs on {in_use} (no usable GPU)"
            except Exception as exc:  # ORT raises plain RuntimeError/Fail for CUDA trouble
                reason = f"CUDA session failed: {str(exc).splitlines()[0][:300]}"
        if device == "cuda":
            raise DeviceUnavailable(f"--device cuda cannot run: {reason}")
        log.info("falling back to CPU: %s", reason)

    try:
        session = _build(path, [CPU], threads, self_test, disabled)
    except Exception as exc:
        raise EnclaveError(f"cannot load ONNX model {path}: {str(exc).splitlines()[0][:300]}") from None
    return ModelSession(session, session.get_providers()[0], device, reason, threads)
