"""Candidate models, task-independent: a newly trained version is installed beside the
current default under the next version id, judged against it on a held-out set, and made
the default only if it passes the gate; each version remembers the one it replaced, so a
promotion can be rolled back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import EnclaveError
from engine.models.registry import ModelRegistry

PREVIOUS = "previous"  # manifest key: the default this version was judged against and replaced
_TOLERANCE = 1e-9  # metrics computed the same way on the same set: only float noise is ignored


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reasons: tuple[str, ...]  # one per rule, passed or failed, with both numbers


def gate(candidate: dict, current: dict | None, *, keep: tuple[str, ...], improve: str) -> GateDecision:
    """Promote the candidate when it is at least as good as the current model on every
    metric in `keep` and strictly better on `improve` (higher is better for all). With no
    current model there is nothing to beat."""
    if current is None:
        return GateDecision(True, ("no current model to compare with",))
    reasons, passed = [], True
    for name in keep:
        ok = candidate[name] >= current[name] - _TOLERANCE
        passed &= ok
        reasons.append(f"{name} {candidate[name]:.3f} vs {current[name]:.3f}: "
                       f"{'at least as good' if ok else 'lower'}")
    ok = candidate[improve] > current[improve] + _TOLERANCE
    passed &= ok
    reasons.append(f"{improve} {candidate[improve]:.3f} vs {current[improve]:.3f}: "
                   f"{'better' if ok else 'not better'}")
    return GateDecision(passed, tuple(reasons))


def next_version_id(registry: ModelRegistry, base_id: str) -> str:
    """`base_id-N`, N one more than the highest version installed (the base counts as 1)."""
    pattern = re.compile(rf"{re.escape(base_id)}(?:-(\d+))?")
    versions = [int(m.group(1) or 1) for m in map(pattern.fullmatch, registry.ids()) if m]
    return f"{base_id}-{max(versions, default=1) + 1}"


def rollback(registry: ModelRegistry, task: str) -> tuple[str, str]:
    """Make the version the current default replaced the default again; returns (from, to).
    The version rolled back from stays installed (`enclave models default ID` restores it)."""
    current = registry.default_id(task)
    if current is None:
        raise EnclaveError(f"no {task} model installed: nothing to roll back")
    entry = registry.load(current)
    previous = entry.manifest.extra.get(PREVIOUS)
    if not previous:
        raise EnclaveError(f"{current} is the first {task} version: there is nothing to roll back to")
    if previous not in registry.ids():
        raise EnclaveError(f"{current} replaced {previous}, which is no longer installed")
    registry.load(previous)  # verified before it is put back in use
    registry.set_default(task, previous)
    return current, previous
