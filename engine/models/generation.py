"""Text generation through ONNX Runtime only (no torch): tokenizers + numpy + jinja2 + ORT.

A causal LM exported by optimum with KV cache takes input_ids, attention_mask,
position_ids and past_key_values.* and returns logits and present.*; we feed the
presents back as the next step's past. The chat template is the model's own, rendered
in a sandboxed Jinja environment (a template is data, never trusted code).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.errors import EnclaveError
from engine.models.loaded import LoadedModel, load_tokenizer
from engine.models.registry import ModelEntry


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    new_tokens: int = 0
    ttft_s: float = 0.0
    decode_tokens_per_s: float = 0.0
    total_s: float = 0.0
    stopped_by: str = ""  # eos | stop | length | cancelled
    provider: str = ""


@dataclass
class GenerationResult:
    text: str
    stats: GenerationStats
    model: str
    pieces: list[str] = field(default_factory=list)


class Generator(LoadedModel):
    """A loaded, verified causal LM. One generation at a time per instance."""

    TASK = "generation"

    def __init__(self, entry: ModelEntry, device: str = "auto", threads: int | None = None):
        super().__init__(entry, device, threads)
        extra = entry.manifest.extra
        self.tokenizer = load_tokenizer(entry.path)
        template = entry.path / "chat_template.jinja"
        self.chat_template = template.read_text(encoding="utf-8") if template.is_file() else None
        self.context_window = int(extra.get("context_window", 2048))
        self.num_layers = int(extra["num_layers"])
        self.num_kv_heads = int(extra["num_kv_heads"])
        self.head_dim = int(extra["head_dim"])
        eos = extra.get("eos_token_id")
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        self._outputs = [o.name for o in self.model.session.get_outputs()]

    def render(self, messages: list[dict]) -> str:
        """The prompt text for chat `messages`, by the model's own chat template."""
        if not self.chat_template:
            return "\n".join(m["content"] for m in messages) + "\n"
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=False, lstrip_blocks=False)
        return env.from_string(self.chat_template).render(messages=messages,
                                                          add_generation_prompt=True)

    def stream(self, messages: list[dict], settings: GenerationSettings = GenerationSettings(),
               cancelled: Callable[[], bool] | None = None,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield text pieces as they are decoded; `stats` is filled in as it goes."""
        if not messages or not any(str(m.get("content", "")).strip() for m in messages):
            raise EnclaveError("empty prompt: nothing to answer")
        stats = stats if stats is not None else GenerationStats()
        stats.provider = self.provider
        prompt_ids = self.tokenizer.encode(self.render(messages), add_special_tokens=False).ids
        budget = self.context_window - settings.max_new_tokens
        if len(prompt_ids) > budget:
            raise EnclaveError(f"prompt of {len(prompt_ids)} tokens does not fit the context window "
                               f"({self.context_window} tokens, {settings.max_new_tokens} kept for the answer)")
        stats.prompt_tokens = len(prompt_ids)
        rng = np.random.default_rng(settings.seed)
        with self._lock:
            yield from self._decode_loop(prompt_ids, settings, rng, cancelled, stats)

    def _decode_loop(self, prompt_ids, settings, rng, cancelled, stats) -> Iterator[str]:
        past = {f"past_key_values.{i}.{kind}": np.zeros((1, self.num_kv_heads, 0, self.head_dim),
                                                         dtype=np.float32)
                for i in range(self.num_layers) for kind in ("key", "value")}
        generated: list[int] = []
        emitted = ""
        step_ids = prompt_ids
        position = 0
        started = time.perf_counter()
        first_token_at = None
        stats.stopped_by = "length"
        for _ in range(settings.max_new_tokens):
            if cancelled and cancelled():
                stats.stopped_by = "cancelled"
                break
            n = len(step_ids)
            feeds = {"input_ids": np.asarray([step_ids], dtype=np.int64),
                     "attention_mask": np.ones((1, position + n), dtype=np.int64)}
            if "position_ids" in self._inputs:
                feeds["position_ids"] = np.arange(position, position + n, dtype=np.int64)[None]
            feeds.update(past)
            outputs = dict(zip(self._outputs, self.model.run(self._outputs, feeds), strict=True))
            for name in past:
                past[name] = outputs[name.replace("past_key_values", "present")]
            position += n
            token = self._pick(outputs["logits"][0, -1], generated + prompt_ids, settings, rng)
            if first_token_at is None:
                first_token_at = time.perf_counter()
                stats.ttft_s = first_token_at - started
            if token in self.eos_ids:
                stats.stopped_by = "eos"
                break
            generated.append(token)
            stats.new_tokens = len(generated)
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            hit = next((s for s in settings.stop if s in text), None)
            if hit:
                text = text[: text.index(hit)]
            # A multi-byte character split across tokens decodes to U+FFFD until complete.
            if not text.endswith("\ufffd") and len(text) > len(emitted) and text.startswith(emitted):
                yield text[len(emitted):]
                emitted = text
            if hit:
                stats.stopped_by = "stop"
                break
            step_ids = [token]
        stats.total_s = time.perf_counter() - started
        decode_time = stats.total_s - stats.ttft_s
        stats.decode_tokens_per_s = (max(stats.new_tokens - 1, 0) / decode_time) if decode_time > 0 else 0.0

    @staticmethod
    def _pick(logits: np.ndarray, seen: list[int], settings: GenerationSettings, rng) -> int:
        logits = logits.astype(np.float64)
        if settings.repetition_penalty != 1.0 and seen:
            idx = np.unique(seen)
            vals = logits[idx]
            logits[idx] = np.where(vals > 0, vals / settings.repetition_penalty,
                                   vals * settings.repetition_penalty)
        if settings.temperature <= 0:
            return int(logits.argmax())
        logits = logits / settings.temperature
        if settings.top_k > 0:
            kth = np.partition(logits, -settings.top_k)[-settings.top_k]
            logits[logits < kth] = -np.inf
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        if settings.top_p < 1.0:
            order = np.argsort(-probs)
            cumulative = np.cumsum(probs[order])
            keep = order[: int(np.searchsorted(cumulative, settings.top_p) + 1)]
            mask = np.zeros_like(probs)
            mask[keep] = probs[keep]
            probs = mask / mask.sum()
        return int(rng.choice(len(probs), p=probs))

    def generate(self, messages: list[dict], settings: GenerationSettings = GenerationSettings(),
                 cancelled: Callable[[], bool] | None = None,
                 on_piece: Callable[[str], None] | None = None) -> GenerationResult:
        """Run to the end (or cancel) and return the text with its stats."""
        stats = GenerationStats()
        pieces = []
        for piece in self.stream(messages, settings, cancelled, stats):
            pieces.append(piece)
            if on_piece:
                on_piece(piece)
        # A cancelled run keeps its partial text; stats.stopped_by says "cancelled".
        return GenerationResult("".join(pieces), stats, self.model_id, pieces)
