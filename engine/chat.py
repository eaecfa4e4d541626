"""A conversation with the local LM, every turn kept in the store (workspace "chat").

Each turn is one history run: input = the user's message, output = {conversation, turn,
text, system} plus the usual stats, so `enclave history search` finds chats and
`enclave chat --continue` rebuilds the messages from the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.errors import EnclaveError

WORKSPACE = "chat"


@dataclass
class Conversation:
    store: object  # engine.store.Store
    id: str
    system: str | None = None
    messages: list[dict] = field(default_factory=list)

    @classmethod
    def new(cls, store, system: str | None = None) -> Conversation:
        chat = cls(store, uuid.uuid4().hex[:12], system)
        if system:
            chat.messages.append({"role": "system", "content": system})
        return chat

    @classmethod
    def resume(cls, store, conversation: str | None = None) -> Conversation:
        """The stored conversation `conversation` (default: the most recent one)."""
        runs = [r for r in reversed(store.list_runs(WORKSPACE, limit=None))
                if isinstance(r.output, dict) and "conversation" in r.output]
        if not runs:
            raise EnclaveError("no stored conversation to continue")
        wanted = conversation or runs[-1].output["conversation"]
        turns = [r for r in runs if r.output["conversation"] == wanted]
        if not turns:
            raise EnclaveError(f"no stored conversation {wanted!r}")
        chat = cls.new(store, turns[0].output.get("system"))
        chat.id = wanted
        for run in turns:
            chat.messages += [{"role": "user", "content": run.input},
                              {"role": "assistant", "content": run.output.get("text", "")}]
        return chat

    @property
    def turns(self) -> int:
        return sum(1 for m in self.messages if m["role"] == "user")

    def ask(self, generator, text: str, settings, cancelled: Callable[[], bool] | None = None,
            on_piece: Callable[[str], None] | None = None):
        """Answer `text` in context; the turn is stored (a cancelled answer too, marked so)."""
        messages = self.messages + [{"role": "user", "content": text}]
        result = generator.generate(messages, settings, cancelled=cancelled, on_piece=on_piece)
        self.messages = messages + [{"role": "assistant", "content": result.text}]
        s = result.stats
        self.store.add_run(
            WORKSPACE, "turn", text,
            {"conversation": self.id, "turn": self.turns, "text": result.text, "system": self.system,
             "tokens": s.new_tokens, "stopped_by": s.stopped_by, "dropped_messages": s.dropped_messages},
            model_id=result.model, provider=s.provider,
            timings={"ttft_s": s.ttft_s, "total_s": s.total_s},
            status="cancelled" if s.stopped_by == "cancelled" else "ok")
        return result
