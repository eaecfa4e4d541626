"""Triage, end to end: can the text be assessed at all -> red-flag rules (a floor) ->
the learned classifier -> the final level = max(floor, classifier), with reasons a
clinician can check. Decision support, never a diagnosis."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.workspaces.medical import DISCLAIMER
from engine.workspaces.medical.classifier import LEVELS, TriageClassifier
from engine.workspaces.medical.red_flags import RedFlag, find_red_flags, parse_findings, rule_floor

ADVICE = {
    "emergency": "Call the emergency services or go to the emergency department now.",
    "urgent": "See a clinician within 24 hours (a same-day appointment, urgent care or a telephone advice line).",
    "routine": "Book an appointment with a clinician within about a week.",
    "self_care": ("This can usually be managed at home. Contact a clinician if it gets worse, new symptoms "
                  "appear, or it has not improved in a few days."),
}
CANNOT_ASSESS_ADVICE = ("This message cannot be assessed automatically. Please contact a clinician "
                        "(or, if it may be an emergency, call the emergency services).")
MAX_CHARS = 20_000

# Words that say a message is about health at all (symptoms, body, findings, care).
_HEALTH = re.compile(
    r"\b(pain|pains|painful|ache|aches|aching|sore|hurt|hurts|fever|temp|temperature|cough|rash|itch|"
    r"bleed|bleeding|blood|vomit|vomiting|sick|nausea|diarrh?o?ea|dizzy|faint|swollen|swelling|lump|"
    r"breath|breathing|breathless|wheez|chest|head|headache|migraine|stomach|tummy|belly|abdomen|back|"
    r"throat|ear|eye|eyes|vision|skin|leg|arm|foot|feet|hand|knee|hip|neck|joint|burn|cut|wound|bite|"
    r"sting|fall|fell|injur\w*|fracture|broke|sprain|tired|fatigue|weak|numb|tingl\w*|seizure|fit|"
    r"confus\w*|pregnan\w*|period|urine|wee|pee|poo|stool|constipat\w*|anxious|anxiety|depress\w*|"
    r"suicid\w*|self-harm|sleep|insomnia|cold|flu|virus|infection|allerg\w*|medication|tablets?|"
    r"pills?|dose|overdose|baby|infant|child|symptoms?|hr|bp|spo2|sats|pulse|gcs|glucose|sugar|"
    r"diabet\w*|asthma|inhaler|heart|stroke|lips|tongue|unwell|ill|feverish|hot|shiver\w*|"
    r"nose|runny|sneez\w*|congest\w*|blocked|mouth|tooth|teeth|gums?|face|jaw|shoulder|wrist|ankle|"
    r"toe|toes|finger|fingers|nail|hair|scalp|spot|spots|pimple|blister|bruis\w*|graze|sunburn|"
    r"swallow\w*|voice|hoarse|snor\w*|palpitat\w*|cramp\w*|spasm|stiff\w*|lump|mole|wart|"
    r"discharge|smell|taste|hearing|deaf|ringing|dry|sweat\w*|chills|shak\w*|appetite|weight|"
    r"thirst\w*|bloat\w*|wind|gas|heartburn|indigestion|reflux|piles|haemorrhoids?|hemorrhoids?|"
    r"period|bleed\w*|spotting|contraction\w*|labou?r|waters|cyst|acne|eczema|psoriasis|hives|"
    r"bruise|limp\w*|unsteady|balance|memory|forgetful|mood|panic|stress\w*|low|crying|"
    r"wheezy|phlegm|mucus|sputum|snot|croup|teething|nappy|diaper|feeding|vaccin\w*|jab|"
    r"pressure|cholesterol|thyroid|kidney|liver|lung|bladder|bowel|prostate|breast|testic\w*|"
    r"vagina\w*|penis|groin|pelvi\w*|rectal|anus|hernia|sprained|twisted|swollen|scan|x-ray|"
    r"gallstones?|referral|prescription|repeat|review|vasectomy|contracepti\w*|pill|crawl\w*|"
    r"walking|talking|speech|paranoi\w*|hallucinat\w*|voices|popping|muffled|flight|travel|"
    r"test|results?|smear|screening|check-?up|doctor|gp|nurse|clinic|hospital|a&e|er)\b",
    re.IGNORECASE)
_FOREIGN = re.compile(r"\b(el|los|las|una|de|la|en|es|hoy|mucho|hola|del|al|se|je|ne|pas|du|ein|eine|tengo|estoy|dolor|muy|pero|por|para|con|que|yo|mi|le|les|des|"
                      r"une|est|suis|j'ai|avec|mais|pour|très|der|die|das|und|ich|habe|nicht|mit|sehr|"
                      r"ist|het|een|ik|niet|il|della|sono|ho|non|molto|não|estou|muito|é)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(the|and|is|it|my|i|have|has|a|of|to|in|for|with|on|was|since|been|feel|"
                      r"feeling|he|she|they|me|not|no|he's|she's|i'm|am|are|after|days?|weeks?)\b",
                      re.IGNORECASE)


@dataclass(frozen=True)
class TriageResult:
    level: str
    assessable: bool
    confidence: float
    red_flags: tuple[RedFlag, ...]
    reasons: tuple[str, ...]
    advice: str
    disclaimer: str = DISCLAIMER
    conditions: tuple[dict, ...] = ()  # conditions to consider: the next issue (knowledge)
    classifier: dict = field(default_factory=dict)  # level, probabilities, words
    model: str | None = None
    provider: str | None = None
    timings: dict = field(default_factory=dict)
    run_id: int | None = None  # the history row, once recorded

    def to_json(self) -> dict:
        return {"level": self.level, "assessable": self.assessable, "confidence": round(self.confidence, 4),
                "red_flags": [{"id": f.id, "label": f.label, "matched": f.matched, "level": f.level,
                               "guideline": f.guideline} for f in self.red_flags],
                "reasons": list(self.reasons), "conditions": list(self.conditions), "advice": self.advice,
                "disclaimer": self.disclaimer, "classifier": self.classifier, "model": self.model,
                "provider": self.provider, "timings": {k: round(v, 4) for k, v in self.timings.items()}}


def assessability(text: str, flags: list[RedFlag]) -> str | None:
    """Why the text cannot be assessed (None: it can). A red flag always can be."""
    if flags:
        return None
    words = re.findall(r"[^\W\d_]+", text)
    findings = parse_findings(text)
    if not text.strip():
        return "the message is empty"
    if findings.vitals or findings.labs:
        return None
    if len(words) < 2:
        return "one word is not enough to assess"
    latin = sum(1 for ch in text if ch.isalpha() and ch.isascii())
    letters = sum(1 for ch in text if ch.isalpha())
    foreign = len(_FOREIGN.findall(text))
    if letters and (latin / letters < 0.5 or (foreign >= 3 and foreign > 2 * len(_ENGLISH.findall(text)))):
        return "the message does not appear to be in English"
    # Only a short message with no health word and no clinical figure is taken to describe
    # nothing to triage; clinical shorthand and longer messages go to the classifier.
    if len(words) <= 12 and not re.search(r"\d", text) and not _HEALTH.search(text):
        return "the message does not describe any symptom or health problem"
    return None


def triage(text: str, classifier: TriageClassifier | None) -> TriageResult:
    """The triage of one message. `classifier` None: the rules alone (the level is then at
    least `urgent` unless a rule says more, and the reasons say so)."""
    started = time.perf_counter()
    notes = []
    if len(text) > MAX_CHARS:
        notes.append(f"the message has {len(text):,} characters; the first {MAX_CHARS:,} were assessed")
        text = text[:MAX_CHARS]
    flags = find_red_flags(text)
    floor = rule_floor(flags)
    timings = {"rules_s": time.perf_counter() - started}
    reasons = [f"Red flag: {f.label} — “{f.matched}” ({f.guideline})" for f in flags]
    why_not = assessability(text, flags)
    if why_not:
        return TriageResult("urgent", False, 0.0, (), (f"Cannot assess: {why_not}.", *notes),
                            CANNOT_ASSESS_ADVICE, timings=timings)
    if classifier is None:
        level = max(floor or "urgent", "urgent", key=LEVELS.index)
        reasons.append("No triage classifier is installed: the rules alone decided, so the level is at least "
                       "urgent (run `enclave setup`).")
        return TriageResult(level, True, 1.0 if floor else 0.0, tuple(flags), tuple(reasons + notes),
                            ADVICE[level], timings=timings)
    t0 = time.perf_counter()
    predicted, probabilities = classifier.classify(text)
    level = max(predicted, floor or predicted, key=LEVELS.index)
    words = classifier.explain(text, predicted)
    timings["classifier_s"] = time.perf_counter() - t0
    said = f"Classifier: {predicted} ({probabilities[predicted]:.0%})"
    if words:
        said += "; the words that moved it: " + ", ".join(w for w, _ in words)
    reasons.append(said)
    if floor and LEVELS.index(floor) > LEVELS.index(predicted):
        reasons.append(f"The red-flag rules set the level to {floor}, above the classifier's {predicted}.")
    confidence = 1.0 if floor == level else probabilities[level]
    return TriageResult(level, True, confidence, tuple(flags), tuple(reasons + notes), ADVICE[level],
                        classifier={"level": predicted, "probabilities": {k: round(v, 4) for k, v in probabilities.items()},
                                    "words": [{"word": w, "weight": x} for w, x in words]},
                        model=classifier.model_id, provider=classifier.provider, timings=timings)


def triage_text(data_dir: Path, text: str, device: str = "auto") -> TriageResult:
    """Triage with the installed classifier (rules alone when none is installed); the run
    goes to the history."""
    from engine.errors import EnclaveError
    from engine.store import open_store

    try:
        classifier = TriageClassifier(data_dir, device)
    except EnclaveError:
        classifier = None
    result = triage(text, classifier)
    with open_store(data_dir) as store:
        run_id = store.add_run("medical", "triage", text[:MAX_CHARS], result.to_json(), model_id=result.model,
                               provider=result.provider, timings=result.timings)
    return replace(result, run_id=run_id)
