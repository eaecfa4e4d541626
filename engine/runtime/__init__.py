"""ONNX Runtime sessions: provider choice CUDA -> CPU, self-test, threads."""

from engine.runtime.sessions import (
    ModelSession,
    available_providers,
    create_session,
    default_threads,
)

__all__ = ["ModelSession", "available_providers", "create_session", "default_threads"]
