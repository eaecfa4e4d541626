"""Text generation through ONNX Runtime only (no torch): tokenizers + numpy + jinja2 + ORT.

Two graph layouts (manifest extra "layout"):
- "gqa-shared-kv" (engine.models.lean_graph): GroupQueryAttention over one KV buffer per
  layer, sized for the answer and bound through IO binding as both past and present, so
  the cache is written in place and, on CUDA, never leaves the GPU.
- "optimum-concat-kv" (optimum's export, e.g. GPT-2): past_key_values.* in, present.* out,
  the presents fed back as the next step's past.
The chat template is the model's own, rendered in a sandboxed Jinja environment (a
template is data, never trusted code).
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
    ignore_eos: bool = False  # benchmarks: always exactly max_new_tokens


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    new_tokens: int = 0
    ttft_s: float = 0.0
    decode_tokens_per_s: float = 0.0
    total_s: float = 0.0
    stopped_by: str = ""  # eos | stop | length | cancelled
    provider: str = ""
    dropped_messages: int = 0  # oldest turns left out to fit the context window
    notice: str = ""


@dataclass
class GenerationResult:
    text: str
    stats: GenerationStats
    model: str
    pieces: list[str] = field(default_factory=list)


class _Detokenizer:
    """Incremental detokenisation: text pieces from a growing token list, O(1) per token.

    Decodes a short window (from `prefix` to the end) and emits what it adds past the
    already-read part, so spaces that depend on the previous token come out right and a
    multi-byte character split over tokens (decoded as U+FFFD until complete) waits.
    Stop strings end the text; a tail that could still become a stop string is held back.
    """

    def __init__(self, tokenizer, stop: tuple[str, ...]):
        self.tokenizer = tokenizer
        self.stop = tuple(s for s in stop if s)
        self.tokens: list[int] = []
        self.prefix = 0
        self.read = 0
        self.text = ""  # everything decoded so far (complete characters)
        self.emitted = 0  # chars of self.text already given out
        self.stopped = False

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def add(self, token: int) -> str:
        self.tokens.append(token)
        window = self._decode(self.tokens[self.prefix:])
        before = self._decode(self.tokens[self.prefix:self.read])
        if len(window) > len(before) and not window.endswith("\ufffd"):
            self.text += window[len(before):]
            self.prefix, self.read = self.read, len(self.tokens)
        return self._release(final=False)

    def finish(self) -> str:
        """The rest, an unfinished multi-byte character included (as U+FFFD, like a full decode)."""
        if self.read < len(self.tokens) and not self.stopped:
            window = self._decode(self.tokens[self.prefix:])
            before = self._decode(self.tokens[self.prefix:self.read])
            self.text += window[len(before):]
            self.read = len(self.tokens)
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        hits = [self.text.find(s, max(self.emitted - len(s), 0)) for s in self.stop]
        hits = [h for h in hits if h >= 0]
        if hits:
            self.text = self.text[:min(hits)]
            self.stopped = True
            final = True
        end = len(self.text)
        if not final:  # hold back a tail that may grow into a stop string
            for s in self.stop:
                for k in range(min(len(s) - 1, end - self.emitted), 0, -1):
                    if self.text.endswith(s[:k]):
                        end = min(end, len(self.text) - k)
                        break
        piece = self.text[self.emitted:end]
        self.emitted = max(self.emitted, end)
        return piece


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
        self.layout = extra.get("layout", "optimum-concat-kv")
        eos = extra.get("eos_token_id")
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        self._outputs = [o.name for o in self.model.session.get_outputs()]
        if self.layout == "gqa-shared-kv":
            self._vocab = int(self.model.session.get_outputs()[0].shape[-1])
        kv_input = next((i for i in self.model.session.get_inputs()
                         if i.name.startswith("past_key_values.")), None)
        self._kv_type = np.float16 if kv_input is not None and kv_input.type == "tensor(float16)" \
            else np.float32

    def render(self, messages: list[dict]) -> str:
        """The prompt text for chat `messages`, by the model's own chat template."""
        if not self.chat_template:
            return "\n".join(m["content"] for m in messages) + "\n"
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=False, lstrip_blocks=False)
        return env.from_string(self.chat_template).render(messages=messages,
                                                          add_generation_prompt=True)

    def prompt_ids(self, messages: list[dict]) -> list[int]:
        return self.tokenizer.encode(self.render(messages), add_special_tokens=False).ids

    def fit(self, messages: list[dict], max_new_tokens: int) -> tuple[list[dict], list[int], int]:
        """Drop the oldest turns (never the system message or the last message) until the
        prompt leaves room for `max_new_tokens`; returns (messages, prompt ids, dropped)."""
        budget = self.context_window - max_new_tokens
        if budget <= 0:
            raise EnclaveError(f"max_new_tokens {max_new_tokens} leaves no room for a prompt in the "
                               f"{self.context_window}-token context window")
        kept = list(messages)
        dropped = 0
        ids = self.prompt_ids(kept)
        while len(ids) > budget:
            first = next((i for i, m in enumerate(kept[:-1]) if m.get("role") != "system"), None)
            if first is None:
                raise EnclaveError(f"prompt of {len(ids)} tokens does not fit the context window "
                                   f"({self.context_window} tokens, {max_new_tokens} kept for the answer)")
            del kept[first]
            dropped += 1
            ids = self.prompt_ids(kept)
        return kept, ids, dropped

    def stream(self, messages: list[dict], settings: GenerationSettings = GenerationSettings(),
               cancelled: Callable[[], bool] | None = None,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield text pieces as they are decoded; `stats` is filled in as it goes."""
        if not messages or not str(messages[-1].get("content", "")).strip():
            raise EnclaveError("empty prompt: nothing to answer")
        if settings.max_new_tokens < 1:
            raise EnclaveError("max_new_tokens must be at least 1")
        stats = stats if stats is not None else GenerationStats()
        stats.provider = self.provider
        _, prompt_ids, dropped = self.fit(messages, settings.max_new_tokens)
        if dropped:
            stats.dropped_messages = dropped
            stats.notice = (f"{dropped} oldest message{'s' if dropped > 1 else ''} left out to fit "
                            f"the {self.context_window}-token context window")
        stats.prompt_tokens = len(prompt_ids)
        rng = np.random.default_rng(settings.seed)
        with self._lock:
            yield from self._decode_loop(prompt_ids, settings, rng, cancelled, stats)

    def _step_function(self, capacity: int):
        """A function (token ids, position) -> last-position logits, holding the KV cache."""
        import onnxruntime as ort

        session = self.model.session
        names = [f"past_key_values.{i}.{kind}" for i in range(self.num_layers) for kind in ("key", "value")]
        if self.layout == "gqa-shared-kv":
            # One KV buffer per layer for the whole answer, bound as both past and present:
            # GroupQueryAttention writes the new positions in place (no copy per step). On
            # CUDA the buffers live on the GPU; only the logits come back each step.
            device = self.model.device
            shape = (1, self.num_kv_heads, capacity, self.head_dim)
            binding = session.io_binding()
            buffers = [ort.OrtValue.ortvalue_from_numpy(np.zeros(shape, self._kv_type), device, 0)
                       for _ in names]
            logits = ort.OrtValue.ortvalue_from_numpy(np.zeros((1, 1, self._vocab), np.float32))
            binding.bind_ortvalue_output("logits", logits)
            for name, buffer in zip(names, buffers, strict=True):
                binding.bind_ortvalue_input(name, buffer)
                binding.bind_ortvalue_output(name.replace("past_key_values", "present"), buffer)

            def step(ids: list[int], position: int) -> np.ndarray:
                binding.bind_cpu_input("input_ids", np.asarray([ids], dtype=np.int64))
                binding.bind_cpu_input("attention_mask", np.ones((1, position + len(ids)), dtype=np.int64))
                session.run_with_iobinding(binding)
                return logits.numpy()[0, -1]
            return step

        # optimum's layout: the presents are new, longer tensors fed back as the next past.
        past = {n: np.zeros((1, self.num_kv_heads, 0, self.head_dim), dtype=self._kv_type) for n in names}

        def step_concat(ids: list[int], position: int) -> np.ndarray:
            n = len(ids)
            feeds = {"input_ids": np.asarray([ids], dtype=np.int64),
                     "attention_mask": np.ones((1, position + n), dtype=np.int64), **past}
            if "position_ids" in self._inputs:
                feeds["position_ids"] = np.arange(position, position + n, dtype=np.int64)[None]
            outputs = dict(zip(self._outputs, session.run(self._outputs, feeds), strict=True))
            for name in names:
                past[name] = outputs[name.replace("past_key_values", "present")]
            return outputs["logits"][0, -1]
        return step_concat

    def _decode_loop(self, prompt_ids, settings, rng, cancelled, stats) -> Iterator[str]:
        started = time.perf_counter()
        capacity = min(self.context_window, len(prompt_ids) + settings.max_new_tokens)
        step = self._step_function(capacity)
        detok = _Detokenizer(self.tokenizer, settings.stop)
        generated: list[int] = []
        step_ids = prompt_ids
        position = 0
        stats.stopped_by = "length"
        for _ in range(settings.max_new_tokens):
            if cancelled and cancelled():
                stats.stopped_by = "cancelled"
                break
            logits = step(step_ids, position)
            position += len(step_ids)
            token = self._pick(logits, generated + prompt_ids, settings, rng)
            if not generated:
                stats.ttft_s = time.perf_counter() - started
            if token in self.eos_ids and not settings.ignore_eos:
                stats.stopped_by = "eos"
                break
            generated.append(token)
            stats.new_tokens = len(generated)
            piece = detok.add(token)
            if piece:
                yield piece
            if detok.stopped:
                stats.stopped_by = "stop"
                break
            step_ids = [token]
        if stats.stopped_by not in ("stop", "cancelled"):
            tail = detok.finish()
            if tail:
                yield tail
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
