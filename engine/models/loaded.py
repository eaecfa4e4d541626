"""What every loaded model shares: a verified entry, its session, its tokenizer."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.errors import EnclaveError
from engine.models.registry import ModelEntry, ModelRegistry, open_session
from engine.runtime import ModelSession


def load_tokenizer(folder: Path, max_length: int | None = None):
    """tokenizer.json without padding (callers pad per batch); truncated when max_length is set."""
    from tokenizers import Tokenizer

    path = Path(folder) / "tokenizer.json"
    if not path.is_file():
        raise EnclaveError(f"{folder}: no tokenizer.json")
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    if max_length:
        tok.enable_truncation(max_length=max_length)
    else:
        tok.no_truncation()
    return tok


class LoadedModel:
    """A verified model of task TASK with its ONNX Runtime session; one call at a time."""

    TASK = ""

    def __init__(self, entry: ModelEntry, device: str = "auto", threads: int | None = None):
        if entry.task != self.TASK or entry.manifest is None:
            raise EnclaveError(f"model {entry.id} is not a {self.TASK} model (task {entry.task})")
        self.model_id = entry.id
        self.model: ModelSession = open_session(entry, device, threads)
        self._inputs = {i.name for i in self.model.session.get_inputs()}
        self._lock = threading.Lock()

    @classmethod
    def from_registry(cls, data_dir: Path, model_id: str | None = None, device: str = "auto",
                      threads: int | None = None):
        """The named model, else the default for this task, loaded and verified."""
        entry = ModelRegistry(data_dir).load_for_task(cls.TASK, model_id)
        return cls(entry, device=device, threads=threads)

    @property
    def provider(self) -> str:
        """The provider the session really runs on."""
        return self.model.provider
