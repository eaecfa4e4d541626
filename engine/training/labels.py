"""Labelled examples, task-independent: who labels, and the training set a candidate
model learns from — the project's examples plus the user's own labels, with no text of
the held-out set let in (it would flatter the candidate on the set that judges it)."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass


def normalise_text(text: str) -> str:
    """The form two texts are compared in: case and runs of whitespace do not count."""
    return " ".join(text.casefold().split())


def current_actor() -> str:
    """The operating-system user labelling examples (recorded with each label)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "user"


@dataclass(frozen=True)
class TrainingSet:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    user_examples: int  # the user's labels that were used
    replaced: int  # project examples whose label a user's label of the same text replaced
    held_out_excluded: int  # the user's labels left out: their text is in the held-out set


def merge_examples(project: Iterable[tuple[str, str]], user: Iterable[tuple[str, str]],
                   held_out_texts: Iterable[str]) -> TrainingSet:
    """The project's (text, label) pairs plus the user's, oldest first. A user's label
    replaces the project's (or an older user label) for the same text; a user's text that
    is in the held-out set is left out."""
    held_out = {normalise_text(t) for t in held_out_texts}
    merged = {normalise_text(text): (text, label) for text, label in project}
    project_keys = set(merged)
    excluded = 0
    used: set[str] = set()
    for text, label in user:
        key = normalise_text(text)
        if key in held_out:
            excluded += 1
            continue
        merged[key] = (text, label)
        used.add(key)
    pairs = list(merged.values())
    return TrainingSet(texts=tuple(t for t, _ in pairs), labels=tuple(lb for _, lb in pairs),
                       user_examples=len(used), replaced=len(used & project_keys), held_out_excluded=excluded)
