"""Sentence embeddings through ONNX Runtime only (no torch): tokenizers + numpy + ORT."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from engine.errors import Cancelled
from engine.models.loaded import LoadedModel, load_tokenizer
from engine.models.registry import ModelEntry

DEFAULT_BATCH = 32


class Embedder(LoadedModel):
    """A loaded, verified embedding model. `embed()` is safe to call from one thread at a time."""

    TASK = "embedding"

    def __init__(self, entry: ModelEntry, device: str = "auto", threads: int | None = None):
        super().__init__(entry, device, threads)
        extra = entry.manifest.extra
        self.dim = int(extra.get("dim", 384))
        self.normalize = bool(extra.get("normalize", True))
        self.pad_id = int(extra.get("pad_token_id", 0))
        # truncated like sentence-transformers; padded per batch after sorting by length
        self.tokenizer = load_tokenizer(entry.path, int(extra.get("max_length", 256)))

    def _batch_feeds(self, encodings) -> dict[str, np.ndarray]:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds

    def embed(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH,
              progress: Callable[[float, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """Embed `texts` into a float32 array (n, dim), L2-normalised, in input order.

        Texts are sorted by token length before batching so each batch pads little;
        the result comes back in the caller's order.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings, not one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            encodings = self.tokenizer.encode_batch([t if t else " " for t in texts])
            order = np.argsort([len(e.ids) for e in encodings], kind="stable")
            for start in range(0, len(order), batch_size):
                if cancelled and cancelled():
                    raise Cancelled("embedding cancelled")
                idx = order[start : start + batch_size]
                feeds = self._batch_feeds([encodings[i] for i in idx])
                hidden = self.model.run(None, feeds)[0]
                out[idx] = mean_pool(hidden, feeds["attention_mask"], self.normalize)
                if progress:
                    progress(min(1.0, (start + len(idx)) / len(order)), "embedding")
        return out


def mean_pool(hidden: np.ndarray, mask: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Mean of the token vectors under the attention mask, optionally L2-normalised."""
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    if normalize:
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32)


_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(data_dir: Path, model_id: str | None = None, device: str = "auto") -> Embedder:
    """A process-wide cached Embedder (loading verifies checksums and builds a session)."""
    key = (str(data_dir), model_id, device)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Embedder.from_registry(Path(data_dir), model_id, device)
        return _cache[key]


def embed(texts: Sequence[str], *, data_dir: Path, model_id: str | None = None,
          device: str = "auto", batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Embed texts with the default (or named) embedding model: float32 (n, dim), L2-normalised."""
    return get_embedder(data_dir, model_id, device).embed(texts, batch_size=batch_size)
