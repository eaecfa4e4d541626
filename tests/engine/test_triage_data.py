"""The project-written labelled triage set (resources/medical/triage_vignettes.jsonl):
it parses, the labels and metadata are well formed, every level is covered and split
as documented, and no two texts are duplicates or near-duplicates."""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "resources" / "medical" / "triage_vignettes.jsonl"

LEVELS = {"emergency", "urgent", "routine", "self_care"}
SPLITS = {"train", "test"}
STYLES = {"lay", "clinical"}
AGE_GROUPS = {"infant", "child", "adult", "older_adult", "unknown"}
SEXES = {"female", "male", "unknown"}
FIELDS = {"id", "text", "level", "split", "style", "age_group", "sex", "pregnant", "system"}
MAX_CHARS = 1200
JACCARD_LIMIT = 0.8


@pytest.fixture(scope="module")
def items() -> list[dict]:
    rows = []
    with DATA.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - failure path
                pytest.fail(f"line {n} is not valid JSON: {exc}")
    return rows


def _normalise(text: str) -> str:
    text = text.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(text.split())


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def test_every_line_has_the_fields_with_valid_values(items):
    for it in items:
        assert set(it) == FIELDS, it.get("id")
        assert re.fullmatch(r"tv-\d{4}", it["id"]), it["id"]
        assert it["level"] in LEVELS, it["id"]
        assert it["split"] in SPLITS, it["id"]
        assert it["style"] in STYLES, it["id"]
        assert it["age_group"] in AGE_GROUPS, it["id"]
        assert it["sex"] in SEXES, it["id"]
        assert isinstance(it["pregnant"], bool), it["id"]
        assert isinstance(it["system"], str) and it["system"], it["id"]
        if it["pregnant"]:
            assert it["sex"] == "female", it["id"]


def test_ids_unique(items):
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids))


def test_levels_are_exactly_the_four(items):
    assert {it["level"] for it in items} == LEVELS


def test_size_and_per_level_counts(items):
    assert len(items) >= 600
    counts = Counter(it["level"] for it in items)
    for level in LEVELS:
        assert counts[level] >= 140, (level, counts[level])


def test_test_split_is_stratified(items):
    for level in LEVELS:
        rows = [it for it in items if it["level"] == level]
        share = sum(it["split"] == "test" for it in rows) / len(rows)
        assert 0.15 <= share <= 0.25, (level, share)


def test_split_follows_the_documented_rule(items):
    # README: within each level, sorted by id, every 5th item (positions 5, 10, ...) is test.
    for level in LEVELS:
        rows = sorted((it for it in items if it["level"] == level), key=lambda it: it["id"])
        for k, it in enumerate(rows):
            assert it["split"] == ("test" if k % 5 == 4 else "train"), it["id"]


def test_coverage_of_styles_ages_sexes_and_pregnancy(items):
    assert {it["style"] for it in items} == STYLES
    assert {it["age_group"] for it in items} == AGE_GROUPS
    assert {"female", "male"} <= {it["sex"] for it in items}
    assert sum(it["pregnant"] for it in items) >= 40
    assert len({it["system"] for it in items}) >= 12


def test_text_lengths(items):
    for it in items:
        assert isinstance(it["text"], str), it["id"]
        assert it["text"].strip(), it["id"]
        assert len(it["text"]) <= MAX_CHARS, it["id"]


def test_no_duplicate_texts_after_normalising(items):
    seen: dict[str, str] = {}
    for it in items:
        key = _normalise(it["text"])
        assert key not in seen, (seen.get(key), it["id"])
        seen[key] = it["id"]


def test_no_near_duplicate_texts(items):
    # Jaccard(a, b) <= min(|a|, |b|) / max(|a|, |b|), so after sorting by word-set size
    # only sets whose sizes lie within a factor of JACCARD_LIMIT can exceed the limit.
    sets = sorted(((_words(it["text"]), it["id"]) for it in items), key=lambda p: len(p[0]))
    offenders = []
    for i, (a, id_a) in enumerate(sets):
        for b, id_b in sets[i + 1 :]:
            if len(a) < JACCARD_LIMIT * len(b):
                break
            union = len(a | b)
            if union and len(a & b) / union > JACCARD_LIMIT:
                offenders.append((id_a, id_b))
    assert not offenders, offenders[:10]
