"""Deterministic red-flag rules for symptom triage (decision support, never a diagnosis).

Every rule encodes a published guideline criterion and sets a *floor*: the least urgent
level the answer may carry. The rules run before any model and a model cannot lower them.

Levels, ascending: ``self_care`` < ``routine`` < ``urgent`` < ``emergency``.

* ``emergency`` — call emergency services / go to an emergency department now.
* ``urgent`` — clinician review the same day, or a suspected-cancer pathway referral where
  the guideline is NICE NG12.
* ``routine`` — book a routine appointment.

Documented level choices: a single NEWS2 parameter scoring 3 sets ``urgent`` (RCP 2017:
"urgent ward-based response"); the same physiology *with* signs of infection sets
``emergency`` (NICE NG51 high risk). GCS <= 8 is ``emergency``.

Matching is case-insensitive, negation-aware ("no", "denies", "without", "negative for",
"not" within five words before a concept in the same clause) and history-aware ("history
of", "previous", "as a child", "years ago", "mother had" ...). Clauses end at ``. ; ! ?``,
new lines and "but / however / although / though / whereas".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

LEVELS = ("self_care", "routine", "urgent", "emergency")
_FLAGS = re.IGNORECASE

_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Criterion:
    """One requirement of a rule: a concept pattern that matches un-negated, OR any threshold.

    ``thresholds`` are ``(key, op, value)`` on parsed measurements: vitals (hr, rr, spo2,
    sbp, dbp, temp_c, gcs), labs (k, na, glucose, hb, troponin, lactate) or ``age`` (years)
    and ``gestation`` (weeks).
    """

    pattern: re.Pattern | None = None
    thresholds: tuple[tuple[str, str, float], ...] = ()


@dataclass(frozen=True)
class Rule:
    """A red-flag rule: every criterion must hold for it to fire, or at least ``min_criteria``
    of them when that is set (e.g. any two of the BE-FAST signs). ``unless``: the rule does not
    fire when this pattern is in the sentence of a matched concept (e.g. "then fully recovered")."""

    id: str
    label: str
    level: str
    system: str
    guideline: str
    criteria: tuple[Criterion, ...]
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()
    min_criteria: int | None = None
    unless: re.Pattern | None = None


@dataclass(frozen=True)
class RedFlag:
    """A rule that fired; ``matched`` holds the verbatim input span(s), joined by " + "."""

    id: str
    label: str
    level: str
    matched: str
    guideline: str


@dataclass(frozen=True)
class Findings:
    """Structured facts parsed from free text (first value found for each measurement)."""

    age_years: float | None
    sex: str | None
    pregnant: bool | None
    vitals: dict[str, float] = field(default_factory=dict)
    labs: dict[str, float] = field(default_factory=dict)
    gestation_weeks: float | None = None


# --------------------------------------------------------------------------- negation

_BOUNDARY = re.compile(r"[!?;\n]|\.(?!\d)|\b(?:but|however|although|though|whereas)\b", _FLAGS)
_TOKEN = re.compile(r"[\w'’/+-]+")
_NEGATION = re.compile(
    r"\b(?:no|not|nor|neither|never|denies|denied|deny|denying|without|negative for|"
    r"nil(?! by)|free of|ruled out|isn't|wasn't|doesn't|didn't|don't|hasn't|haven't|"
    r"aren't|weren't)\b|n[’']t\b",
    _FLAGS,
)
_LIST_OR = re.compile(r"\b(?:or|nor)\b", _FLAGS)
# History scope ends at a comma or a word that brings the story back to now.
_HISTORY_END = re.compile(
    r",|\b(?:now|today|currently|presents?|presenting|tonight|since|this (?:morning|"
    r"afternoon|evening|week))\b",
    _FLAGS,
)
_POST_NEGATION = re.compile(r"^\s*[:\-–]?\s*(?:none|absent|denied|negative|nil|no)\b", _FLAGS)
_HISTORY = re.compile(
    r"\b(?:history|hx|h/o|pmh|pmhx|fhx|past medical|in the past|"
    r"previous(?:ly)?(?! (?:fit|well|healthy|\d|few|hours?|days?|night|weeks?|24))|"
    r"last (?:year|month)|(?:years?|months|decades?) ago|years back|"
    r"as an? (?:child|kid|teen\w*|baby|toddler|infant)|in childhood|"
    r"when (?:i|he|she) was (?:young|little|a child|a kid)|in (?:19|20)\d\d|"
    r"(?:mother|mum|mom|father|dad|brother|sister|grandmother|grandfather|grandma|grandpa|"
    r"nan|aunt|uncle|cousin|parents?|siblings?)\s+(?:\w+\s+)?(?:had|died|suffered))\b",
    _FLAGS,
)


_AND = re.compile(r"\band\b", _FLAGS)


def _negation_window(before: str) -> str:
    """The words a negation cue before a concept may reach across: back to the last comma,
    or to an "and" that starts a new statement ("no wee since breakfast and hard to wake"),
    not one inside a short list ("no chest pain and sweating")."""
    window = before.rsplit(",", 1)[-1]
    parts = _AND.split(window)
    if len(parts) > 1:
        head = _TOKEN.findall(parts[-2])
        cue = max((i for i, w in enumerate(head) if _NEGATION.fullmatch(w)), default=None)
        if cue is not None and len(head) - cue - 1 >= 3:
            return parts[-1]
    return window


class _Text:
    """Input text with its clause boundaries, so each concept match is checked in scope."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bounds = [m.start() for m in _BOUNDARY.finditer(text)]

    def clause(self, start: int, end: int) -> tuple[int, int]:
        i = bisect_right(self.bounds, start - 1)
        cs = self.bounds[i - 1] + 1 if i else 0
        j = bisect_right(self.bounds, end - 1)
        ce = self.bounds[j] if j < len(self.bounds) else len(self.text)
        return cs, ce

    def affirmed(self, m: re.Match) -> bool:
        """True when the match is neither negated nor history in its clause."""
        cs, ce = self.clause(m.start(), m.end())
        before = self.text[max(cs, m.start() - 120) : m.start()]
        if _NEGATION.search(" ".join(_TOKEN.findall(_negation_window(before))[-5:])):
            return False
        # A cue before a comma still negates a list ("denies chest pain, sweating or SOB"),
        # but not a new statement ("not breathing properly, lips blue").
        if _NEGATION.search(" ".join(_TOKEN.findall(before)[-6:])) and _LIST_OR.search(
            self.text[cs:ce]
        ):
            return False
        after = self.text[m.end() : min(ce, m.end() + 120)]
        if _POST_NEGATION.match(after):
            return False
        hist_before = _HISTORY_END.split(before)[-1]
        if _HISTORY.search(" ".join(_TOKEN.findall(hist_before)[-8:])):
            return False
        hist_after = after.split(",", 1)[0]
        return not _HISTORY.search(" ".join(_TOKEN.findall(hist_after)[:8]))

    def first_affirmed(self, pattern: re.Pattern) -> str | None:
        m = self.first_affirmed_match(pattern)
        return m.group(0) if m else None

    def first_affirmed_match(self, pattern: re.Pattern) -> re.Match | None:
        for m in pattern.finditer(self.text):
            if self.affirmed(m):
                return m
        return None

    def sentence(self, m: re.Match) -> str:
        """The sentence holding the match (ends at . ! ? or a new line; commas do not end it)."""
        start = max(self.text.rfind(c, 0, m.start()) for c in ".!?\n") + 1
        ends = [i for i in (self.text.find(c, m.end()) for c in ".!?\n") if i >= 0]
        return self.text[start:min(ends, default=len(self.text))]


# --------------------------------------------------------------------------- measurements

# A number followed by a duration or a drug dose is not a measurement ("sat 40 minutes",
# "vitamin K 10 mg").
_NUM = (
    r"(\d{1,3}(?:\.\d+)?)(?!\d|\s*(?:min|hour|hr|sec|day|week|wk|month|year|yr|mg(?!/)|mcg|"
    r"ug|µg|ml|units?|iu|kg|g(?![/\w])))"
)
_SEP = (r"\s*(?:of|is|was|at|to|says|said|reads|read|reading|showing|shows|came back(?: at)?|has been|had been|"
        r"been|hit|reached|went up to|up to|:|=|-)?\s*"
        r"(?:(?:about|around|like|over|only|just) )?")


def _mrx(label: str, tail: str = "") -> re.Pattern:
    return re.compile(r"(?<![\w.])(?:" + label + r")(?![a-z])" + _SEP + _NUM + tail, _FLAGS)


_RX_HR = _mrx(
    r"hr|heart rate|ventricular rate|pulse(?: rate)?|tachycardic|bradycardic|heart(?:'?s)?(?: rate)?(?: is| was| has been)?"
    r"(?: racing| beating| going| pounding| running| at)(?: at)?|(?:pulse|heart rate|heart)(?: is| was)?"
    r"(?: really| very| so)? (?:slow|fast|low|high|racing),?|(?:smart ?)?watch|fitbit|heart rate monitor|"
    r"(?:heart rate|pulse|hr) on (?:the |my |his |her )?(?:machine|monitor|watch|phone|app|oximeter)(?: is| says| reads)?",
    r"\s*(?:bpm|/min|beats)?",
)
_RX_RR = _mrx(r"rr|resp(?:iratory)? rate|resps|breathing rate|respirations", r"\s*(?:/min)?")
_RX_SPO2 = _mrx(
    r"spo2|sp02|sao2|o2 sats?|(?<!transferrin )(?<!iron )sats?|oxygen sat(?:uration)?s?|saturations?|saturating|"
    r"pulse ox(?:imetry)?|oxygen(?: levels?)?|o2(?: levels?)?|finger (?:thing|clip|monitor|probe|machine)",
    r"\s*%?",
)
_RX_BP = re.compile(
    r"(?<![\w.])(?:bp|blood pressure|b/p)(?: monitor| machine| cuff)?(?![a-z])" + _SEP + r"(\d{2,3})\s*/\s*(\d{2,3})", _FLAGS
)
_RX_SBP = _mrx(r"sbp|systolic(?: bp| blood pressure)?")
_RX_TEMP = _mrx(
    r"t|temp(?:erature)?|tmax|fever(?: of)?|febrile|pyrexi(?:a|al)(?: of)?|thermometer(?: reading)?",
    r"\s*(?:°|º|deg(?:rees?)?)?\s*([CF](?![a-z]))?",
)
_RX_TEMP_UNIT = re.compile(r"(?<![\w.])(\d{2,3}(?:\.\d)?)\s*(?:°|º|deg(?:rees?)?)?\s*([CF])\b")
_RX_GCS = _mrx(r"gcs", r"(?:\s*/\s*15)?")
_RX_GLUCOSE = _mrx(
    r"bm|cbg|blood sugars?|blood glucose|glucose|sugars?|bg|(?:glucose |sugar )?meter", r"\s*(mmol/?l|mg/?dl)?"
)
_RX_K = re.compile(r"(?<![\w.])(?:k\+?|potassium)(?![a-z])" + _SEP + _NUM, _FLAGS)
_RX_NA = re.compile(r"(?<![\w.])(?:na\+?|sodium)(?![a-z])" + _SEP + _NUM, _FLAGS)
_RX_HB = _mrx(r"hb|ha?emoglobin|hgb", r"\s*(g/?dl|g/?l)?")
_RX_TROP = _mrx(r"troponin(?: [ti])?|trop(?: [ti])?|hs-?c?tn[ti]|c?tn[ti]", r"\s*(ng/?l|ng/?ml)?")
_RX_LACTATE = _mrx(r"lactate|lac")

_AGE_UNITS = r"(years?|yrs?|yr|y|months?|mths?|mos?|mo|weeks?|wks?|wk|days?)"
_RX_AGE = [
    re.compile(r"\b(\d{1,2}) ?(/ ?12) ?(?=[MF]\b|\s*(?:old|infant|baby|boy|girl))"),  # "8/12 M": months
    re.compile(r"\b(\d{1,2}) ?(/ ?52) ?(?=[MF]\b|,?\s*(?:old|infant|baby|boy|girl|neonate))"),  # "6/52 infant": weeks
    re.compile(r"\b(\d{1,2}) ?(/ ?7) ?(?=[MF]\b|,?\s*(?:old|infant|baby|boy|girl|neonate))"),  # "9/7 old": days
    re.compile(r"(?<!for )(?<!past )(?<!last )(?<!over )\b(\d{1,2}) ?(mo|m/o)(?![a-z])", _FLAGS),  # "7mo"
    re.compile(r"\b(\d{1,3}(?:\.\d+)?)\s*-?\s*" + _AGE_UNITS + r"\s*-?\s*old\b", _FLAGS),
    re.compile(r"\baged?\s+(\d{1,3}(?:\.\d+)?)\s*" + _AGE_UNITS + r"?\b", _FLAGS),
    re.compile(r"\b(\d{1,3})\s*(yo|y/o|y\.o\.?)", _FLAGS),
    re.compile(r"(?<![/\d])\b([1-8]?\d) ?()(?=[MF]\b)"),  # "45M"; not "103F" (a temperature)
    re.compile(r"\b(\d{1,2}(?:\.\d)?) ?((?i:wks?|weeks?|mo|mos|months?|mths?|m/o|d|days?|y|yrs?))\.? ?(?=[MF]\b)"),
]
_RX_SEX = re.compile(
    r"\b(?:(man|male|gentleman|boy|he|him|his|son)|(woman|female|lady|girl|she|her|daughter))\b"
    r"|\b[1-8]?\d ?(?:(M)|(F))\b",
    _FLAGS,
)
_RX_GEST = [
    re.compile(r"\b(\d{1,2})(?:\s*\+\s*\d)?\s*/\s*40\b"),
    re.compile(
        r"\b(\d{1,2})(?:\s*\+\s*\d)?\s*(?:weeks?|wks?)\s*(?:pregnant|gestation|pg|of pregnancy)",
        _FLAGS,
    ),
]

_PLAUSIBLE = {
    "hr": (15, 300),
    "rr": (2, 80),
    "spo2": (40, 100),
    "sbp": (30, 300),
    "dbp": (10, 200),
    "temp_c": (25, 45),
    "gcs": (3, 15),
    "glucose": (0.5, 120),
    "k": (1, 10),
    "na": (90, 200),
    "hb": (10, 250),
    "troponin": (0, 100000),
    "lactate": (0, 40),
    "age": (0, 125),
    "gestation": (4, 44),
}


def _age_years(value: float, unit: str) -> float:
    unit = unit.lower()
    if unit.replace(" ", "") == "/52":
        return value / 52
    if unit.replace(" ", "") == "/7":
        return value / 365
    if unit.startswith(("mo", "mth", "/")):
        return value / 12
    if unit.startswith("w"):
        return value / 52
    if unit.startswith("d"):
        return value / 365
    return value


def _measure(text: str) -> dict[str, list[tuple[float, str]]]:
    """Every plausible measurement in the text, as (value in standard unit, verbatim span)."""
    out: dict[str, list[tuple[float, str]]] = {}

    def add(key: str, value: float, span: str) -> None:
        lo, hi = _PLAUSIBLE[key]
        if lo <= value <= hi:
            out.setdefault(key, []).append((value, span))

    for key, rx in (
        ("hr", _RX_HR),
        ("rr", _RX_RR),
        ("spo2", _RX_SPO2),
        ("sbp", _RX_SBP),
        ("gcs", _RX_GCS),
        ("k", _RX_K),
        ("na", _RX_NA),
        ("lactate", _RX_LACTATE),
    ):
        for m in rx.finditer(text):
            add(key, float(m.group(1)), m.group(0))
    for m in _RX_BP.finditer(text):
        add("sbp", float(m.group(1)), m.group(0))
        add("dbp", float(m.group(2)), m.group(0))
    seen_temp: set[int] = set()
    for rx in (_RX_TEMP, _RX_TEMP_UNIT):
        for m in rx.finditer(text):
            if m.start(1) in seen_temp:
                continue
            seen_temp.add(m.start(1))
            value, unit = float(m.group(1)), (m.group(2) or "").upper()
            if rx is _RX_TEMP_UNIT and not (
                (unit == "F" and value >= 90) or (unit == "C" and 30 <= value <= 45)
            ):
                continue
            if unit == "F" or (not unit and value > 50):
                value = round((value - 32) * 5 / 9, 1)
            add("temp_c", value, m.group(0))
    for m in _RX_GLUCOSE.finditer(text):
        value, unit = float(m.group(1)), (m.group(2) or "").lower()
        if "mg" in unit or (not unit and value >= 50):
            value = round(value / 18, 1)
        add("glucose", value, m.group(0))
    for m in _RX_HB.finditer(text):
        value, unit = float(m.group(1)), (m.group(2) or "").lower().replace("/", "")
        if unit == "gdl" or (not unit and value < 25):
            value *= 10
        add("hb", value, m.group(0))
    for m in _RX_TROP.finditer(text):
        value, unit = float(m.group(1)), (m.group(2) or "").lower().replace("/", "")
        if unit == "ngml":
            value *= 1000
        add("troponin", value, m.group(0))
    for rx in _RX_AGE:
        for m in rx.finditer(text):
            add("age", _age_years(float(m.group(1)), m.group(2) or "y"), m.group(0))
    for rx in _RX_GEST:
        for m in rx.finditer(text):
            add("gestation", float(m.group(1)), m.group(0))
    return out


_VITAL_KEYS = ("hr", "rr", "spo2", "sbp", "dbp", "temp_c", "gcs")
_LAB_KEYS = ("k", "na", "glucose", "hb", "troponin", "lactate")


def parse_findings(text: str) -> Findings:
    """Age, sex, pregnancy, vital signs and labs found in free text.

    Units are normalised: temperature to °C (°F converted; a bare value > 50 is read as °F),
    glucose to mmol/L (mg/dL, or a bare value >= 50, divided by 18), Hb to g/L (g/dL, or a
    bare value < 25, times 10), troponin to ng/L. Implausible values are ignored.
    """
    text = text or ""
    meas = _measure(text)
    sex = None
    m = _RX_SEX.search(text)
    if m:
        sex = "M" if (m.group(1) or m.group(3)) else "F"
    pregnant: bool | None = None
    t = _Text(text)
    for pm in _PREGNANT.finditer(text):
        pregnant = t.affirmed(pm)
        if pregnant:
            break
    if pregnant and sex is None:
        sex = "F"
    first = {k: v[0][0] for k, v in meas.items()}
    return Findings(
        age_years=first.get("age"),
        sex=sex,
        pregnant=pregnant,
        vitals={k: first[k] for k in _VITAL_KEYS if k in first},
        labs={k: first[k] for k in _LAB_KEYS if k in first},
        gestation_weeks=first.get("gestation"),
    )


# --------------------------------------------------------------------------- concepts


def _rx(pattern: str) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + pattern + r")(?![\w])", _FLAGS)


def P(pattern: str, *thresholds: tuple[str, str, float]) -> Criterion:  # noqa: N802
    """A criterion: the concept pattern, or any of the thresholds."""
    return Criterion(_rx(pattern), tuple(thresholds))


def T(*thresholds: tuple[str, str, float]) -> Criterion:  # noqa: N802
    """A criterion met only by a measured threshold."""
    return Criterion(None, tuple(thresholds))


_POSS = r"(?:the |my |his |her |their |your )?"
# A few filler words, never a negation ("face has dropped", not "face hasn't dropped").
_W = (r"(?:(?!(?:no|not|never|nor|without|isn'?t|wasn'?t|aren'?t|weren'?t|doesn'?t|don'?t|didn'?t|"
      r"hasn'?t|haven'?t|won'?t|can'?t|cannot)\b)[\w'’]+\W+)")


def _gap(n: int) -> str:
    """Up to ``n`` filler words (no negation among them)."""
    return _W + "{0," + str(n) + "}?"


CHEST_PAIN = (
    r"chest (?:pain|tightness|pressure|discomfort|heaviness|ache)|"
    r"(?:pain|tightness|pressure|heaviness|ache|discomfort|squeezing|weight|crushing)\W+" + _gap(3) +
    r"(?:in|across|on|of|around|over) " + _POSS + r"(?:(?:middle|centre|center|left side|right side|one side|"
    r"front) of " + _POSS + r")?chest|(?:grabb\w*|clutch\w*|holding|gripping) (?:his|her|their|my|at (?:his|her|their|my)) "
    r"chest|(?-i:CP)|angina|crushing (?:central )?pain|central (?:chest )?(?:pain|pressure|tightness)|"
    r"chest (?:\w+ ){0,2}?(?:feels?|is|went|gone|been|was) (?:\w+ )?(?:tight|heavy|crushed|squeezed|crushing)|"
    r"chest (?:tight|heavy)|chest (?:really )?(?:hurts|is killing)|(?:retrosternal|substernal|sternal) (?:chest )?"
    r"(?:pain|pressure|tightness|discomfort|heaviness|ache)|"
    r"pain (?:\w+ ){0,2}?(?:left|right|one) side of " + _POSS + r"chest|"
    r"(?:someone|somebody|an elephant|a weight|a brick) (?:is |has )?(?:sitting|standing|sat|parked) on " + _POSS + r"chest|"
    r"chest (?:\w+ ){0,2}?like (?:an elephant|a weight|someone|something|a brick) (?:\w+ ){0,2}?(?:sat|sitting|standing|parked|on)"
)
SWEATING = r"sweat(?:ing|y|s)?|diaphore(?:sis|tic)|clammy|drenched|pouring with sweat|soaking wet"
BREATHLESS = (
    r"(?-i:SOB|SOBOE|DIB)|short(?:ness)? of breath|breathless(?:ness)?|dyspno?ea|"
    r"(?:difficulty|trouble|struggling|problems?) (?:in )?breathing|struggling to breathe|"
    r"can'?t (?:catch " + _POSS + r")?breath(?:e)?|hard to breathe|can'?t get " + _POSS + r"breath|gasping for (?:air|breath)|"
    r"fighting for (?:breath|air)|out of breath|can'?t breathe|breathing (?:is )?(?:really |very )?(?:hard|difficult|laboured)|"
    r"labou?red breathing|working hard to breathe|puffed out|(?:has|have|had) to sit (?:bolt )?up(?:right)? to breathe|(?:can'?t|cannot) breath(?! test)\b|(?:can'?t|cannot) (?:catch|get) a (?:proper |full |deep )?breath"
)
RADIATION = (
    r"radiat\w* (?:to|into|down|up)(?: to)? "
    + _POSS
    + r"(?:left |right )?(?:arm|jaw|neck|shoulder)|"
    r"(?:arm|jaw) pain|pain (?:in|down|into) " + _POSS + r"(?:left |right )?(?:arm|jaw)|"
    r"(?:ache|pain) between " + _POSS + r"shoulder ?blades|radiat\w* (?:to |into |down )?(?:the )?(?:(?-i:[LR]) |left |right )"
    r"(?:arm|jaw|neck|shoulder)|"
    r"(?:going|spreading|moving|travelling|traveling|shooting) (?:up |down )?(?:in)?to " + _POSS +
    r"(?:left |right )?(?:arm|jaw|neck|shoulder)|(?:jaw|arm) and (?:left |right )?(?:arm|jaw) (?:ache|pain|hurt)\w*"
)
SYNCOPE = (
    r"passed out|blacked out|black ?out|out cold|faint(?:ed|ing)?|collaps\w*|syncop\w*|pre-?syncop\w*|slumped|keeled over|went down|"
    r"hit the floor|"
    r"crumpled|"
    r"lost consciousness|loss of consciousness|(?-i:LOC|LOC)|knocked out"
)
FEVER = (
    r"(?<![\d.])(?:3[89]|4[01])\.\d(?![\d.])(?! ?(?:kg|%|mmol|g/|weeks?|wk))|fever\w*|febrile|pyrexi\w*|high (?:temp|temperature)|burning up|rigou?rs|feels? (?:really |very |so )?hot(?! flush)|"
    r"(?:a|and|has|had|with|running) (?:high |raging |bit of a |huge )?temp(?:erature)?(?! (?:of )?(?:3[0-7]|9[0-9])\b)(?= (?:all|since|for|and|today|\w+ing)\b|[,.])|"
    r"temp(?:erature)? (?:is )?(?:high|raised)"
)
INFECTION = (
    FEVER + r"|infection|infected|sepsis|septic|pneumonia|(?-i:UTI)|cellulitis|chest infection|flu|"
    r"influenza|covid|tonsillitis|pyelonephritis|abscess|hot and shivery|shivery|chills"
)
POSTPARTUM = (r"postpartum|post[- ]partum|post[- ]?natal|(?:gave|given) birth|had (?:a |my |her |the |our )?baby|"
              r"after (?:the )?(?:birth|delivery)|delivered (?:\w+ )?(?:baby|days? ago|last)|day \d+ (?:post[- ]?partum|after birth)|"
              r"(?:c-?section|caesarean) (?:\w+ )?(?:days?|weeks?) ago|post (?:\w+ )?delivery|(?:vaginal|normal|home) delivery")
VOMIT = r"vomit\w*|throw(?:ing)? up|threw up|thrown up|being sick|been sick|bringing up|brought up|(?-i:N/V|N\+V|N&V)|puk\w*|emesis"
PREGNANT = (
    r"pregnan(?:t|cy)(?! test)|(?<![\d/])(?:[4-9]|[1-3]\d|4[0-2])(?:\+\d)?\s*/\s*40(?![\d/])|"
    r"g\d+\s*p\d+|gravid|expecting a baby|antenatal|enceinte|embarazada|schwanger|gr[áa]vida|incinta|(?:\+ ?ve|\+|positive) ?(?-i:UPT|HCG|βhCG|bhCG)|"
    r"(?-i:UPT) (?:\+ ?ve|\+|positive)|(?:[1-3]\d|4[0-2]) weeks with (?:my|our|her) (?:first|second|third|fourth|\d\w*)|"
    r"(?:baby|my|her) bump(?! (?:on|to))|(?<![\d/])(?:[1-3]\d|4[0-2]) ?\+ ?[0-6](?: ?(?:weeks?|wks?))?(?![\d/])|"
    r"(?:[1-3]\d|4[0-2]) (?:weeks?|wks?) (?:pregnant|gestation|along)|(?:i'?m|i am|she'?s|she is) (?:[1-3]\d|4[0-2]) (?:weeks?|wks?)(?! ago)|"
    r"^\W*(?:[1-3]\d|4[0-2]) ?(?:weeks?|wks?)(?=,)|baby in (?:the|my|her) belly"
)
_PREGNANT = _rx(PREGNANT)
PREG_OR_MISSED = (
    PREGNANT + r"|missed (?:a |my |her )?period|(?:my |her )?period is late|late period|"
    r"period (?:is |was )?(?:about |nearly |over )?(?:a |two |\d+ |a few )?(?:weeks?|fortnight|days) late|"
    r"period (?:is |was )?late(?: by)? (?:\d+|a|two|three|six) (?:weeks?|days)|"
    r"(?:\d|one|two|three) months? gone|"
    r"positive (?:home )?(?:pregnancy )?test|no period for \w+ weeks|(?:\d|five|six|seven|eight|nine) weeks since "
    r"(?:my |her )?last period|(?-i:LMP) \d+/52"
)
CHILD = (
    r"baby|babies|infant|toddler|child|kid|newborn|neonate|son|daughter|boy|girl|"
    r"little one|my \d+ ?(?:month|week|day|year)[- ]old"
)
HEAD_INJURY = (
    r"head (?:injury|trauma|knock|strike|bump)|helmet (?:\w+ )?(?:cracked|broke|broken|split|smashed)|(?:hit|hitting|banged|banging|bumped|bumping|struck|striking|knocked|"
    r"knocking|whacked|cracked|smacked|smashed) " + _POSS + r"head|"
    r"(?:swelling|lump|bump|egg|cut|gash|wound|bruise) (?:\w+\W+){0,2}?(?:on|to|of) " + _POSS +
    r"(?:head|forehead|scalp)|(?:landed|fell) on " + _POSS + r"head|onto (?:(?:his|her|my|their) |the back of (?:his|her|my) )head|"
    r"(?:blow|bang|knock) (?:to|on) " + _POSS + r"head|fell and hit"
)
SEIZURE = (r"seizur\w*|fit(?:ting|s)?(?! (?:and well|for|to|in|into))|convuls\w*|(?-i:GTC)|(?:shook|shaking|jerked|jerking) all over|"
           r"went (?:stiff|rigid) and "
           r"(?:jerk|shak)\w*|(?:rigid|stiff) and (?:jerking|shaking)")
DIABETIC = r"diabet\w*|type [12]|(?-i:T[12]DM|DM|IDDM)|on insulin|insulin[- ]dependent|\w+gliflozin|(?-i:SGLT2)"
ALLERGEN = (
    r"stung|sting|bee|wasp|hornet|peanuts?|nuts?|shellfish|prawns?|food|allerg\w*|"
    r"new (?:drug|medication|medicine|antibiotic)|penicillin|amoxicillin|antibiotics?|"
    r"injection|vaccine|contrast|after taking|co-?amoxiclav|(?-i:IV) (?:\w+ )?(?:antibiotic|drug|infusion)|"
    r"(?:post|after) (?:an? )?(?-i:IV)|infusion"
)
CONFUSION = (
    r"(?:new(?:ly)?|sudden(?:ly)?|acute(?:ly)?|very|really|completely|so|more|increasingly) confus\w*|"
    r"confused (?:today|since|this|now|and)|muddled|not with it|away with the fairies|(?:doesn'?t|does not|didn'?t) (?:know|recogni[sz]e) (?:who|where|me|us|"
    r"(?:his|her) (?:own )?(?:wife|husband|family|children|kids|daughter|son))|talking (?:nonsense|gibberish)|"
    r"delirium|delirious|disorientated|disoriented|not making (?:any )?sense|hardly making sense|making no sense|"
    r"talking rubbish|(?:answers|talking|speaking) in gibberish|"
    r"altered mental (?:state|status)"
)
URINE_NONE = (
    r"(?:no|not passed|not passing|hasn'?t passed|haven'?t passed) (?:any )?urine "
    r"(?:for|in) (?:over |more than )?(?:1[89]|[2-9]\d|eighteen|twenty\w*) ?(?:h|hrs?|hours)|"
    r"no urine output|anuri\w*"
)
_BIG = r"(?:5|five|[6-9]|\d\d|six|seven|eight|nine|ten)"
# Medicines that can be dangerous to a small child in one or two doses (TOXBASE / NPIS).
TOXIC_IN_CHILDREN = (r"amitriptyline|nortriptyline|imipramine|codeine|co-?codamol|tramadol|morphine|oxycodone|methadone|"
                     r"buprenorphine|propranolol|atenolol|amlodipine|nifedipine|diltiazem|verapamil|iron tablets|digoxin|"
                     r"insulin|gliclazide|lithium|quetiapine|olanzapine|clonidine|lamotrigine|carbamazepine|"
                     r"(?:blood pressure|heart|diabetes|sleeping) (?:pills|tablets|meds)")
MEDICINES = (r"sertraline|citalopram|fluoxetine|mirtazapine|amitriptyline|nortriptyline|codeine|tramadol|morphine|oxycodone|"
             r"methadone|paracetamol|diazepam|zopiclone|quetiapine|olanzapine|lithium|propranolol|amlodipine|insulin|"
             r"iron tablets|digoxin|warfarin|metformin|gliclazide")
# ...but not when the same sentence says it is back or still there.
_ONGOING = _rx(r"(?:happening|started|come back|coming back|back) again|not settling|not gone|still (?:there|going|weak|numb|"
               r"slurred|drooping)|ongoing|(?:isn'?t|hasn'?t|not) (?:going away|gone away|getting better)")
RESOLVED = _rx(
    r"(?:fully |completely |all )?(?:resolved|recovered|came back to normal|went back to normal|back to normal|"
    r"returned to normal)|transient|amaurosis fugax|(?-i:TIA)|(?:for|lasted|lasting) (?:about |around )?(?:\d+|a few|few|"
    r"ten|twenty|five|a couple of) (?:min\w*|seconds)(?:,)? (?:then|and) (?:\w+ ){0,3}?(?:normal|fine|better|gone|went)"
)

_ANY_FEVER = (("temp_c", ">=", 38.0),)


def R(  # noqa: N802
    id: str,
    label: str,
    level: str,
    system: str,
    guideline: str,
    *criteria: Criterion,
    examples: tuple[str, ...] = (),
    non_examples: tuple[str, ...] = (),
    min_criteria: int | None = None,
    unless: re.Pattern | None = None,
) -> Rule:
    """Build a rule (a tiny constructor keeps the table below readable)."""
    return Rule(id, label, level, system, guideline, tuple(criteria), examples, non_examples, min_criteria, unless)


E, U = "emergency", "urgent"
NICE_CP = "NICE CKS: Chest pain — assessment (red flags); NICE CG95 recent-onset chest pain"
BEFAST = "AHA/ASA 2019 stroke guideline: BE-FAST recognition; NICE NG128 1.1"
NEWS2 = "NEWS2 (Royal College of Physicians 2017): single parameter score 3"
NG51 = "NICE NG51 sepsis: high-risk criteria"
IMCI = "WHO IMCI chart booklet 2014: general danger signs"
NG143 = "NICE NG143 fever in under 5s: traffic-light table (red features)"
NG12 = "NICE NG12 suspected cancer: recognition and referral"
ANAPH = "Resuscitation Council UK 2021: Emergency treatment of anaphylaxis (recognition)"
NG232 = "NICE NG232 head injury (2023): 1.4 criteria for CT head scan"
RCOG_EP = "NICE NG126 ectopic pregnancy and miscarriage: 1.2 signs and symptoms of ectopic"
RCPATH = "Royal College of Pathologists 2017: alert thresholds for critical results"
ABCDE = "Resuscitation Council UK: ABCDE approach"

# fmt: off
# (the table stays one compact entry per rule so a clinician can review it line by line)
RULES: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- cardiovascular
    R("cardiac.chest_pain_with_sweating", "Chest pain with sweating", E, "cardiovascular",
      NICE_CP, P(CHEST_PAIN), P(SWEATING),
      examples=("55M crushing chest pain and sweating for 30 minutes",),
      non_examples=("No chest pain, some sweating after the gym",
                    "Chest pain last year, now sweating at night")),
    R("cardiac.chest_pain_with_breathlessness", "Chest pain with breathlessness", E,
      "cardiovascular", NICE_CP, P(CHEST_PAIN), P(BREATHLESS),
      examples=("CP and SOB since this morning",),
      non_examples=("chest pain but denies shortness of breath",)),
    R("cardiac.chest_pain_radiating", "Chest pain radiating to arm, jaw or neck", E,
      "cardiovascular", NICE_CP, P(CHEST_PAIN), P(RADIATION),
      examples=("tight chest pain radiating to his left arm",),
      non_examples=("family history of MI, no chest pain radiating to the arm",)),
    R("cardiac.chest_pain_with_collapse", "Chest pain with fainting or collapse", E,
      "cardiovascular", NICE_CP, P(CHEST_PAIN), P(SYNCOPE),
      examples=("had chest pain then collapsed",),
      non_examples=("chest pain, did not faint",)),
    R("cardiac.tearing_pain", "Sudden tearing chest or back pain (aortic dissection)", E,
      "cardiovascular", "NICE CKS: Chest pain — aortic dissection red flags",
      P(r"(?:tearing|ripping) (?:\w+ )?(?:pain|sensation)|pain (?:is |feels )?(?:tearing|ripping)"),
      examples=("sudden tearing pain going through to the back",),
      non_examples=("no tearing pain",)),
    R("cardiac.troponin_high", "Troponin above rule-in threshold (hs-cTnT >= 52 ng/L)", E,
      "metabolic/labs", "ESC 2020 NSTE-ACS guideline: 0h/1h algorithm, hs-cTnT rule-in >= 52 ng/L",
      T(("troponin", ">=", 52)),
      examples=("troponin 250 ng/L",), non_examples=("troponin 8 ng/L",)),
    R("cardiac.palpitations_with_syncope", "Palpitations with fainting", U, "cardiovascular",
      "NICE CKS: Palpitations — red flags (syncope)", P(r"palpitations?|heart racing|racing heart"),
      P(SYNCOPE), examples=("palpitations and then fainted at work",),
      non_examples=("palpitations, no fainting",)),
    R("vascular.acute_limb_ischaemia", "Cold, pale, painful or numb limb", E, "cardiovascular",
      "NICE CKS: Peripheral arterial disease — acute limb ischaemia (6 Ps)",
      P(r"(?:cold|pale|white|blue),? (?:and )?(?:painful|numb|pulseless) (?:leg|foot|arm|hand)|"
        r"(?:leg|foot|arm|hand) (?:is |went |turned |has gone |gone )?(?:\w+\W+){0,2}?(?:cold|white|pale)"
        r"(?:,? (?:and )?(?:cold|white|pale|blue|mottled))?,? (?:and )?(?:\w+ ){0,2}?(?:painful|numb|agony)|"
        r"pulseless (?:\w+ ){0,2}?(?:leg|foot|arm|hand|limb|below)|cold,? (?:and )?pale,? (?:and )?pulseless|"
        r"(?:painful|cold|pale|white),? (?:and )?(?:cold|pale|painful|white),? (?:(?-i:[LR]) |left |right )?(?:leg|foot|arm|hand)"),
      examples=("his foot went cold and numb, very painful",),
      non_examples=("no cold painful leg",)),
    R("vascular.pulsatile_abdominal_mass", "Pulsating abdominal mass with pain (AAA)", E,
      "cardiovascular", "NICE NG156 abdominal aortic aneurysm: 1.1 symptomatic AAA",
      P(r"(?:pulsating|pulsatile|throbbing) (?:mass|lump) in " + _POSS + r"(?:abdomen|stomach|tummy|belly)"),
      examples=("a pulsating lump in his tummy and back pain",),
      non_examples=("no pulsatile mass in the abdomen",)),
    R("respiratory.pulmonary_embolism", "Breathlessness with a swollen calf or pleuritic pain", E,
      "respiratory", "NICE NG158 VTE: 1.1 PE signs; Wells score",
      P(BREATHLESS), P(r"(?:swollen|painful|tender) calf|calf (?:\w+ ){0,2}?(?:swelling|swollen|pain\w*|tender|fat|sore|hot|bigger)|(?-i:DVT)|"
                       r"(?:with|on) (?:each|every) breath|each breath|(?:pain|hurts?|sharp|stabbing)\W+" + _gap(3) + r"(?:when|on|if) (?:i |he |she )?"
                       r"(?:breath\w* in|breath\w*|inhal\w*|tak\w* a (?:deep )?breath)|pleuritic|"
                       r"cough\w* (?:up )?(?:\w+ ){0,3}?blood|leg (?:\w+\W+){0,3}?(?:swollen|massive|red and tight)"),
      examples=("sudden SOB with a swollen calf after a long flight",),
      non_examples=("short of breath, no calf swelling",)),
    # ---------------------------------------------------------------- neurological
    R("neuro.face_droop", "Facial droop (BE-FAST: Face)", E, "neurological", BEFAST,
      P(r"(?:face|facial|mouth|smile) (?:is )?(?:droop\w*|lopsided|drooping)|"
        r"droop\w* (?:of )?" + _POSS + r"(?:face|mouth)|facial asymmetry|one side of " + _POSS +
        r"face (?:has )?(?:dropped|droop\w*)|facial (?:weakness|palsy)"),
      examples=("her face is drooping on the left",),
      non_examples=("no facial droop", "history of stroke with facial droop")),
    R("neuro.arm_weakness", "One-sided or sudden arm/leg weakness or numbness (BE-FAST: Arm)", E,
      "neurological", BEFAST,
      P(r"(?:sudden(?:ly)?|one[- ]sided|left[- ]sided|right[- ]sided|(?-i:[LR])[- ]sided|(?:left|right|one) "
        r"(?:side|arm|leg|hand))\W+" + _gap(5) + r"(?:weak\w*|numb\w*|paralys\w*|heavy|dead|floppy)|"
        r"(?:weak\w*|numb\w*|paralys\w*) (?:in|of|down) " + _POSS +
        r"(?:left|right|one) (?:arm|leg|side)|hemipar\w+|hemipleg\w+|arm weakness|"
        r"can'?t (?:lift|raise) " + _POSS + r"(?:left |right )?arm|can'?t (?:lift|raise) (?:both )?arms evenly|arm drift\w*|"
        r"one arm (?:drifts|drops|falls)"),
      examples=("sudden weakness in the right arm",),
      non_examples=("denies left arm weakness", "had a stroke years ago with right arm weakness")),
    R("neuro.speech_difficulty", "Slurred or lost speech (BE-FAST: Speech)", E, "neurological",
      BEFAST,
      P(r"slurr\w*(?: speech| words)?|speech (?:is )?(?:slurred|garbled|muddled)|garbled speech|"
        r"(?:difficulty|trouble) (?:speaking|talking|finding (?:the )?words)|aphasi\w*|dysphasi\w*|"
        r"can'?t (?:get (?:the|his|her|my) words out|speak properly|talk properly)|"
        r"words (?:are )?(?:jumbled|muddled)|speech (?:\w+ ){0,2}?(?:went|gone|is|sounds?|sounding|became|has gone|"
        r"has become) (?:\w+ )?(?:funny|strange|weird|odd|slurred|garbled|drunk)"),
      examples=("speech suddenly slurred",), non_examples=("no slurred speech",)),
    R("neuro.sudden_vision_loss", "Sudden loss of vision (BE-FAST: Eyes)", E, "neurological",
      BEFAST,
      P(r"(?:vision|sight) (?:\w+ )?sudden(?:ly)? (?:went |gone |became )?(?:double|black|dark|blurr\w*|lost)|"
        r"(?:vision|sight)\W+(?:\w+\W+){0,3}?like a (?:dark |black |grey )?(?:blind|curtain|shadow)|"
        r"(?:hand movements|counting fingers|(?:perception of )?light(?: perception)?) only|"
        r"woke (?:up )?(?:\w+ ){0,3}?(?:blind|unable to see|(?:can'?t|cannot) see)|(?:vision|(?-i:VA)) (?:is |of |down to )?"
        r"(?:hand movements|counting fingers|perception of light)|"
        r"sudden(?:ly)? (?:\w+ ){0,3}?(?:loss of (?:vision|sight)|vision loss|blind\w*|lost (?:the |all |my )?(?:vision|sight)"
        r"|(?:double|blurred) vision)|(?:lost|loss of) (?:vision|sight)(?: in one eye)? suddenly|"
        r"(?:lost|loss of) (?:vision|sight) in one eye|amaurosis|can'?t see out of (?:one|my|his|her) eye"),
      examples=("sudden loss of vision in one eye",),
      non_examples=("no sudden loss of vision",)),
    R("neuro.sudden_balance_loss", "Sudden loss of balance (BE-FAST: Balance)", E, "neurological",
      BEFAST,
      P(r"sudden(?:ly)? (?:onset )?(?:loss of balance|unsteady|off balance|dizz\w*|vertigo|"
        r"(?:can'?t|unable to) (?:walk|stand))|(?:lost|losing) (?:his |her |my )?balance suddenly|ataxi\w*"),
      examples=("suddenly unsteady and falling to one side",),
      non_examples=("no sudden loss of balance",)),
    R("neuro.tia_resolved", "Stroke signs that have fully gone (TIA)", U, "neurological",
      "NICE NG128 stroke and TIA: 1.1.2 specialist assessment within 24 hours of a suspected TIA",
      P(r"weak\w*|numb\w*|slurr\w*|(?:words?|speech) (?:\w+ ){0,3}?(?:jumbled|muddled|garbled|funny)|droop\w*|"
        r"(?:loss|lost) of (?:vision|sight)|amaurosis|(?-i:TIA)|mini[- ]stroke|couldn'?t get (?:my|his|her) words out"),
      P(RESOLVED.pattern),
      examples=("left arm went weak for 10 minutes then fully recovered",),
      non_examples=("no weakness or speech problems",)),
    R("neuro.thunderclap_headache", "Thunderclap or worst-ever headache", E, "neurological",
      "NICE CKS: Headache — assessment, red flags (thunderclap headache, SAH)",
      P(r"worst headache (?:of (?:my |his |her |their )?life|ever)|thunderclap|"
        r"sudden(?:ly)? (?:severe|explosive|intense|excruciating) headache|"
        r"headache (?:came on|started) (?:suddenly|like a)|like being hit (?:on|in) the head|"
        r"head like (?:someone|somebody|being) (?:\w+ )?(?:smacked|hit|kicked|struck|whacked|shot)|almighty bang|"
        r"(?:instantly|immediately) maximal|sudden (?:\w+ ){0,2}?occipital headache|max(?:imal)? (?:<|within|in) ?1 ?min|"
        r"exploded (?:\w+ ){0,4}?(?:head|skull)|most pain (?:i'?ve|i have) ever (?:felt|had)|maximal (?:at|within) (?:onset|seconds)|hit with a (?:bat|hammer|cricket bat)|"
        r"explosion in " + _POSS + r"head|(?:sudden|explosive|thunderclap) (?:\w+ ){0,2}?pain (?:at|in) the back of " + _POSS + r"head|"
        r"explosive (?:\w+ )?headache|(?:bang|thunderclap|explosion) in the back of " + _POSS + r"head"),
      examples=("worst headache of my life, came on in seconds",),
      non_examples=("not the worst headache of her life, usual migraine",)),
    R("neuro.first_seizure", "First-ever seizure", E, "neurological",
      "NICE NG217 epilepsies: 1.2 referral after a first seizure; NHS 999 advice",
      P(r"first (?:ever )?(?:seizure|fit|convulsion)|never had a (?:seizure|fit) before"),
      examples=("first ever seizure this morning",),
      non_examples=("had a first seizure as a child",)),
    R("neuro.prolonged_seizure", "Seizure lasting over 5 minutes or repeated seizures", E,
      "neurological", "NICE NG217 epilepsies: 1.11 prolonged or repeated seizures (status)",
      P(r"status epilepticus|(?:seizur\w*|fit(?:ting|s)?|convuls\w*)\W+(?:\w+\W+){0,5}?"
        r"(?:(?:more than|over|longer than|>) ?" + _BIG + r" ?min\w*|won'?t stop|not stopping|"
        r"one after another|back[- ]to[- ]back)|(?:without|not) (?:regaining|recovering|coming round|waking up)|"
        r"(?:hasn'?t|haven'?t|not|didn'?t) (?:come|came|coming) round (?:between|in between)|(?:hasn'?t|not) woken (?:up )?(?:in )?between|"
        r"(?:[2-9]|two|three|four|several|multiple|repeated) (?:\w+ )?(?:seizures|fits|convulsions) in "
        r"(?:an? |the last |one |1 ?|2 ?)?(?:hour|h|hr|day|24 ?h\w*)|"
        r"(?:fit|seizure|convulsion)s? (?:that )?(?:won'?t|will not|isn'?t|hasn'?t|not) stop\w*|"
        r"(?:fitting|seizing|jerking|convulsing|shaking) (?:\w+ ){0,4}?for (?:about |over |more than )?" + _BIG + r" ?min\w*|"
        r"(?:ongoing|going on|lasting|been going) (?:\w+ ){0,3}?(?:(?:for|since) )?(?:about |at least |over )?" + _BIG + r" ?min\w*|"
        r"still (?:jerking|fitting|seizing|convulsing|shaking)"),
      examples=("seizure lasting more than 5 minutes",),
      non_examples=("no seizure lasting more than 5 minutes",)),
    R("neuro.unresponsive", "Unconscious or unresponsive", E, "neurological", ABCDE + " (D: AVPU)",
      P(r"unconscious|unresponsive|unrousable|won'?t wake(?: up)?|can'?t (?:be )?(?:woken|wake (?:him|her))|"
        r"not responding to (?:voice|pain)|not respond\w* (?:when|to) (?:\w+ ){0,3}?(?:shout\w*|call\w*|voice|name|talk\w*)|"
        r"agonal|gasping (?:breaths|for breath)|snoring gasps"),
      examples=("found unresponsive on the floor",),
      non_examples=("not unresponsive, talking normally",)),
    R("neuro.collapse_syncope", "Collapse, faint or loss of consciousness", U, "neurological",
      "NICE CG109 transient loss of consciousness: 1.1 initial assessment",
      P(SYNCOPE), examples=("blacked out in the kitchen",),
      non_examples=("no LOC", "fainted as a child")),
    R("neuro.new_confusion", "New confusion or altered mental state", U, "neurological",
      NEWS2 + " (new confusion, ACVPU)", P(CONFUSION),
      examples=("Grandad is newly confused today",),
      non_examples=("no new confusion",)),
    R("neuro.cauda_equina_saddle", "Saddle numbness (cauda equina)", E, "neurological",
      "NICE CKS: Sciatica / low back pain — cauda equina syndrome red flags",
      P(r"saddle (?:numbness|an(?:a)?esthesia|area (?:numb\w*|tingl\w*))|numb when (?:i |he |she )?wipe|"
        r"(?:can'?t|cannot) feel (?:the )?(?:toilet paper|tissue|paper) (?:when )?(?:i |he |she )?wip\w*|"
        r"(?:can'?t|cannot) feel when (?:i |he |she )?wipe|no feeling (?:around|in|between) " + _POSS + r"(?:back passage|bottom|privates|genitals)|"
        r"numb (?:\w+ ){0,2}?between (?:my|his|her) legs|"
        r"numb\w*\W+(?:\w+\W+){0,3}?when (?:\w+ )?wip\w*|numb\w*\W+(?:\w+\W+){0,2}?down below|down below (?:\w+ )?(?:is |feels )?numb|"
        r"(?:bum|bottom|buttocks|between (?:my|his|her) legs|back passage|private parts)\W+" + _gap(3) + r"(?:numb|tingl\w*|no feeling)|"
        r"can'?t (?:tell|feel) when (?:i|he|she) (?:need|needs) (?:a |to )?(?:wee|pee|poo|go)|"
        r"numb\w* (?:around|between|in) " + _POSS + r"(?:bottom|buttocks|genitals|anus|inner thighs|groin)"),
      examples=("back pain and saddle numbness",), non_examples=("denies saddle numbness",)),
    R("neuro.cauda_equina_sphincter", "Back pain with new incontinence or retention", E,
      "neurological", "NICE CKS: Sciatica / low back pain — cauda equina syndrome red flags",
      P(r"back ?(?:pain|ache)|backache|sciatica|lumbago|disc (?:prolapse|herniation|bulge)|slipped disc|(?-i:L[345]/[45S]1?)"),
      P(r"(?:new |lost control of |loss of )(?:bladder|bowel)(?: control)?|incontinen\w+|wet (?:myself|himself|herself)|"
        r"can'?t (?:pee|urinate|pass urine)|urinary retention|hasn'?t (?:passed urine|peed|weed)|no urine passed|"
        r"not passed (?:any )?urine"),
      examples=("low back pain and new incontinence of urine",),
      non_examples=("back pain, no incontinence",)),
    # ---------------------------------------------------------------- trauma / head injury
    R("trauma.head_injury_anticoagulant", "Head injury while on anticoagulants", E, "trauma",
      NG232, P(HEAD_INJURY),
      P(r"warfarin|apixaban|rivaroxaban|edoxaban|dabigatran|eliquis|xarelto|"
        r"anticoagula\w+|blood thinners?|(?-i:DOAC|NOAC)|clopidogrel|ha?emophilia|von willebrand|bleeding disorder"),
      examples=("hit her head, she takes warfarin",),
      non_examples=("hit her head, not on blood thinners",)),
    R("trauma.head_injury_vomiting", "Head injury with vomiting", E, "trauma", NG232,
      P(HEAD_INJURY), P(VOMIT), examples=("banged his head and has vomited twice",),
      non_examples=("bumped his head, no vomiting",)),
    R("trauma.head_injury_loc", "Head injury with loss of consciousness or amnesia", E, "trauma",
      NG232, P(HEAD_INJURY), P(SYNCOPE + r"|amnesia|can'?t remember (?:what happened|the fall)"),
      examples=("head injury with LOC",), non_examples=("head injury, no LOC",)),
    R("trauma.severe_bleeding", "Heavy or uncontrolled bleeding", E, "trauma",
      ABCDE + " (<C> catastrophic haemorrhage); ATLS 10th ed.",
      P(r"(?:bleeding|blood) (?:heavily|profusely|everywhere|won'?t stop|not stopping|"
        r"spurting|pumping|pouring)|spurting (?:\w+ ){0,2}?blood|blood (?:is )?(?:spurting|pumping|pulsing|squirting|pouring)|"
        r"(?:spurting|pumping) out|in pulses|not stopping even with|pulsatile (?:bleed\w*|blood)|bleed\w* (?:\w+ ){0,2}?not controlled|"
        r"(?:nose ?bleed|bleed\w*) (?:\w+ ){0,3}?(?:non-?stop|for (?:over )?(?:an hour|\d+ hours?|two hours))|blood (?:\w+ )?(?:going|running) "
        r"down (?:\w+ )?throat|swallowing (?:\w+ ){0,2}?blood|"
        r"(?:nose|nosebleed|bleed\w*) (?:\w+ ){0,3}?(?:pouring|gushing|streaming)|still spurting|soak\w* through (?:\d+ |two |three |several |the )?"
        r"(?:\w+ )?(?:towels?|bandages?|dressings?|tea towels?)|(?:pinching|pressure|pressing) (?:\w+ ){0,2}?(?:hasn'?t|has not|didn'?t|"
        r"won'?t|isn'?t) (?:\w+ )?stop\w*|filled (?:a |the |half a )?(?:\w+ ){0,2}?(?:bowl|bucket|basin|sink)|blood'?s? (?:is )?(?:coming|pouring|gushing|pumping|squirting) "
        r"(?:out )?(?:\w+ )?(?:fast|quickly|everywhere)|bleed\w* (?:\w+ ){0,3}?(?:even )?with (?:\w+ ){0,3}?pressing on it|(?:keeps?|kept) (?:coming|soaking|bleeding) through (?:the )?"
        r"(?:towel|bandage|dressing|cloth)|(?:bleed\w*|nosebleed|epistaxis) (?:\w+ ){0,2}?(?:won'?t|will not|doesn'?t|isn'?t|not) "
        r"stop\w*(?: \w+){0,3} (?:(?:after|for|despite) )?(?:more than |over )?(?:half an hour|an hour|\d\d+ ?min\w*|"
        r"twenty|thirty|forty)|(?:heavy|severe|uncontrolled|massive|catastrophic|arterial) "
        r"(?:bleed\w*|ha?emorrhage|hemorrhage)|spurting blood|won'?t stop bleeding|"
        r"can'?t stop the bleeding"),
      examples=("cut his hand and it is bleeding heavily",),
      non_examples=("no heavy bleeding",)),
    R("trauma.severe_burns", "Large, deep, facial or chemical/electrical burn", E, "trauma",
      "British Burn Association 2018: national burn care referral guidance",
      P(r"(?:large|big|severe|deep|full[- ]thickness|extensive|major) burns?|"
        r"burns? (?:to|on|covering) " + _POSS + r"(?:face|hands?|genitals|chest|whole)|"
        r"(?:chemical|electrical) burns?|electrocut\w*|smoke inhalation|electric(?:al)? (?:shock|injury)|shock (?:off|from) (?:the )?mains|mains (?:\w+ ){0,2}?"
        r"(?:shock|injury)|\d{3} ?v(?:olts?)? (?:\w+ )?(?:shock|injury)|struck by lightning|"
        r"(?:burn|scald)\w* (?:\w+\W+){0,16}?(?:bigger than|larger than|the size of|size of) (?:\w+ )?(?:hands|palms)|"
        r"(?:burn|scald)\w* (?:\w+\W+){0,8}?(?:bigger|larger) than (?:his|her|my|their|the|a) (?:hand|palm)|"
        r"(?:burn|scald)\w* (?:\w+\W+){0,4}?(?:across|covering|over) (?:most|all|the whole|half) of|"
        r"(?:white|charred|black) and leathery|leathery|"
        r"(?:burn\w*|scald\w*|boil\w*|kettle|hot (?:water|oil|fat|tea|coffee|drink)|pan of)\W+(?:\w+\W+){0,10}?(?:face|chest|tummy|abdomen|belly|"
        r"back(?! of (?:\w+ )?(?:hand|neck|knee|leg|arm|head|finger))|neck|genitals|groin|both (?:arms|legs|hands))(?:\W+\w+){0,12}?"
        r"\W+(?<!no )(?:white (?:patches|areas|skin)|peeling|skin (?:is )?(?:coming|came) off|blister\w*|screaming)|"
        r"(?:[5-9]|[1-9]\d) ?% ?(?:(?-i:T?BSA)|body surface|of (?:his|her|the) body)"),
      examples=("large burn on his chest from boiling water",),
      non_examples=("no burns to the face",)),
    R("trauma.penetrating_injury", "Stab, gunshot or penetrating wound", E, "trauma",
      "ESI v4 handbook: decision point B (high-risk situation); ATLS 10th ed.",
      P(r"stab(?:bed| wound)|gunshot|shot (?:in|with)|impaled|knife wound|glassed|bottled|"
        r"penetrating (?:injury|wound|trauma)"),
      examples=("stabbed in the abdomen",), non_examples=("was stabbed years ago",)),
    R("trauma.high_energy_mechanism", "High-energy injury mechanism", E, "trauma",
      "ESI v4 handbook: decision point B; ACS field triage 2021 mechanism criteria",
      P(r"(?:hit|knocked down|run over) by a (?:car|vehicle|bus|lorry|truck|van)|"
        r"(?:fell|fall(?:en)?) (?:from|off|out of) (?:\w+\W+){0,3}?(?:height|ladder|roof|balcony|scaffold\w*|"
        r"window|storey|story|tree|cliff|bridge)|(?:came|fell|thrown) off (?:\w+ )?(?:motorbike|motorcycle|horse)|"
        r"(?:cyclist|pedestrian|motorcyclist|child|boy|girl) (?:vs\.?|versus|v|hit by|struck by) (?:a )?(?:car|van|lorry|bus|truck|vehicle)|"
        r"(?:car|motorbike|motorcycle|road traffic|high[- ]speed) (?:crash|accident|collision)|(?-i:RTC|RTA|MVC)"),
      examples=("fell from a ladder onto concrete",),
      non_examples=("car crash in 2015, now back pain",)),
    R("trauma.open_or_deformed_fracture", "Deformed limb or bone through skin", E, "trauma",
      "NICE NG37 fractures (complex): 1.1 open fractures",
      P(r"(?:bone|arm|forearm|leg|shin|thigh|wrist|ankle|elbow|finger) (?:is )?(?:deformed|bent|at a (?:strange|funny|odd|weird) angle)|"
        r"(?:dinner[- ]fork|obvious|gross) deformity|"
        r"bone (?:sticking|poking) (?:out|through)|bone (?:\w+ ){0,4}?(?:sticking|poking|coming) (?:out|through)|open fracture|compound fracture"),
      examples=("his leg is at a funny angle after the tackle",),
      non_examples=("no bone sticking out",)),
    R("trauma.suspected_fracture", "Suspected fracture without deformity", U, "trauma",
      "NICE NG38 fractures (non-complex): 1.1; Ottawa ankle rules",
      P(r"(?:can'?t|cannot|unable to) (?:bear|put) weight|"
        r"(?:think|might|may|possibly|suspected?) (?:\w+ )?(?:be )?(?:broken|fractured?)|"
        r"(?:broke|broken|fractured?) (?:my|his|her) (?:arm|wrist|ankle|leg|finger|toe|collarbone|hand|foot)"),
      examples=("twisted her ankle and can't put weight on it",),
      non_examples=("broke my arm as a child",)),
    # ---------------------------------------------------------------- respiratory
    R("respiratory.cannot_speak_sentences", "Unable to speak in full sentences", E, "respiratory",
      "BTS/SIGN 158 asthma: acute severe asthma (cannot complete sentences)",
      P(r"(?:can'?t|cannot|unable to|not able to) (?:speak|talk|finish|complete) (?:in )?(?:full |whole |complete )?sentences|"
        r"(?:speaking|talking) (?:in )?(?:single |short |odd )words|one[- ]word (?:answers|sentences)|silent chest|"
        r"(?:can )?only (?:say|speak|manage|get out) (?:a (?:couple|few) (?:of )?|one or two |two or three |\d(?: ?- ?\d)? )?words"),
      examples=("so breathless she can't speak in full sentences",),
      non_examples=("able to speak in full sentences",)),
    R("respiratory.not_breathing", "Not breathing, no pulse or choking to unresponsiveness", E,
      "respiratory", "Resuscitation Council UK 2021: adult/paediatric basic life support",
      P(r"(?:not|isn'?t|stopped|has stopped|stops|stopping|stop|no longer) breathing(?! properly)|"
        r"(?:pauses?|gaps?) (?:\w+ ){0,3}?(?:stops|stopped|not) breathing|apno?(?:eic|ea|ic) (?:episodes?|spells?|attacks?|pauses?)|"
        r"apno?eic|apnea (?:episodes?|spells?)|episodes? of apno?ea|"
        r"no pulse|cardiac arrest|(?-i:CPR) in progress"),
      examples=("he collapsed and is not breathing", "found in cardiac arrest"),
      non_examples=("denies apnoea episodes", "no cardiac arrest")),
    R("respiratory.cyanosis", "Blue or grey lips or face", E, "respiratory",
      ABCDE + " (B: cyanosis)",
      P(r"blue (?:lips|tongue|face|(?:a)?round the (?:lips|mouth))|(?:lips|face|tongue) " + _gap(3) + r"(?:blue|grey|gray|purple)|"
        r"blue (?:\w+ )?(?:a)?round (?:the |his |her )?(?:lips|mouth)|(?:lips|face) (?:\w+ ){0,2}?dusky|dusky (?:lips|face)|"
        r"cyanos\w+|cyanotic"),
      examples=("his lips are turning blue",), non_examples=("lips not blue",)),
    R("respiratory.asthma_not_responding", "Severe asthma not responding to inhaler", E,
      "respiratory", "BTS/SIGN 158 asthma: acute asthma management (poor response to bronchodilator)",
      P(r"asthma\w*|wheez\w*|inhaler|salbutamol|ventolin|albuterol|puffer|reliever|nebuli[sz]er"),
      P(r"not (?:helping|working|responding|touching it)|(?:no|little) (?:help|relief|improvement|effect)|"
        r"(?:barely|hardly) (?:helping|working|touching it|doing anything)|no better|not any better|"
        r"isn'?t (?:helping|working)|doesn'?t (?:help|work)|hasn'?t (?:helped|worked)|"
        r"(?:every|each) (?:few minutes|hour)|(?:10|ten|\d\d) puffs"),
      examples=("asthma attack, blue inhaler not helping",),
      non_examples=("asthma, inhaler working well",)),
    R("respiratory.choking", "Choking or airway obstruction", E, "respiratory",
      "Resuscitation Council UK 2021: adult/paediatric choking algorithm",
      P(r"chok(?:ing|ed|es)|something stuck in " + _POSS + r"(?:throat|windpipe)|"
        r"(?:inhaled|swallowed) (?:a|an) (?:coin|toy|button|battery|peanut|grape|magnet)"),
      examples=("toddler choking on a grape",), non_examples=("no choking episode",)),
    R("respiratory.stridor", "Stridor or severe breathing effort", E, "respiratory",
      ABCDE + " (A: airway); NICE CKS Croup — severe",
      P(r"stridor|noisy breathing (?:in|at rest)|noisy breathing (?:\w+ ){0,5}?(?:even )?(?:when|while) (?:\w+\W+){0,2}?(?:sitting|still|calm|"
        r"resting|at rest|quiet|asleep)|high[- ]pitched (?:noise|sound|whistle) (?:when|on) breathing|"
        r"(?:crowing|whistling|squeaky|squeaking|high[- ]pitched|rasping)(?:/\w+)? (?:\w+ ){0,2}?(?:noise|sound)\w*(?:\W+\w+){0,4}?\W+"
        r"(?:every|each|when(?:ever)?|as) (?:\w+ )?breath\w*"),
      examples=("barking cough and stridor at rest",), non_examples=("no stridor",)),
    R("respiratory.massive_haemoptysis", "Coughing up large amounts of blood", E, "respiratory",
      "BTS guideline: massive haemoptysis (emergency)",
      P(r"coughing (?:up )?(?:lots of|a lot of|large amounts? of|cups? of|a cupful of|mouthfuls of) blood|"
        r"massive ha?emoptysis|massive hemoptysis|cough\w* (?:up )?" + _gap(6) + r"(?:mug|cup|cupful|mugful|bowl)\w* (?:of )?(?:\w+ )?blood|coughing (?:up )?(?:\w+ ){0,3}?blood(?:\W+\w+){0,4}?\W+(?:a )?(?:cupful|cup|mugful|"
        r"mouthfuls?)|pink,? frothy (?:sputum|spit|phlegm|stuff)|pink (?:\w+ )?froth\w*|(?:acute )?pulmonary o?edema"),
      examples=("coughing up a lot of blood",), non_examples=("not coughing up a lot of blood",)),
    R("respiratory.haemoptysis", "Coughing up blood (haemoptysis)", U, "respiratory",
      NG12 + " 1.1.1 lung cancer (haemoptysis); persistent cough > 3 weeks",
      P(r"ha?emoptysis|hemoptysis|coughing (?:up )?blood|blood in " + _POSS + r"(?:sputum|phlegm)|blood[- ]stained (?:sputum|phlegm)"),
      examples=("cough for 4 weeks and blood in my phlegm",),
      non_examples=("cough, no haemoptysis",)),
    # ---------------------------------------------------------------- allergy
    R("allergy.airway_swelling", "Swelling of lips, tongue or throat", E, "allergy", ANAPH,
      P(r"(?:swell\w*|swollen|puffy) (?:of |in )?" + _POSS + r"(?:lips?|tongue|throat|mouth)|"
        r"(?:lips?|tongue|throat|mouth) (?:is |are |feels? |getting |went |became )?(?:swell\w*|swollen|puffy|closing)|"
        r"throat (?:is )?(?:closing|tightening)|angio-?o?edema|angioedema|"
        r"(?:lips?|tongue|face|mouth) (?:\w+ ){0,3}?(?:puff\w*|swell\w*|swollen|thick|massive|huge|enormous)|swollen (?:face|lips|tongue)|"
        r"throat feels? (?:\w+ )?(?:thick|tight|funny|closing)"),
      examples=("tongue swelling after eating prawns",),
      non_examples=("no lip swelling", "mother had anaphylaxis with tongue swelling")),
    R("allergy.anaphylaxis_breathing", "Breathing difficulty after a sting, food or drug", E,
      "allergy", ANAPH, P(ALLERGEN), P(BREATHLESS + r"|wheez\w*|tight throat|throat tight\w*"),
      examples=("stung by a wasp and now difficulty breathing",),
      non_examples=("ate peanuts, no difficulty breathing",)),
    R("allergy.anaphylaxis_collapse", "Faint or collapse after a sting, food or drug", E,
      "allergy", ANAPH, P(ALLERGEN), P(SYNCOPE + r"|very dizzy|floppy"),
      examples=("bee sting then collapsed",),
      non_examples=("bee sting yesterday, no collapse",)),
    R("allergy.urticaria_with_compromise", "Hives or swelling with wheeze, breathing difficulty or low blood pressure", E,
      "allergy", ANAPH + " (skin features with airway, breathing or circulation problems)",
      P(r"hives|urticaria\w*|welts|angio-?o?edema|nettle rash"),
      P(r"wheez\w*|whistl\w*|hoarse|" + BREATHLESS + r"|throat (?:\w+ )?(?:tight\w*|closing)|faint\w*|collaps\w*|dizz\w*",
        ("sbp", "<=", 90)),
      examples=("generalised urticaria, BP 80/40, wheeze",),
      non_examples=("hives after a new soap, breathing normally, no wheeze",)),
    # ---------------------------------------------------------------- mental health
    R("mental_health.suicidal_plan", "Suicidal intent or plan", E, "mental_health",
      "NICE NG225 self-harm (2022): 1.3 risk assessment; NICE CKS Suicide risk",
      P(r"(?:plan|planning|plans|going|intend\w*|intent|decided) (?:\w+ ){0,3}?(?:to )?(?:kill (?:my|him|her|them)sel(?:f|ves)|"
        r"end (?:my|his|her|their) (?:own )?life|(?:commit )?suicide|take (?:my|his|her) (?:own )?life)|"
        r"suicid\w* (?:plan|intent)|(?:bought|got|saved|stockpil\w*) (?:\w+ ){0,3}(?:pills|tablets|rope) to|"
        r"wr(?:ote|itten) (?:a )?(?:suicide )?(?:note|goodbye letters?)|(?:left|wrote|written) (?:a |an )?(?:goodbye|suicide) "
        r"(?:note|letter|message)|(?:(?-i:SI)|suicidal (?:ideation|thoughts|intent)) "
        r"with (?:a )?(?:clear |definite )?plan|jump (?:off|from) (?:a |the )?(?:building|bridge|roof|cliff|balcony|car park)|"
        r"(?:standing|sitting|is|he'?s|she'?s|i'?m) on (?:the )?edge of (?:a |the )?(?:roof|bridge|cliff|building)|"
        r"on (?:the |a )?(?:roof|bridge|cliff) edge|"
        r"gave away (?:\w+ ){0,2}(?:possessions|belongings|things|dog|cat|pets?)|(?:tablets|pills|meds) saved up|"
        r"(?:planning|going|plan) to do it (?:tonight|today|now|this weekend)|"
        r"(?:saved|saving|stockpil\w*|collected|hoarded) (?:up )?(?:enough )?(?:\w+ ){0,2}?(?:tablets|pills|meds)|"
        r"going to take them (?:all )?(?:tonight|today|now)|(?:going to|gonna|will) jump|"
        r"(?:i'?m|im|i am) (?:going to )?do(?:ing)? it (?:tonight|today|now|this weekend)|"
        r"(?:written|wrote) (?:\w+ ){0,2}?letters? (?:for|to) (?:my|the) (?:kids|children|family|wife|husband|partner)"),
      examples=("I have a plan to kill myself tonight",),
      non_examples=("denies any plan to kill himself",)),
    R("mental_health.suicidal_thoughts", "Suicidal thoughts", U, "mental_health",
      "NICE CKS: Suicide risk — assessment; NICE NG225",
      P(r"suicid\w*|kill(?:ing)? (?:my|him|her)self|end(?:ing)? (?:it all|my life)|"
        r"don'?t want to (?:be alive|live|wake up)|better off dead|want(?:s)? to die|(?-i:SI)"),
      examples=("feeling suicidal",), non_examples=("denies suicidal ideation",)),
    R("mental_health.self_harm", "Self-harm", U, "mental_health",
      "NICE NG225 self-harm (2022): 1.2 assessment after self-harm",
      P(r"self[- ]?harm\w*|cut(?:ting)? (?:my|him|her)self|cutting (?:my|his|her) (?:arms?|wrists?|legs?)|"
        r"burn(?:ing|t|ed)? (?:my|him|her)self|(?-i:DSH)"),
      examples=("she has been cutting herself",), non_examples=("no self-harm",)),
    R("mental_health.overdose", "Overdose or poisoning", E, "mental_health",
      "NICE NG225 self-harm: 1.1 emergency care after overdose; TOXBASE",
      P(r"overdos\w*|(?-i:OD|OD'd)|(?:took|taken|swallowed|necked|downed|ingested) (?:~|about |around )?(?:\w+ ){0,3}?(?:all|a lot of|lots of|too many|a (?:whole )?(?:bottle|packet|"
        r"box|strip|load) of|loads of|[1-9]\d+|a dozen|a handful of|unknown (?:number|amount|qty|quantity) of) (?:\w+\W+){0,5}?(?:pills|tablets|paracetamol|acetaminophen|tylenol|"
        r"sleeping pills|meds|medications?|antidepressants|painkillers|co-?codamol|ibuprofen|aspirin|" + MEDICINES + r")|"
        r"(?:swallowed|ate|eaten|drank|drunk|drinking|chewed|licked) (?:\w+ ){0,5}?(?:pills|tablets|bleach|"
        r"batter(?:y|ies)|magnets|dishwasher (?:liquid|tablets?|pods?)|washing (?:\w+ )?(?:pods?|capsules?|tablets?)|"
        r"detergent|drain cleaner|oven cleaner|caustic|anti-?freeze|weed ?killer|paraquat|white spirit|"
        r"paraffin|lamp oil|methanol|pesticide|rat poison|slug pellets)|button batter(?:y|ies)|"
        r"(?<!food )poison\w*(?! ivy| oak| (?:enquiry|centre|center|information|line|unit|helpline))|carbon monoxide|empty (?:\w+ ){0,2}?(?:packets?|bottles?|boxes|blister packs?) of"),
      examples=("took 20 paracetamol tablets an hour ago",),
      non_examples=("no overdose", "overdose years ago")),
    R("mental_health.harm_to_others", "Intent to harm others or command hallucinations", E,
      "mental_health", "NICE CG136 service user experience / Mental Health Act crisis guidance",
      P(r"voices (?:\w+ )?(?:telling|tell) (?:me|him|her) to (?:kill|hurt|harm)|"
        r"(?:want|going|plan\w*) to (?:kill|hurt|harm) (?:someone|somebody|others|people|them)|homicid\w*"),
      examples=("hearing voices telling him to hurt people",),
      non_examples=("denies homicidal thoughts",)),
    # ---------------------------------------------------------------- infection / sepsis
    R("infection.sepsis_high_risk", "Signs of infection with NICE NG51 high-risk criteria", E,
      "infection/sepsis", NG51 + " (RR >= 25, SpO2 < 92, SBP <= 90, HR > 130, new confusion, "
      "mottled skin, no urine 18 h)",
      P(INFECTION, *_ANY_FEVER),
      P(CONFUSION + r"|mottl\w*|ashen|non[- ]blanching|" + URINE_NONE + r"|"
        r"(?:shiver|shak)\w* uncontrollabl\w*|uncontrollabl\w* (?:shiver|shak)\w*|extreme shivering|"
        r"(?:skin|knees|legs|hands|feet|arms|body|he|she|it) (?:\w+ ){0,3}?(?:blotchy|mottled|discoloured|purply)|"
        r"feel\w* (?:like )?(?:i'?m|i am|he'?s|she'?s|they'?re) (?:going to )?(?:die|dying)|worse than (?:i'?ve|i have) ever felt|"
        r"(?:not|hasn'?t|haven'?t) (?:peed|weed|passed (?:any )?urine|had a (?:wee|pee)) (?:since|all day|for a day)|"
        r"slurr\w* (?:speech|words)|(?:very|severely|really) (?:breathless|short of breath)",
        ("rr", ">=", 25), ("spo2", "<", 92), ("sbp", "<=", 90), ("hr", ">", 130)),
      examples=("fever and rigors, HR 135, BP 85/50",
                "flu for days, now shaking uncontrollably, skin blotchy, haven't peed since yesterday"),
      non_examples=("no fever, HR 135",)),
    R("infection.fever_stiff_neck", "Fever with stiff neck (meningism)", E, "infection/sepsis",
      "NICE NG240 meningitis (2024): 1.1 symptoms and signs",
      P(FEVER, *_ANY_FEVER),
      P(r"stiff (?:neck|necked)|neck (?:is )?(?:stiff\w*|rigid)|neck stiffness|(?:can'?t|cannot) (?:bring|put|touch|get) (?:his|her|my|their) "
        r"chin (?:to|on|onto) (?:his|her|my|their) chest|can'?t (?:bend|touch) " + _POSS +
        r"(?:chin|neck)|nuchal rigidity|meningism|kernig\w*|brudzinski\w*"),
      examples=("high temperature and a stiff neck",),
      non_examples=("fever but no neck stiffness",)),
    R("infection.non_blanching_rash", "Non-blanching rash", E, "infection/sepsis",
      "NICE NG240 meningitis (2024): 1.1 non-blanching rash; NG143 red",
      P(r"non[- ]?blanching|(?:doesn'?t|does not|didn'?t|won'?t) (?:fade|blanch)|petechia\w*|purpur\w*"),
      examples=("a rash that doesn't fade with a glass",),
      non_examples=("no petechiae",)),
    R("infection.fever_photophobia", "Fever with photophobia", E, "infection/sepsis",
      "NICE NG240 meningitis (2024): 1.1 symptoms and signs",
      P(FEVER, *_ANY_FEVER),
      P(r"photophob\w*|light hurts " + _POSS + r"eyes|(?:sensitive|sensitivity) to (?:the )?light|"
        r"can'?t (?:stand|bear|tolerate) (?:the )?light|(?:screw\w*|squint\w*) (?:\w+ )?eyes (?:up )?(?:against|at|in) (?:the )?light"),
      examples=("febrile with photophobia",), non_examples=("fever, no photophobia",)),
    R("infection.neutropenic_sepsis", "Fever during chemotherapy", E, "infection/sepsis",
      "NICE CG151 neutropenic sepsis: 1.1 suspected neutropenic sepsis",
      P(r"chemo\w*|neutropen\w*|on (?:cancer )?treatment for (?:leukaemia|lymphoma|cancer)|methotrexate|clozapine|"
        r"carbimazole|azathioprine|mycophenolate|agranulocytosis|cycle \d+|docetaxel|paclitaxel|carboplatin|cisplatin|oxaliplatin|"
        r"capecitabine|cyclophosphamide|doxorubicin|(?:post |after )?cycle \d+ (?:of )?"
        r"(?:\w+\W+){0,2}?(?:for|of)|(?-i:FEC-?T?|R-?CHOP|ABVD|FOLFOX|FOLFIRI|CAPOX|BEP|EC-?T)\b"),
      P(FEVER, *_ANY_FEVER),
      examples=("on chemotherapy and temp 38.3",),
      non_examples=("chemo last year, fever today",)),
    R("infection.fever_5_days", "Fever lasting 5 days or more", U, "infection/sepsis",
      NG143 + " (amber: fever >= 5 days)",
      P(r"(?:fever\w*|febrile|temperature|temp)\W+(?:\w+\W+){0,3}?" + _BIG + r" days|"
        + _BIG + r" days (?:of|with) (?:a )?(?:fever|high temperature|temperature)"),
      examples=("fever for 6 days",), non_examples=("fever for 2 days, no fever for 5 days",)),
    R("infection.no_urine_18h", "No urine for 18 hours or more", U, "infection/sepsis",
      NG51 + " (not passed urine in previous 18 h)", P(URINE_NONE),
      examples=("has not passed urine for 20 hours",),
      non_examples=("passing urine normally",)),
    # ---------------------------------------------------------------- gastrointestinal
    R("gi.haematemesis", "Vomiting blood", E, "gastrointestinal",
      "NICE CG141 upper GI bleeding: 1.1; NICE CKS GI bleeding",
      P(r"(?:vomit\w*|throw\w* up|threw up|puk\w*|being sick|sick\w*|bringing up|brought up) (?:up )?" + _gap(7) + r"blood|"
        r"(?:bloody|blood in " + _POSS + r") vomit|ha?ematemesis|hematemesis"),
      examples=("vomiting blood since lunch",),
      non_examples=("not vomiting blood", "no fever, no haematemesis")),
    R("gi.coffee_ground_vomit", "Coffee-ground vomit", E, "gastrointestinal",
      "NICE CG141 upper GI bleeding: 1.1", P(r"coffee[- ]?grounds?(?: vomit\w*)?"),
      examples=("vomit looks like coffee grounds",), non_examples=("no coffee ground vomit",)),
    R("gi.melaena", "Black, tarry stools (melaena)", E, "gastrointestinal",
      "NICE CG141 upper GI bleeding: 1.1 (melaena)",
      P(r"mela?ena|melena|black,? (?:tarry|sticky|tar[- ]like) (?:stools?|poo|faeces|feces|bowel motions?)|"
        r"tarry (?:stools?|poo)|black (?:stools?|poo)|black (?:[\w-]+ ){0,3}?(?:stools?|poos?|motions?)|"
        r"(?:poo|stools?|motions?) (?:\w+ ){0,2}?(?:gone |is |are |been )?(?:black|tarry|like tar)"),
      examples=("passing black tarry stools",), non_examples=("no melaena",)),
    R("gi.large_rectal_bleeding", "Large rectal bleeding", E, "gastrointestinal",
      "BSG 2019 acute lower GI bleeding guideline: unstable bleed",
      P(r"(?:lots of|a lot of|large amounts? of|heavy|massive|large|profuse|significant|torrential) (?:\w+ )?"
        r"(?:rectal bleed\w*|bleeding from " + _POSS + r"(?:bottom|back passage|rectum)|"
        r"blood (?:from|in) " + _POSS + r"(?:bottom|back passage|stools?|poo)|(?-i:PR) bleed\w*|blood (?:(?-i:PR)|per rectum))|"
        r"(?:passing|passed) (?:large )?clots from " + _POSS + r"(?:bottom|back passage)"),
      examples=("large PR bleed this morning",),
      non_examples=("no large amount of blood in stools",)),
    R("gi.rigid_abdomen", "Rigid abdomen or peritonism", E, "gastrointestinal",
      "NICE CKS: Acute abdomen (peritonitis) red flags",
      P(r"rigid (?:abdomen|tummy|belly|stomach)|(?:abdomen|tummy|belly|stomach) (?:is |feels )?"
        r"(?:rigid|board[- ]like|hard as a board)|board[- ]like|(?:rigid|hard|stiff) as a board|guarding|peritonism|peritonitis|rebound tenderness"),
      examples=("abdomen is rigid and very tender",), non_examples=("abdomen soft, no guarding",)),
    R("gi.severe_abdominal_pain_vomiting", "Severe abdominal pain with vomiting", U,
      "gastrointestinal", "NICE CKS: Acute abdomen — same-day surgical assessment",
      P(r"(?:severe|excruciating|worst|agoni[sz]ing|unbearable|intense|terrible) (?:\w+ )?"
        r"(?:abdominal|abdo|tummy|stomach|belly) (?:pain|ache)"),
      P(VOMIT), examples=("severe abdominal pain and vomiting",),
      non_examples=("severe abdominal pain, no vomiting",)),
    R("gi.bilious_vomiting_child", "Green (bilious) vomiting in a child", E, "paediatric",
      "NICE NG143 / RCS paediatric surgery: bilious vomiting (malrotation)",
      P(r"green (?:vomit|bile|sick|stuff|liquid)|bilious vomit\w*|vomit\w* (?:green|bile)|"
        r"(?:sick|vomit\w*|throw\w* up|bringing up|brought up|come back up|came back up|coming back up) (?:\w+ ){0,3}?green|"
        r"(?<!non-)(?<!non )bilious"),
      P(CHILD, ("age", "<", 16)),
      examples=("baby vomiting green bile",), non_examples=("baby, no green vomit",)),
    R("gi.dysphagia", "New difficulty swallowing", U, "gastrointestinal",
      NG12 + " 1.2.1 oesophageal cancer (dysphagia)",
      P(r"(?:difficulty|trouble) swallowing|dysphagia|food (?:is )?(?:sticking|getting stuck)"),
      examples=("difficulty swallowing for a month",), non_examples=("no dysphagia",)),
    R("gi.jaundice", "New jaundice", U, "gastrointestinal",
      NG12 + " 1.2.5 pancreatic cancer (jaundice); NICE CKS jaundice",
      P(r"jaundic\w*|yellow (?:skin|eyes)|(?:skin|eyes) (?:(?:look|looks|are|is|turning|gone|going|looking) ){0,2}yellow"),
      examples=("his eyes are turning yellow",), non_examples=("not jaundiced",)),
    # ---------------------------------------------------------------- obstetric
    R("obstetric.ectopic_one_sided_pain", "Pregnant or missed period with one-sided abdominal pain", E,
      "obstetric", RCOG_EP, P(PREG_OR_MISSED),
      P(r"(?:one[- ]sided|unilateral|(?:left|right)[- ]sided|(?:left|right) (?:lower|iliac))"
        r" (?:\w+ )?(?:abdominal |abdo |tummy |pelvic |belly |stomach |fossa )?pain|"
        r"pain (?:\w+ ){0,3}?(?:in|on) " + _POSS + r"(?:left|right|one) (?:side|lower)|(?-i:[LR]) ?iliac fossa pain|(?-i:[LR]IF) pain|"
        r"(?:pain|ache)\W+(?:\w+\W+){0,5}?on the (?:left|right)(?! (?:arm|hand|leg|foot|knee|ear|eye))|"
        r"(?:pain|ache) (?:\w+ ){0,3}?(?:down|on|in) (?:the |my |her )?(?:left|right) side|(?:pain|ache) (?:\w+ ){0,2}?(?:low|lower) "
        r"(?:left|right)(?: side)?"),
      examples=("missed period and right-sided pelvic pain",),
      non_examples=("pregnant, no one-sided pain",)),
    R("obstetric.ectopic_shoulder_tip", "Pregnant or missed period with shoulder-tip pain", E,
      "obstetric", RCOG_EP, P(PREG_OR_MISSED), P(r"shoulder[- ]tip pain|pain (?:in|at|on) (?:the )?(?:tip|top) of " + _POSS + r"shoulder"),
      examples=("6 weeks pregnant with shoulder tip pain",),
      non_examples=("pregnant, denies shoulder tip pain",)),
    R("obstetric.ectopic_bleeding_faint", "Pregnant or missed period with bleeding and fainting", E,
      "obstetric", RCOG_EP, P(PREG_OR_MISSED),
      P(r"(?:vaginal |(?-i:PV) )?bleed\w*|spotting"), P(SYNCOPE + r"|dizz\w*|light[- ]headed"),
      examples=("positive pregnancy test, some bleeding and fainted",),
      non_examples=("pregnant, bleeding, no dizziness or fainting",)),
    R("obstetric.heavy_bleeding", "Heavy bleeding in pregnancy", E, "obstetric",
      "RCOG Green-top 63 antepartum haemorrhage; NICE NG126",
      P(PREGNANT),
      P(r"(?:heavy|heavily|lots of|a lot of|soaking|large|gush\w*|profuse|significant) (?:\w+ ){0,3}?"
        r"(?:vaginal )?(?:bleed\w*|blood)|bleeding heavily|soaking (?:through )?(?:a |one )?pads?|"
        r"passing (?:large )?clots"),
      examples=("28 weeks pregnant and bleeding heavily",),
      non_examples=("pregnant, no heavy bleeding",)),
    R("obstetric.reduced_fetal_movements", "Reduced or absent fetal movements", E, "obstetric",
      "RCOG Green-top 57 reduced fetal movements",
      P(r"(?:reduced|decreased|fewer|less|no|absent|stopped) (?:\w+ )?(?:fetal|foetal|baby'?s?) movements?|"
        r"(?-i:RFM)|baby (?:is |has )?(?:not moving|moving less|stopped moving|hasn'?t moved)|"
        r"baby(?:'s)? (?:is |has been )?moving (?:\w+ ){0,3}?less|(?:fewer|less) (?:kicks|movements) than (?:usual|normal)|"
        r"(?:haven'?t|hasn'?t|not) felt (?:\w+ )?(?:him|her|it|the baby|baby|them) (?:move|moving|kick\w*)|"
        r"(?:can'?t|cannot) remember (?:feeling|the last time) (?:\w+ ){0,3}?(?:kick|move)\w*|"
        r"baby (?:\w+ ){0,4}?(?:not|no|hasn'?t|didn'?t) (?:move|moving|moved|kick\w*) since|(?:hardly|barely) moved|"
        r"(?:less|fewer) than (?:half )?(?:the )?usual (?:kicks|movements)|(?:haven'?t|not) felt (?:a single|any) kicks?"),
      examples=("32/40, baby moving less since yesterday",),
      non_examples=("denies reduced fetal movements",)),
    R("obstetric.pre_eclampsia_symptoms", "Pregnant with severe headache, visual disturbance or epigastric pain", E,
      "obstetric", "NICE NG133 hypertension in pregnancy: 1.4 pre-eclampsia symptoms",
      P(PREGNANT),
      P(r"(?:severe|bad|terrible|splitting|worst) headache|blurr\w* vision|visual disturbance\w*|"
        r"flashing lights|seeing (?:spots|stars|flashes)|sudden swelling of " + _POSS + r"(?:face|hands|feet)|"
        r"pain (?:just )?(?:below|under) " + _POSS + r"ribs|epigastric pain"),
      examples=("34 weeks pregnant with a severe headache and blurred vision",),
      non_examples=("pregnant, denies headache or blurred vision",)),
    R("obstetric.severe_hypertension", "Blood pressure >= 160/110 in pregnancy or after birth", E, "obstetric",
      "NICE NG133 hypertension in pregnancy: severe hypertension >= 160/110",
      P(PREGNANT + "|" + POSTPARTUM), T(("sbp", ">=", 160), ("dbp", ">=", 110)),
      examples=("30/40, BP 165/112",), non_examples=("pregnant, BP 118/72",)),
    R("obstetric.preterm_rupture_of_membranes", "Waters breaking before 37 weeks", E, "obstetric",
      "NICE NG25 preterm labour and birth: 1.2 P-PROM",
      P(r"(?:waters?|membranes) (?:have |has )?(?:just )?(?:broken|broke|breaking|went|gone|ruptured)|"
        r"leaking (?:clear )?(?:fluid|water)|gush of (?:clear )?(?:fluid|water)|rupture of membranes|(?-i:P?PROM|SROM)"),
      P(r"preterm|premature", ("gestation", "<", 37)),
      examples=("30 weeks pregnant and my waters broke",),
      non_examples=("39 weeks pregnant, waters broke", "30 weeks pregnant, waters not broken")),
    R("obstetric.postpartum_haemorrhage", "Heavy bleeding after birth", E, "obstetric",
      "RCOG Green-top 52 postpartum haemorrhage",
      P(POSTPARTUM),
      P(r"(?:heavy|heavily|lots of|a lot of|soaking|large|gush\w*|profuse) (?:\w+ )?(?:bleed\w*|blood|clots)|"
        r"bleeding heavily|soaking (?:through )?(?:a |one )?(?:\w+ )?pads?|clots (?:the size of|as big as|bigger than|larger than)|"
        r"(?:golf ?ball|fist|plum|lemon|palm)[- ]sized clots|bleed\w* (?:a lot|heavily|loads)|in gushes|"
        r"soaked (?:through )?(?:\d+|two|three|four|several) (?:\w+ )?(?:towels|pads)|(?:pads?|towels?) (?:\w+ )?(?:drenched|soaked)"),
      examples=("gave birth last week, now bleeding heavily with clots",),
      non_examples=("gave birth 3 days ago, no heavy bleeding",)),
    R("obstetric.uti_in_pregnancy", "Urinary infection symptoms in pregnancy", U, "obstetric",
      "NICE NG109 UTI (lower): 1.1 pregnant women — send urine culture, treat same day",
      P(PREGNANT),
      P(r"burning (?:when|on) (?:peeing|urinating|passing urine|weeing)|dysuria|"
        r"sting\w* when (?:i )?(?:pee|wee|urinate)|(?-i:UTI)|urine infection|water infection"),
      examples=("20 weeks pregnant with burning when peeing",),
      non_examples=("pregnant, no dysuria",)),
    R("obstetric.hyperemesis", "Pregnant and unable to keep fluids down", U, "obstetric",
      "RCOG Green-top 69 nausea and vomiting of pregnancy / hyperemesis",
      P(PREGNANT),
      P(r"(?:can'?t|cannot|unable to) keep (?:anything|fluids|water|food|drinks) down|"
        r"vomiting (?:everything|all day)|hyperemesis"),
      examples=("8 weeks pregnant and can't keep fluids down",),
      non_examples=("pregnant, able to keep fluids down",)),
    # ---------------------------------------------------------------- paediatric
    R("paediatric.infant_fever", "Fever >= 38 °C in an infant under 3 months", E, "paediatric",
      NG143 + " (age < 3 months, temperature >= 38 °C)",
      P(r"newborn|neonat\w*", ("age", "<", 0.25)), P(FEVER, *_ANY_FEVER),
      examples=("6 wk old with temp 38.2", "my 3 week old baby has a fever"),
      non_examples=("6 wk old, no fever, temp 37.1", "2 year old with temp 38.5")),
    R("paediatric.fever_3_to_6_months", "Temperature >= 39 °C at 3 to 6 months", U, "paediatric",
      "NICE NG143 fever in under 5s: amber (age 3-6 months, temperature >= 39 °C)",
      T(("age", "<", 0.5)), T(("age", ">=", 0.25)), T(("temp_c", ">=", 39.0)),
      examples=("4 month old baby, temp 39.4",), non_examples=("4 month old, temp 37.8",)),
    R("paediatric.unable_to_drink", "Child unable to drink or feed", E, "paediatric", IMCI,
      P(CHILD, ("age", "<", 5)),
      P(r"(?:unable|not able|can'?t|cannot|won'?t|refus\w*) (?:to )?(?:drink|feed|breastfeed|breast ?feed|suck|"
        r"take (?:any )?(?:fluids|milk|feeds))|not (?:drinking|feeding)(?! more| much| extra| as much| a lot)(?: at all)?"),
      examples=("my 2 year old is not drinking at all",),
      non_examples=("toddler drinking well, no refusal to drink",)),
    R("paediatric.lethargic", "Child lethargic, floppy or hard to wake", E, "paediatric",
      IMCI + "; " + NG143,
      P(CHILD, ("age", "<", 16)),
      P(r"letharg\w*|floppy|unresponsive|hard to (?:wake|rouse)|difficult to (?:wake|rouse)|"
        r"won'?t wake|not waking|not rousing|unusually (?:sleepy|drowsy)|limp(?! \w*(?:\+|and|with) )|(?:hardly|barely|not really) "
        r"(?:waking|rousing|responding)|(?:very|really|so) (?:sleepy|drowsy)|(?:won'?t|can'?t) stay awake"),
      examples=("baby is floppy and hard to wake",), non_examples=("baby not lethargic, alert",)),
    R("paediatric.convulsions", "Convulsions in a child", E, "paediatric", IMCI,
      P(CHILD, ("age", "<", 16)), P(SEIZURE),
      examples=("toddler had a fit with a fever",), non_examples=("child had a seizure as a baby",)),
    R("paediatric.vomits_everything", "Child vomiting everything", E, "paediatric", IMCI,
      P(CHILD, ("age", "<", 5)),
      P(r"vomit\w* (?:up )?everything|(?:can'?t|cannot) keep anything down|throw\w* up everything|"
        r"vomit\w* after every (?:feed|drink)"),
      examples=("baby vomits everything she drinks",),
      non_examples=("child not vomiting everything, keeping fluids down",)),
    R("paediatric.no_wet_nappy", "No wet nappy for 12 hours (dehydration)", U, "paediatric",
      "NICE CG84 diarrhoea and vomiting in children: 1.2 dehydration (reduced urine output)",
      P(r"no wet (?:nappy|nappies|diapers?)|(?:nappy|nappies|diapers?) (?:have been |has been |are |is )?dry|"
        r"dry (?:nappy|nappies|diapers?)|hasn'?t (?:had a )?(?:wet|weed|peed)"),
      examples=("no wet nappy for 12 hours",), non_examples=("plenty of wet nappies, not dry",)),
    R("paediatric.bulging_fontanelle", "Bulging fontanelle", E, "paediatric", NG143,
      P(r"bulging (?:soft spot|fontanell?e)|(?:fontanell?e|soft spot) (?:is )?(?:bulging|tense|swollen|raised)"),
      examples=("baby has a bulging soft spot",), non_examples=("fontanelle not bulging",)),
    R("paediatric.respiratory_distress", "Child grunting or with chest indrawing", E, "paediatric",
      IMCI + " (chest indrawing, stridor); " + NG143,
      P(CHILD, ("age", "<", 16)),
      P(r"grunt\w*|sucking in (?:under|between) (?:her|his|the) ribs|chest (?:in-?drawing|recession|sucking in)|ribs (?:are )?sucking in|(?:skin|neck) (?:\w+ ){0,2}?sucking in|(?:skin )?(?:between|under) (?:his|her|the) "
        r"ribs (?:\w+ )?(?:is |are )?(?:sucking|pulling|pulls|pull|going|drawing) in|"
        r"(?:subcostal|intercostal) recession|nasal flaring|head bobbing"),
      examples=("baby grunting with chest indrawing",), non_examples=("infant, no grunting",)),
    R("paediatric.mottled_or_pale", "Child mottled, ashen or blue", E, "paediatric", NG143,
      P(CHILD, ("age", "<", 16)), P(r"mottl\w*|ashen|blotchy (?:grey|blue)|pale and floppy"),
      examples=("baby looks mottled",), non_examples=("child, not mottled",)),
    R("paediatric.abnormal_cry", "Weak, high-pitched or continuous cry", E, "paediatric", NG143,
      P(r"high[- ]pitched (?:cry|crying|scream\w*)|weak cry|(?:continuous|inconsolable) (?:cry|crying)"),
      examples=("baby has a high-pitched cry",), non_examples=("no high-pitched cry",)),
    # ---------------------------------------------------------------- urology / genital
    R("urology.testicular_torsion", "Sudden severe testicular pain", E, "urology",
      "NICE CKS: Scrotal pain and swelling — testicular torsion",
      P(r"(?:sudden|severe|intense|excruciating|agoni[sz]ing|bad|awful|acute) (?:\w+ ){0,2}?(?:(?-i:[LR]) )?(?:testic\w*|testes|testis|scrot\w*|balls?) pain|"
        r"high[- ]riding (?:testis|testicle)|absent cremasteric|(?:higher|sitting high) (?:up )?than the other|"
        r"(?:sudden|severe|intense|excruciating|agoni[sz]ing|awful|acute|really bad) (?:\w+ ){0,2}?pain (?:in|of) (?:one|my|his|the|a|left|right) "
        r"(?:\w+ )?(?:testic\w*|testis|ball|scrotum|nut)|"
        r"(?:testic\w*|testis|testes|scrot\w*) pain (?:that )?(?:came on )?sudden\w*|torsion"),
      examples=("14 year old boy with sudden severe testicular pain",),
      non_examples=("no testicular pain",)),
    R("urology.priapism", "Erection lasting over 4 hours", E, "urology",
      "BAUS / EAU guideline: ischaemic priapism",
      P(r"priapism|erection (?:\w+\W+){0,6}?(?:4|four|[5-9]|\d\d|five|six|several) hours|(?:penis|erection) (?:has )?(?:stayed|been) "
        r"(?:stiff|hard|up)(?:\W+\w+){0,6}?\W+(?:since|for|hours)|(?:penis|erection) (?:has )?(?:stayed|been) (?:stiff|hard)|"
        r"erection (?:that )?(?:won'?t|will not|doesn'?t|does not) go (?:away|down)"),
      examples=("erection lasting more than 4 hours",), non_examples=("no priapism",)),
    R("urology.urinary_retention", "Unable to pass urine", U, "urology",
      "NICE CKS: LUTS in men — acute urinary retention",
      P(r"(?:can'?t|cannot|unable to) (?:pee|urinate|pass urine|wee)|urinary retention|"
        r"haven'?t (?:peed|urinated|passed urine)"),
      examples=("can't pee since last night and lower tummy is painful",),
      non_examples=("no urinary retention",)),
    R("urology.visible_haematuria", "Blood in the urine", U, "urology",
      NG12 + " 1.6 urological cancers (visible haematuria)",
      P(r"blood in " + _POSS + r"(?:urine|pee|wee)|ha?ematuria|hematuria|(?:red|pink|bloody) (?:urine|pee|wee)|"
        r"(?:peeing|urinating) blood"),
      examples=("noticed blood in my urine",), non_examples=("no haematuria",)),
    # ---------------------------------------------------------------- ophthalmology
    R("eye.chemical_injury", "Chemical in the eye", E, "ophthalmology",
      "Royal College of Ophthalmologists: chemical eye injury — immediate irrigation",
      P(r"eye (?:\w+ ){0,3}?(?:with )?(?:a )?(?:splash|spray|squirt) of (?:\w+ ){0,2}?(?:cleaner|bleach|acid|chemical|alkali|caustic)|"
        r"(?:chemical|bleach|acid|alkali|cement|lime|oven cleaner|drain[- ](?:cleaner|unblocker|opener)|unblocker|caustic|"
        r"sodium hydroxide|ammonia|"
        r"cleaning (?:the )?oven|spray|aerosol|cleaning product|detergent)"
        r"\W+(?:\w+\W+){0,8}?(?:splash\w*|flick\w*|spray\w*|squirt\w*|went|got) (?:\w+ ){0,3}?(?:in|into|to) (?:\w+ ){0,2}?"
        r"(?:eyes?|face\W+(?:\w+\W+){0,3}?eyes?)|"
        r"(?:chemical|bleach|acid|alkali|cement|lime|oven cleaner|drain cleaner|caustic)\W+(?:\w+\W+){0,4}?"
        r"(?:in|into) (?:\w+ )?eyes?|chemical (?:eye )?(?:injury|splash|burn) (?:to|in) " + _POSS + r"eyes?"),
      examples=("splashed bleach in my eye",), non_examples=("no chemical in the eye",)),
    R("eye.acute_angle_closure", "Painful red eye with blurred vision or halos", E, "ophthalmology",
      "NICE CKS: Red eye — acute angle-closure glaucoma",
      P(r"painful red eye|red,? painful eye|eye pain (?:with|and) (?:blurred vision|halos|vomiting)|"
        r"halos? (?:a?round|over) (?:the )?lights|(?:fixed|mid)[- ](?:mid[- ])?dilated pupil|(?:hazy|cloudy|steamy) cornea|"
        r"haloes|pupil (?:\w+ ){0,2}?(?:fixed|mid-?dilated)|cornea (?:\w+ )?(?:hazy|cloudy|steamy)|(?:rainbow|coloured|colored) "
        r"(?:rings|halos?|circles) (?:a?round|over)|rainbows? (?:a?round|over)|eye (?:\w+ ){0,3}?(?:painful and red|red and (?:very )?painful)"),
      examples=("painful red eye and halos around lights",), non_examples=("no painful red eye",)),
    R("eye.retinal_detachment", "New flashes or floaters", U, "ophthalmology",
      "NICE CKS: Retinal detachment — same-day referral",
      P(r"(?:flashes|flashing lights) (?:and|with) (?:new )?floaters|new floaters"),
      examples=("flashes with new floaters since this morning",), non_examples=("no new floaters",)),
    R("eye.curtain_over_vision", "A curtain or shadow coming over the vision", E, "ophthalmology",
      "NHS: detached retina — go to eye casualty or A&E immediately; NICE CKS retinal detachment",
      P(r"(?:shadow|curtain) (?:\w+ ){0,2}?(?:advancing|spreading|moving)|(?:shadow|curtain|veil|blind)\W+(?:\w+\W+){0,2}?(?:over|across|coming (?:down|across) (?:over|in|from)?|in) " + _gap(7) +
        r"(?:vision|eye|sight)"),
      examples=("a curtain coming down over the top half of my vision",), non_examples=("no shadow over my vision",)),
    # ---------------------------------------------------------------- oncology (suspected cancer)
    R("oncology.breast_lump", "New breast lump", U, "oncology", NG12 + " 1.4 breast cancer",
      P(r"(?:lump|mass) in " + _POSS + r"(?:left |right )?breast|breast (?:lump|mass)"),
      examples=("found a new lump in my breast",), non_examples=("no breast lump",)),
    R("oncology.unexplained_weight_loss", "Unexplained weight loss", U, "oncology",
      NG12 + " (unexplained weight loss)",
      P(r"(?:unexplained|unintentional|unintended|unexplained) weight loss|"
        r"(?:losing|lost) (?:\w+ ){0,3}?weight without (?:trying|dieting|meaning to)"),
      examples=("unexplained weight loss of 6 kg",), non_examples=("no unintentional weight loss",)),
    R("oncology.growing_lump", "Lump that is growing", U, "oncology",
      NG12 + " 1.11 sarcoma (lump increasing in size)",
      P(r"lump (?:(?!(?:not|isn'?t|no)\b)\w+ ){0,4}?(?:that is |that's |which is |is )?(?:growing|getting bigger|increasing in size|enlarging)|"
        r"(?:growing|enlarging) lump"),
      examples=("a lump on my arm that is getting bigger",),
      non_examples=("lump is not getting bigger",)),
    R("oncology.postmenopausal_bleeding", "Postmenopausal bleeding", U, "oncology",
      NG12 + " 1.5 gynaecological cancers",
      P(r"post[- ]?menopausal bleed\w*|bleed\w* after (?:the |my |her )?menopause|(?-i:PMB)"),
      examples=("postmenopausal bleeding for a week",), non_examples=("no postmenopausal bleeding",)),
    # ---------------------------------------------------------------- metabolic / labs
    R("metabolic.dka_signs", "Diabetic with ketones, fruity breath or deep breathing (DKA)", E,
      "metabolic/labs", "JBDS 2023 DKA guideline: diagnosis (ketonaemia >= 3 mmol/L)",
      P(DIABETIC),
      P(r"(?:high |raised )?ketones?(?!\W{0,3}(?:of |at |is |was )?[0-2](?:\.\d+)?(?!\d))|ketonaemia|ketonemia|"
        r"ketosis|(?-i:DKA)|pear drops|fruity breath|acetone|kussmaul|deep sighing breath\w*"),
      examples=("type 1 diabetic, vomiting, ketones 4.2",),
      non_examples=("diabetic, ketones negative",)),
    R("metabolic.hyperglycaemia_with_ketones", "Glucose >= 25 mmol/L with ketones", E,
      "metabolic/labs", "JBDS 2023 DKA guideline; ADA 2024 hyperglycaemic crises",
      T(("glucose", ">=", 25)), P(r"ketones?|ketonuria|ketonaemia|ketonemia|ketotic"),
      examples=("glucose 30 mmol/L with ketones in urine",),
      non_examples=("glucose 30 mmol/L, no ketones",)),
    R("metabolic.diabetic_vomiting", "Diabetic and vomiting (sick-day risk)", U, "metabolic/labs",
      "JBDS / NICE NG17 type 1 diabetes: sick-day rules", P(DIABETIC), P(VOMIT),
      examples=("diabetic on insulin and vomiting since last night",),
      non_examples=("diabetic, no vomiting",)),
    R("metabolic.hypoglycaemia", "Glucose <= 3.0 mmol/L", U, "metabolic/labs",
      "ADA 2024 standards 6: level 2 hypoglycaemia (< 3.0 mmol/L); JBDS hypoglycaemia",
      T(("glucose", "<=", 3.0)), examples=("BM 2.1",), non_examples=("BM 6.5",)),
    R("metabolic.hypoglycaemia_impaired", "Hypoglycaemia with confusion, seizure or unresponsiveness", E,
      "metabolic/labs", "JBDS 2022 hypoglycaemia in adults: severe hypoglycaemia",
      P(r"hypo(?:glyca?emi\w*)?|low (?:blood )?sugar", ("glucose", "<=", 3.0)),
      P(CONFUSION + r"|confused|unresponsive|unconscious|drowsy|only (?:groan|moan|respond)\w* (?:when|to)|won'?t swallow|" + SEIZURE),
      examples=("blood sugar 1.9 and confused",), non_examples=("no hypo, confused",)),
    R("labs.hyperkalaemia", "Potassium >= 6.5 mmol/L", E, "metabolic/labs",
      "UK Kidney Association 2020 hyperkalaemia guideline: severe (>= 6.5)", T(("k", ">=", 6.5)),
      examples=("K 6.8",), non_examples=("K 4.2",)),
    R("labs.hypokalaemia", "Potassium <= 2.5 mmol/L", U, "metabolic/labs", RCPATH,
      T(("k", "<=", 2.5)), examples=("potassium 2.3 mmol/L",), non_examples=("K+ 3.9",)),
    R("labs.hyponatraemia", "Sodium <= 120 mmol/L", U, "metabolic/labs", RCPATH,
      T(("na", "<=", 120)), examples=("Na 118",), non_examples=("Na 138",)),
    R("labs.hypernatraemia", "Sodium >= 160 mmol/L", U, "metabolic/labs", RCPATH,
      T(("na", ">=", 160)), examples=("sodium 162",), non_examples=("sodium 141",)),
    R("labs.severe_anaemia", "Haemoglobin < 70 g/L", U, "metabolic/labs",
      "NICE NG24 blood transfusion: 1.2 restrictive threshold 70 g/L",
      T(("hb", "<", 70)), examples=("Hb 65 g/L", "Hb 6.1 g/dL"), non_examples=("Hb 135 g/L",)),
    R("labs.lactate_high", "Lactate >= 4 mmol/L", E, "metabolic/labs",
      NG51 + " (lactate > 4 mmol/L); Surviving Sepsis Campaign 2021",
      T(("lactate", ">=", 4)), examples=("lactate 4.5",), non_examples=("lactate 1.2",)),
    # ---------------------------------------------------------------- vital signs
    R("vitals.respiratory_rate", "Respiratory rate <= 8 or >= 25 /min", U, "vital_signs", NEWS2,
      T(("rr", "<=", 8), ("rr", ">=", 25)), examples=("RR 28",), non_examples=("RR 16",)),
    R("vitals.oxygen_saturation", "SpO2 <= 91 %", U, "vital_signs", NEWS2 + " (scale 1)",
      T(("spo2", "<=", 91)), examples=("sats 88% on air",), non_examples=("SpO2 97%",)),
    R("vitals.systolic_bp", "Systolic BP <= 90 or >= 220 mmHg", U, "vital_signs", NEWS2,
      T(("sbp", "<=", 90), ("sbp", ">=", 220)), examples=("BP 80/50",), non_examples=("BP 120/80",)),
    R("vitals.heart_rate", "Heart rate <= 40 or >= 131 /min", U, "vital_signs", NEWS2,
      T(("hr", "<=", 40), ("hr", ">=", 131)), examples=("pulse 140 bpm",), non_examples=("HR 72",)),
    R("vitals.temperature", "Temperature <= 35.0 or >= 39.1 °C", U, "vital_signs", NEWS2,
      T(("temp_c", "<=", 35.0), ("temp_c", ">=", 39.1)),
      examples=("temp 103F", "T 34.6"), non_examples=("T 37.0", "temp 99F")),
    R("vitals.gcs_reduced", "GCS below 15", U, "vital_signs", NEWS2 + " (ACVPU: not alert)",
      T(("gcs", "<", 15)), examples=("GCS 13/15",), non_examples=("GCS 15",)),
    R("vitals.gcs_critical", "GCS 8 or below", E, "vital_signs",
      ABCDE + " (D); NICE NG232 (GCS <= 8: airway protection)", T(("gcs", "<=", 8)),
      examples=("GCS 7",), non_examples=("GCS 14",)),
    # ---------------------------------------------------------------- time-critical presentations
    # Emergencies as they are often written: without the textbook words, or as a combination
    # that only together is an emergency.
    R("cardiac.suspected_mi", "Suspected heart attack or STEMI", E, "cardiovascular",
      "ESC 2023 acute coronary syndromes guideline: STEMI (ST elevation); NICE CG95",
      P(r"(?:having|think (?:it'?s|it is|i'?m having|he'?s having|she'?s having)) (?:a )?heart attack|"
        r"(?-i:STEMI)|(?-i:ST)[- ](?:segment )?elevation|(?-i:ST) ?↑|(?-i:STE) in"),
      examples=("50F, CP 2h, ST elevation V2-V4 on GP ECG", "I think I'm having a heart attack"),
      non_examples=("had a heart attack in 2015, now well", "no ST elevation, pain reproducible")),
    R("cardiac.atypical_acs", "Arm or jaw pain, epigastric pain or breathlessness with sweating, clamminess or greyness",
      E, "cardiovascular", NICE_CP + " (atypical presentations: women, older people, diabetes)",
      P(RADIATION + r"|(?:epigastric|upper (?:tummy|abdominal|stomach)) (?:pain|discomfort)|indigestion|" + BREATHLESS),
      P(SWEATING + r"|(?:looks?|looking|went|gone|turned|going|is|very) (?:very )?(?:grey|gray|ashen)|ashen|"
        r"grey and sweaty"),
      examples=("jaw and left arm ache, feels sick and clammy", "epigastric discomfort and SOB, looks grey"),
      non_examples=("jaw pain after the dentist, not clammy", "breathless on stairs, no sweating")),
    R("cardiac.arrhythmia_adverse", "Very fast or slow pulse with fainting, chest pain or breathlessness", E,
      "cardiovascular", "Resuscitation Council UK 2021: tachycardia and bradycardia algorithms (adverse features)",
      T(("hr", ">=", 150), ("hr", "<=", 40)),
      P(SYNCOPE + r"|(?:going to|about to|might|gonna) (?:pass out|faint)|feel\w* faint|light[- ]?headed|dizz\w*|"
        r"vision (?:\w+ )?(?:going|went|gone) (?:grey|gray|black|dark)|" + CHEST_PAIN + "|" + BREATHLESS + "|" + CONFUSION),
      examples=("heart racing at 190 and I feel like I'm going to pass out", "HR 34, syncope while standing"),
      non_examples=("HR 155 on the treadmill, felt fine", "HR 38, athlete, no dizziness")),
    R("cardiac.icd_shocks", "Repeated shocks from an implanted defibrillator", E, "cardiovascular",
      "ESC 2022 ventricular arrhythmias guideline: electrical storm (>= 3 shocks in 24 h)",
      P(r"(?:ICD|defib\w*|device) (?:has )?(?:shock\w*|gone off|fired|went off) (?:me |him |her )?(?:\w+ ){0,2}?(?:[2-9]|two|three|four|several|"
        r"multiple|many) times|(?:[2-9]|two|three|several|multiple|repeated) (?:ICD )?shocks"),
      examples=("ICD shocked me 3 times in the last hour",),
      non_examples=("ICD has never shocked me",)),
    R("cardiac.exertional_syncope", "Fainting during exercise or with a family history of sudden death", E,
      "cardiovascular", "ESC 2018 syncope guideline: high-risk features (syncope during exertion; family "
      "history of sudden cardiac death)",
      P(SYNCOPE),
      P(r"(?:while|during|when|whilst) " + _gap(2) + r"(?:jogging|running|exercis\w*|exertion|playing (?:football|sport\w*)|"
        r"swimming|cycling|training|a race|a match)|exertional|on exertion|"
        r"family history of sudden (?:cardiac )?death|(?:young )?(?:relatives?|family members?) (?:who )?died suddenly"),
      examples=("collapsed while jogging with no warning",),
      non_examples=("fainted at the sight of blood",)),
    R("cardiac.endocarditis", "Fever with a new heart murmur", E, "cardiovascular",
      "ESC 2023 endocarditis guideline: suspected infective endocarditis (fever + new murmur)",
      P(FEVER, *_ANY_FEVER), P(r"new (?:heart )?murmur"),
      examples=("IVDU, fever 39.6, new murmur",), non_examples=("fever, no new murmur",)),
    R("vascular.known_aneurysm_pain", "Known aneurysm with new pain or fainting", E, "cardiovascular",
      "NICE NG156 abdominal aortic aneurysm: 1.1 symptomatic or ruptured AAA (refer immediately)",
      P(r"aneurysm|(?-i:AAA)|swelling in (?:his|her|my|the) (?:main )?artery|aort\w*"),
      P(r"pain|ache|pop|faint\w*|collaps\w*|light[- ]headed|dizz\w*|went down"),
      examples=("felt a pop and a pulsing pain into my back, I have an aneurysm they were watching",),
      non_examples=("aneurysm screening letter arrived, no symptoms",)),
    R("vascular.shock", "Low blood pressure with signs of shock", E, "cardiovascular",
      ABCDE + " (C: shock); NICE NG51 high risk (SBP <= 90)",
      T(("sbp", "<=", 90)),
      P(r"pale|clammy|cold|grey|gray|ashen|mottl\w*|sweat\w*|drows\w*|faint\w*|collaps\w*|dizz\w*|"
        r"light[- ]headed|" + CONFUSION, ("hr", ">=", 120), ("hr", "<=", 40)),
      examples=("BP 78/50, HR 180, confused", "BP 82/50, pale and clammy"),
      non_examples=("BP 88/60, always low, feels well",)),
    R("neuro.spinal_cord_compression", "Cannot move or feel the legs (spinal cord compression)", E, "neurological",
      "NICE NG234 spinal metastases and metastatic spinal cord compression (2023): 1.1 recognition",
      P(r"(?:can'?t|cannot|unable to) (?:move|feel) (?:either |both |my |his |her )?legs?|"
        r"(?:can'?t|cannot) feel anything below|numb (?:from|below) (?:the |my |his |her )?(?:waist|belly button|chest)|"
        r"(?:both|his|her|my) legs (?:have )?(?:gone|went|are|going) (?:\w+ )?(?:weak|numb|dead)|paraplegi\w*|"
        r"(?-i:MSCC)|cord compression|bilateral (?:leg|lower limb) weakness|weakness (?:in|of) both legs|sensory level|"
        r"legs\W+(?:\w+\W+){0,2}?like jelly|jelly legs|legs (?:keep )?giving way"),
      examples=("can't move either leg or feel anything below my belly button",),
      non_examples=("legs feel tired after the walk, no numbness",)),
    R("neuro.raised_intracranial_pressure", "Shunt or brain tumour with headache, vomiting or drowsiness", E,
      "neurological", "NICE NG99 brain tumours / BSPN guidance: raised intracranial pressure or shunt malfunction "
      "(emergency neurosurgical review)",
      P(r"shunt|brain tumou?r|glioma|glioblastoma|hydrocephalus|brain (?:mets|metastas[ie]s)"), P(r"headache|" + VOMIT + r"|drows\w*|sleepy|confus\w*|sunset\w*|" + SEIZURE),
      examples=("VP shunt, headache, vomiting, drowsy", "brain tumour, today vomiting and drowsy"),
      non_examples=("VP shunt, well, routine review",)),
    R("neuro.reduced_consciousness_gcs", "GCS 12 or below", E, "neurological",
      "NICE NG232 head injury (2023): 1.4 GCS < 13 on assessment; ESI v4 (altered mental status)",
      T(("gcs", "<=", 12)), examples=("fall from 2nd floor window, GCS 12",), non_examples=("GCS 14",)),
    R("neuro.not_rousable_adult", "Will not stay awake or not answering properly", E, "neurological",
      ABCDE + " (D: AVPU — responds only to voice or pain)",
      P(r"(?:won'?t|can'?t|cannot|unable to) stay awake|not answering (?:\w+ )?(?:properly|questions)|"
        r"barely (?:conscious|responsive|rousable)|only (?:responds|responding) to (?:pain|voice)|keeps? passing out"),
      examples=("very confused and cold, won't stay awake",),
      non_examples=("tired but stays awake and answers properly",)),
    R("neuro.alcohol_withdrawal_complicated", "Alcohol withdrawal with a fit, hallucinations or confusion", E,
      "neurological", "NICE CG100 alcohol-use disorders: 1.1 admit for withdrawal seizures or delirium tremens",
      P(r"(?:stopped|stopping|cut down|quit|without) (?:\w+ ){0,2}?(?:drinking|alcohol|booze|vodka|beer|wine|cider|whisky|gin)|"
        r"(?:alcohol|drink\w*) withdrawal|drinking heavily|cold turkey"),
      P(SEIZURE + r"|hallucinat\w*|seeing (?:\w+ )?(?:things|bugs|insects|spiders)|(?:picking at|brushing off) (?:\w+ )?"
        r"(?:insects|bugs|things|spiders)|(?:delirium|DTs)|" + CONFUSION),
      examples=("stopped drinking three days ago, seeing bugs on the walls and had a fit",),
      non_examples=("cut down on drinking, sleeping badly, no fits or hallucinations",)),
    R("trauma.abdominal_injury_shock", "Blow to the abdomen with dizziness, pallor or shoulder-tip pain", E,
      "trauma", "ATLS 10th ed.: abdominal trauma (splenic injury, Kehr's sign); ESI v4 decision point B",
      P(r"(?:hit|kicked|punched|struck|elbowed|winded|blow|landed|fell) (?:\w+ ){0,6}?(?:in|on|to|onto) "
        + _POSS + r"(?:belly|tummy|abdomen|stomach|ribs|side)|handlebar\w*|(?:hit|kicked|punched|struck|bashed|banged|injured) "
        r"(?:his|her|my|their) (?:tummy|belly|abdomen|stomach|side|ribs)|(?:came|fell|thrown) off (?:\w+ )?(?:motorbike|"
        r"motorcycle|horse|quad|scooter)"),
      P(r"dizz\w*|pale|faint\w*|light[- ]headed|shoulder[- ]?(?:tip )?pain|pain (?:\w+ ){0,3}(?:in)?to " + _POSS +
        r"(?:left )?shoulder|" + VOMIT + r" blood|collaps\w*"),
      examples=("hit in the belly by a football, now dizzy, pale, pain going up into my left shoulder",),
      non_examples=("kicked in the shin at football",)),
    R("trauma.penile_fracture", "Penile fracture", E, "urology",
      "EAU 2023 urological trauma guideline: penile fracture (surgical emergency)",
      P(r"penile fracture|fractured? (?:my |his |the )?penis|(?:crack|snap|pop)\w* (?:\w+ ){0,4}?(?:during|after|in) "
        r"(?:sex|intercourse)"),
      examples=("penile fracture after intercourse, audible crack",),
      non_examples=("pain during sex, no crack or swelling",)),
    R("respiratory.drowning", "Drowning or near-drowning", E, "respiratory",
      "Resuscitation Council UK 2021: special circumstances — drowning (all survivors to hospital)",
      P(r"(?:near[- ])?drown\w*|pulled (?:him |her |them )?(?:out of|from) (?:the |a )?(?:pool|water|sea|river|lake|bath|canal|pond|reservoir|quarry)|"
        r"went under (?:the )?water|inhaled water"),
      examples=("pulled out of the pool after going under, drowsy and coughing",),
      non_examples=("swims every day, no problems",)),
    R("respiratory.hypoxia_symptomatic", "SpO2 91 % or below with breathlessness, chest pain or fever", E,
      "respiratory", "BTS 2017 emergency oxygen guideline: acutely ill with SpO2 < 92 % needs oxygen and assessment",
      T(("spo2", "<=", 91)), P(BREATHLESS + r"|" + CHEST_PAIN + r"|" + FEVER + r"|apno?\w*|drows\w*", *_ANY_FEVER),
      examples=("sickle cell, chest pain, fever, oxygen 88 on my finger clip",),
      non_examples=("SpO2 97%, short of breath on exertion",)),
    R("ent.cannot_swallow_saliva", "Drooling or unable to swallow saliva (epiglottitis, abscess, caustic)", E,
      "ENT", "NICE CKS: Sore throat — admit if stridor, drooling or unable to swallow (epiglottitis, quinsy)",
      P(r"(?:can'?t|cannot|unable to|won'?t) (?:even )?swallow (?:\w+ ){0,3}?(?:saliva|spit|fluids|anything)|drool\w*|dribbl\w*|"
        r"sitting forward to breathe|tripod\w*|hot potato voice|sitting (?:bolt )?upright (?:\w+ )?leaning forward"),
      P(FEVER + r"|sore throat|throat|tonsillitis|breathing (?:is )?(?:\w+ )?(?:an effort|hard|difficult)|" + BREATHLESS +
        r"|won'?t swallow|can'?t swallow|drank|swallowed|bleach|stuck|spit\w* "
        r"(?:\w+ ){0,2}?(?:into|in) a (?:bowl|cup|bag)|"
        r"dishwasher|sitting forward", *_ANY_FEVER),
      examples=("high fever, drooling, can't swallow her spit, sitting forward to breathe",),
      non_examples=("teething baby drooling a lot, feeding well",)),
    R("ent.post_tonsillectomy_bleed", "Bleeding after tonsil or throat surgery", E, "ENT",
      "ENT UK: post-tonsillectomy haemorrhage — attend the emergency department",
      P(r"tonsillectomy|(?:tonsils?|adenoids?) (?:out|removed|operation|taken out)|post[- ]?tonsils?"),
      P(r"bleed\w*|blood|clots"),
      examples=("tonsillectomy 7 days ago, brisk bleeding, spitting clots",),
      non_examples=("tonsillectomy last week, sore but no bleeding",)),
    R("infection.toxic_shock", "Tampon or wound with fever and rash, vomiting or fainting (toxic shock)", E,
      "infection/sepsis", "NICE CKS / UKHSA: suspected toxic shock syndrome — emergency admission",
      P(r"tampon|menstrual cup"), P(FEVER, *_ANY_FEVER),
      P(r"rash|sunburn|" + VOMIT + r"|faint\w*|dizz\w*|collaps\w*"),
      examples=("tampon in for 3 days, high fever, vomiting and a sunburn-like rash",),
      non_examples=("tampon forgotten for a day, no fever, feel fine",)),
    R("infection.necrotising", "Rapidly spreading redness or pain out of proportion (necrotising infection)", E,
      "infection/sepsis", "NICE CKS: Cellulitis — admit if rapidly spreading or necrotising fasciitis suspected",
      P(r"(?:redness|red(?:ness)? area|swelling|infection|rash|it) (?:is |'s )?spreading (?:\w+ ){0,2}?(?:fast|quickly|rapidly)|"
        r"spread\w* (?:\w+ ){0,3}?(?:very |really |so )?(?:fast|quickly|rapidly)|(?:pain|agony) (?:\w+ ){0,2}?out of (?:proportion|keeping)|"
        r"(?:much |way )?(?:worse|more) than it looks|purple-?black|necroti[sz]\w*|fournier\w*|(?:gone|red,?) (?:red, )?hot and swollen very quickly"),
      P(r"pain|agony|fever\w*|unwell|temperature|dying|red|crepitus", *_ANY_FEVER),
      examples=("redness on my leg spreading really fast, agony, much worse than it looks",),
      non_examples=("red patch on my leg, not spreading, not painful",)),
    R("infection.infected_obstruction", "Fever with an obstructing kidney stone", E, "urology",
      "EAU 2024 urolithiasis guideline: obstructed infected kidney (urgent decompression)",
      P(r"obstruct\w* (?:\w+ ){0,2}?stone|hydronephrosis|stone (?:\w+ )?obstruct\w*|(?:kidney|renal|ureteric) stone|stone in "
        + _POSS + r"(?:kidney|ureter)"), P(FEVER + r"|rigou?rs", *_ANY_FEVER),
      examples=("renal colic, T 39.1, obstructing 8mm stone with hydronephrosis",),
      non_examples=("kidney stone, no fever, pain settling",)),
    R("infection.sickle_cell_crisis", "Sickle cell disease with chest symptoms, fever or stroke signs", E,
      "haematology", "NICE CG143 sickle cell acute painful episode; BSH 2015 acute chest syndrome",
      P(r"sickle[- ]cell|(?-i:SCD|HbSS)"),
      P(CHEST_PAIN + r"|" + BREATHLESS + r"|" + FEVER + r"|priapism|erection|weak\w*|slurr\w*", *_ANY_FEVER),
      examples=("I have sickle cell and now chest pain and fever",),
      non_examples=("sickle cell trait, routine check, no symptoms",)),
    R("metabolic.adrenal_crisis", "Adrenal insufficiency with vomiting, collapse or low blood pressure", E,
      "metabolic/labs", "Society for Endocrinology 2020: adrenal crisis — emergency hydrocortisone",
      P(r"addison\w*|adrenal (?:insufficiency|crisis|failure)|hypopituitar\w*|(?:on|takes?|taking) "
        r"(?:\w+ )?(?:hydrocortisone|prednisolone|steroids)"),
      P(VOMIT + r"|(?-i:D&V|D\+V)|diarrh\w*|collaps\w*|faint\w*|(?:unable|can'?t|cannot) (?:to )?(?:take|keep down) "
        r"(?:\w+ )?(?:hydrocortisone|steroids|tablets)|drows\w*|" + CONFUSION, ("sbp", "<=", 90)),
      examples=("Addison's, D&V for 2 days, unable to take hydrocortisone, BP 82/50",),
      non_examples=("Addison's, well, routine blood test",)),
    R("metabolic.hyperglycaemic_crisis", "Glucose 30 mmol/L or more with drowsiness, vomiting or dehydration", E,
      "metabolic/labs", "JBDS 2022 hyperosmolar hyperglycaemic state guideline: diagnosis",
      T(("glucose", ">=", 30)),
      P(r"drows\w*|confus\w*|" + VOMIT + r"|dry (?:mouth|mucosa|mucous)|dehydrat\w*|not drinking", ("na", ">=", 150)),
      examples=("BG 42 mmol/L, drowsy, dry mucosa",), non_examples=("glucose 32, feels fine, drinking",)),
    R("metabolic.severe_dehydration_syncope", "Unable to keep fluids down with fainting or almost no urine", E,
      "metabolic/labs", "NICE CKS: Gastroenteritis / hyperemesis — admit if severely dehydrated (syncope, oliguria)",
      P(r"(?:can'?t|cannot|unable to) keep (?:even )?(?:anything|fluids|water|food|drinks) down|vomit\w* everything|"
        r"throw\w* up everything"),
      P(r"faint\w*|collaps\w*|pass(?:ed|ing) out|(?:peeing|passing|weeing|pee|urine) (?:almost |hardly |barely )?nothing|"
        r"(?:hardly|barely) (?:peeing|weeing|passed urine)|no urine"),
      examples=("can't keep water down for 2 days, peeing almost nothing, fainted in the shower",),
      non_examples=("vomited twice, keeping water down now, no fainting",)),
    R("poisoning.carbon_monoxide", "Carbon monoxide exposure", E, "toxicology",
      "UKHSA carbon monoxide: recognition and emergency management",
      P(r"carbon monoxide|(?:CO|gas|boiler|co2?) (?:alarm|detector) (?:\w+ )?(?:went off|going off|sounding|beeping)|"
        r"(?:gas|exhaust|generator) fumes|(?:old |faulty )(?:gas )?(?:boiler|fire|heater|stove)|car (?:engine )?running|"
        r"(?-i:CO) (?:reading|level)|gas (?:fire|heater|stove|boiler) (?:was |were |had been )?(?:on|left on|running)|gas heater|"
        r"(?:heater|stove|bbq|barbecue|generator) in (?:the|a) (?:caravan|tent|garage)|"
        r"(?:better|fine) (?:when|once|after|at) (?:\w+\W+){0,2}?(?:out|outside|work|away)|flame (?:\w+ ){0,3}?orange|"
        r"(?:whole family|everyone (?:in the house|at home)|all of us) (?:\w+ ){0,4}?(?:headaches?|sick|dizzy)"),
      P(r"headache|heads|nause\w*|" + VOMIT + r"|dizz\w*|drows\w*|confus\w*|collaps\w*|unwell|sick"),
      examples=("boiler alarm went off and everyone has a headache and is throwing up",),
      non_examples=("CO alarm tested, works, nobody unwell",)),
    R("gi.bowel_obstruction", "Not passing wind with vomiting or a swollen abdomen (obstruction)", E,
      "gastrointestinal", "NICE CKS: Acute abdomen — bowel obstruction (emergency surgical admission)",
      P(r"(?:not|haven'?t|hasn'?t|can'?t|cannot|unable to|no) (?:been )?(?:able to )?(?:opened (?:my|his|her|their) bowels "
        r"(?:or|and|nor) )?(?:pass(?:ed|ing)? (?:any )?(?:wind|gas)|pass(?:ed)? wind or (?:done|had) a poo|"
        r"(?:had|done) a poo (?:or|and|nor) (?:even )?pass(?:ed)? wind|pooed (?:or|and|nor) passed wind|"
        r"farted|flatus)|absolute constipation|feculent|fa?ecal vomit\w*"),
      P(VOMIT + r"|distend\w*|swollen (?:belly|tummy|abdomen|stomach)|bloat\w*|feculent|blown up|tight (?:as|like) a drum|"
        r"like a balloon"),
      examples=("absolute constipation, no flatus 3 days, distended, feculent vomiting",),
      non_examples=("constipated for 3 days but passing wind, no vomiting",)),
    R("gi.spreading_abdominal_pain", "Abdominal pain spreading across the whole abdomen, or moved to the right lower side with fever",
      E, "gastrointestinal", "NICE CKS: Acute abdomen — peritonitis, appendicitis (emergency surgical assessment)",
      P(r"(?:whole|entire|all (?:of )?(?:my|his|her|the)) (?:tummy|abdomen|belly|stomach) (?:is |was )?(?:\w+ )?"
        r"(?:agony|excruciating|rigid|hard)|spread\w* (?:across|over|through(?:out)?) (?:the |my |his |her )?whole "
        r"(?:tummy|abdomen|belly|stomach)|(?:pain|it) (?:\w+ ){0,3}?(?:moved|moving|went|shifted) (?:down )?to (?:the )?"
        r"(?:lower )?right"),
      P(FEVER + r"|hot and shiv\w*|agony|(?:can'?t|cannot) (?:stand|walk) (?:up )?straight|" + VOMIT, *_ANY_FEVER),
      examples=("pain moved to the lower right, now the whole tummy is agony, hot and shivery",),
      non_examples=("mild tummy ache, not spreading, no fever",)),
    R("gi.intussusception", "Child with redcurrant-jelly stool or bouts of screaming with legs drawn up", E,
      "paediatric", "NICE CKS / RCS: suspected intussusception (emergency)",
      P(r"(?:red(?:currant)?|currant) jelly|jelly[- ]like (?:\w+ )?(?:blood|stools?|poo)|"
        r"(?:pulling|draws?|drawing|pulls) (?:\w+ )?(?:legs|knees) up"),
      P(CHILD + r"|nappy|diaper", ("age", "<", 5)),
      P(r"jelly|blood|scream\w*|inconsolabl\w*|" + VOMIT),
      examples=("10 month old screaming in bursts, pulling her legs up, red jelly stuff in her nappy",),
      non_examples=("baby with wind pulls his legs up after feeds, settles, no blood",)),
    R("obstetric.abruption", "Pregnant with constant abdominal pain and bleeding, or a hard uterus", E, "obstetric",
      "RCOG Green-top 63 antepartum haemorrhage: placental abruption",
      P(PREGNANT),
      P(r"(?:constant|severe|continuous|agoni[sz]ing) (?:\w+ ){0,2}?(?:abdominal|abdo|tummy|stomach|belly|uterine) pain|"
        r"(?:constant|severe|continuous|agoni[sz]ing|awful) pain (?:in|across) (?:my |her |the )?(?:bump|tummy|belly|abdomen|uterus)|"
        r"(?:belly|bump|tummy|uterus|abdomen) (?:has )?(?:gone|is|feels) (?:rock )?(?:hard|tense|rigid)|"
        r"(?:uterus|bump|abdomen|tummy) (?:\w+ ){0,2}?(?:tender|hard|tense) and (?:hard|tense|tender)|"
        r"(?:painful|tender) (?:constant )?(?:abdomen|uterus|bump)|woody|(?:hard|tense|rigid) (?:uterus|bump|tummy|abdomen)|"
        r"(?:uterus|bump|tummy) (?:is |feels )?(?:rock )?(?:hard|tense|rigid)"),
      P(r"(?:vaginal |(?-i:PV) )?bleed\w*|blood", ("hr", ">=", 0)),
      examples=("39/40, painful constant abdomen, woody uterus, PV bleed",),
      non_examples=("34 weeks, Braxton Hicks tightenings, no bleeding",)),
    R("obstetric.fetal_bradycardia", "Fetal heart rate below 110", E, "obstetric",
      "NICE NG229 fetal monitoring in labour (2022): fetal bradycardia",
      P(r"(?:fetal|foetal|baby'?s) (?:hr|heart ?rate|heart ?beat)(?: of| is| was)? (?:[3-9]\d|10\d)\b|(?-i:FHR) (?:[3-9]\d|10\d)\b"),
      examples=("fetal HR 90",), non_examples=("fetal HR 140",)),
    R("obstetric.pyelonephritis", "Pregnant with fever and back or loin pain", E, "obstetric",
      "NICE NG111 pyelonephritis (acute): 1.1 refer pregnant women with signs of pyelonephritis to hospital",
      P(PREGNANT), P(FEVER + r"|chills|shiver\w*", *_ANY_FEVER),
      P(r"(?:loin|flank|kidney) pain|pain (?:in|on) (?:my |her )?(?:back|side|loin|flank)|back(?:ache| pain) on one side|"
        r"(?:pain|ache) (?:in|on) (?:my |her )?(?:back|loin) on one side"),
      examples=("20 weeks pregnant, fever, chills, pain in my back on one side",),
      non_examples=("pregnant, backache from posture, no fever",)),
    R("obstetric.ovarian_torsion", "Sudden severe one-sided pelvic pain with vomiting or a known ovarian cyst", E,
      "gynaecology", "NICE CKS: Ovarian cyst — torsion (emergency surgical referral)",
      P(r"(?:sudden|severe|agoni[sz]ing|excruciating) (?:\w+ ){0,3}?(?:pelvic|lower (?:tummy|abdominal|abdo|belly)|groin|iliac fossa) pain|"
        r"(?:sudden|severe|sharp) (?:\w+ ){0,2}?pain (?:\w+ ){0,4}?(?:down low|low down|lower (?:tummy|abdomen|belly)|pelvis)"),
      P(r"ovar\w*|torsion|" + VOMIT),
      examples=("sudden severe pelvic pain on one side, vomiting, known ovarian cyst",),
      non_examples=("mild pelvic pain mid-cycle, no vomiting",)),
    R("urology.retention_severe", "Unable to pass any urine with severe pain or a swollen lower abdomen", E, "urology",
      "NHS: Urinary retention — go to A&E if you cannot pee at all; NICE CKS acute urinary retention",
      P(r"(?:can'?t|cannot|unable to|(?:have|has)n'?t been able to|not been able to) (?:pee|urinate|pass (?:any )?(?:urine|water)|wee|pass a drop)(?: at all)?|"
        r"urinary retention|(?:unable to|can'?t|cannot) void|palpable (?:\w+ )?bladder|no urine passed|"
        r"catheter (?:\w+\W+){0,5}?(?:not draining|blocked|isn'?t draining|stopped draining)|"
        r"(?:not|hasn'?t|haven'?t) passed (?:any )?urine"),
      P(r"unbearable|agony|excruciating|severe|swollen|distend\w*|bulging|bursting|at all|a drop|pacing|distress\w*|"
        r"tender|palpable"),
      examples=("haven't been able to pee at all for 12 hours, belly swollen, pain unbearable",),
      non_examples=("peeing often, stinging, able to pee",)),
    R("metabolic.new_dka_signs", "Thirst, passing lots of urine or weight loss with deep breathing, ketotic breath or vomiting",
      E, "metabolic/labs", "NICE NG18 diabetes in children: 1.4 suspected DKA (refer immediately); JBDS 2023 DKA",
      P(r"pear drops|nail varnish|acetone|fruity (?:breath|smell)|kussmaul\w*|pant\w* (?:deeply|hard)|(?:breath\w*|breathing) (?:\w+ ){0,2}?deep(?:ly)? "
        r"(?:and|&) (?:fast|rapid|heavy)|deep (?:sighing |rapid |fast )?breath\w*|(?-i:DKA)|pH (?:6\.\d+|7\.[0-2]\d?)\b"),
      P(DIABETIC + r"|thirst\w*|drinking (?:loads|lots|a lot|all the time)|wee\w* (?:all the time|loads|a lot)|pee\w* (?:all the time|loads|a lot)|"
        r"polyuri\w*|polydipsi\w*|lost weight|weight loss|" + VOMIT + r"|(?:high|raised) (?:blood )?(?:sugar|glucose)",
        ("glucose", ">=", 11)),
      examples=("drinking loads and weeing all the time, now being sick, breath smells like nail varnish, breathing deep and fast",),
      non_examples=("thirsty in the heat, drinking a lot, breathing normally",)),
    R("metabolic.hyponatraemia_symptomatic", "Sodium 125 mmol/L or less with confusion, seizure, vomiting or drowsiness", E,
      "metabolic/labs", "European Society of Endocrinology 2014 hyponatraemia guideline: severe symptoms (emergency treatment)",
      T(("na", "<=", 125)), P(CONFUSION + r"|confused|" + SEIZURE + r"|" + VOMIT + r"|drows\w*"),
      examples=("3 days confusion and vomiting, now a seizure, Na 114",), non_examples=("Na 124, well, no symptoms",)),
    R("environment.heat_stroke", "Overheated with confusion, a fit, collapse or temperature 40 °C or more", E,
      "environmental", "NICE CKS: Heat-related illness — heatstroke (emergency)",
      P(r"heat ?stroke|heat(?:wave)?|in the (?:sun|heat)|hot (?:day|weather|car|room)|sauna|festival|marathon|"
        r"(?:burning|very|really|so) hot to (?:the )?touch|not sweating", ("temp_c", ">=", 40)),
      P(CONFUSION + r"|confused|mumbling|" + SEIZURE + r"|collaps\w*|unresponsive|not sweating|drows\w*"),
      examples=("dancing all day in the heat, burning hot to touch, not sweating, confused",),
      non_examples=("hot day, a bit of a headache, drinking water, feels fine",)),
    R("environment.hypothermia", "Cold exposure with drowsiness, confusion or temperature 35 °C or less", E,
      "environmental", "NICE CKS / Resuscitation Council UK 2021: accidental hypothermia",
      P(r"hypotherm\w*|found (?:\w+ ){0,4}?(?:outside|in the (?:snow|cold|garden|river))|(?:very|freezing|ice) cold to (?:the )?touch|"
        r"(?:on|lying on) the floor (?:all night|overnight|for hours)|freezing (?:cold )?to (?:the )?touch|heating (?:was )?off",
        ("temp_c", "<=", 35)),
      P(CONFUSION + r"|confused|drows\w*|(?:won'?t|can'?t) stay awake|mumbling|slurr\w*|unresponsive|cold", ("temp_c", "<=", 35)),
      examples=("found on the floor all night, very confused and cold",),
      non_examples=("cold hands in winter, otherwise well",)),
    R("obstetric.eclampsia", "Seizure in pregnancy or after birth (eclampsia)", E, "obstetric",
      "NICE NG133 hypertension in pregnancy: 1.9 eclampsia; RCOG",
      P(PREGNANT + "|" + POSTPARTUM), P(SEIZURE),
      examples=("day 3 postpartum, generalised tonic-clonic seizure, BP 172/110",),
      non_examples=("pregnant, no seizures, BP normal",)),
    R("obstetric.cord_prolapse", "Umbilical cord felt or seen at the vagina", E, "obstetric",
      "RCOG Green-top 50 umbilical cord prolapse",
      P(r"cord (?:prolapse|is (?:hanging|coming|visible)|visible|(?:in|out of|at) (?:my|her|the) vagina)|loop of cord|"
        r"(?:feel|felt|see|saw) (?:\w+ ){0,3}?(?:the )?cord|like a cord"),
      examples=("waters broke and I can feel something in my vagina, like a cord",),
      non_examples=("cord clamped after a normal birth, baby feeding well",)),
    R("trauma.compartment_syndrome", "Severe or increasing pain after a fracture, cast or crush injury", E, "trauma",
      "BOAST 10 (2016): diagnosis and management of compartment syndrome of the limbs",
      P(r"cast|plaster|(?-i:POP)|back-?slab|splint\w*|crush\w*|fractur\w*|broke|broken|squash\w*|trapped|"
        r"(?<=[a-z] )#(?!\w)|[a-z]#(?!\w)"),
      P(r"(?:pain|it) (?:is |'s )?(?:\w+ ){0,3}?(?:unbearable|out of proportion|way worse|much worse|getting worse)|"
        r"tight as a drum|(?:rock )?hard and (?:swollen|tense)|escalating pain|pain (?:\w+ )?escalating|"
        r"tense (?:calf|thigh|forearm|compartment|leg|shin)|pain on passive (?:\w+ ){0,2}?(?:extension|flexion|stretch\w*|movement)|"
        r"worse when (?:\w+ ){0,3}?(?:move|moving|wiggl\w*|stretch\w*) "
        r"(?:my |his |her )?(?:toes|fingers)|(?:toes|fingers|foot|hand) (?:\w+ ){0,2}?(?:tingl\w*|numb|white|blue|cold)"),
      examples=("shin in a cast, pain now unbearable even with codeine, worse when I move my toes, foot tingling",),
      non_examples=("wrist in a cast, aching a little, fingers pink and moving",)),
    R("gi.strangulated_hernia", "A hernia or groin lump that will not go back and is painful or with vomiting", E,
      "gastrointestinal", "NICE CKS: Inguinal hernia — strangulation or obstruction (emergency admission)",
      P(r"hernia|(?:bulge|lump|swelling) (?:\w+ ){0,3}?(?:in|near|at|by) " + _POSS + r"(?:groin|belly ?button|navel|scar)|"
        r"(?:groin|umbilical) (?:bulge|lump|swelling)"),
      P(r"(?:won'?t|will not|doesn'?t|can'?t|cannot) (?:\w+ ){0,2}?(?:go|push|pop|push it|get it) back|irreducible|stuck out"),
      P(r"pain\w*|tender|hard|red|" + VOMIT),
      examples=("groin bulge for years, now hard, tender and won't go back, been sick",),
      non_examples=("hernia pops out when I cough and goes back easily, no pain",)),
    R("gi.peritonism_or_pancreatitis", "Abdominal pain through to the back, or jarred by bumps, with vomiting or fever", E,
      "gastrointestinal", "NICE CKS: Acute abdomen — pancreatitis, peritonitis, leaking aneurysm (emergency admission)",
      P(r"(?:(?:tummy|abdominal|abdo|stomach|epigastric|belly|upper abdominal) pain|pain in " + _POSS + r"(?:tummy|abdomen|stomach|belly)) "
        r"(?:\w+ ){0,3}?(?:going |radiating |boring )?"
        r"(?:through|into|to) (?:my |the |his |her )?back|(?:pain|hurts?) (?:\w+ ){0,4}?(?:over|going over|goes over) "
        r"(?:speed |the )?bumps|(?:worse|hurts?) (?:\w+ ){0,5}?(?:over|go over|going over) (?:speed )?bumps|"
        r"(?:started|began) (?:a?round|near|at|by) " + _POSS + r"(?:belly ?button|navel|umbilicus)|"
        r"(?:boring|going|radiating|shooting) (?:straight )?(?:through|into) (?:to )?(?:my |the |his |her )?back"),
      P(VOMIT + r"|" + FEVER + r"|10/10|severe|agony|unbearable|awful|faint\w*|grey|collaps\w*", *_ANY_FEVER),
      examples=("tummy pain going through to my back, 10/10, vomiting non stop",),
      non_examples=("indigestion after a curry, no back pain, no vomiting",)),
    R("eye.penetrating_injury", "Eye hit by a high-speed object, firework or blade, or bleeding from the eye", E,
      "ophthalmology", "Royal College of Ophthalmologists: penetrating eye injury (immediate referral)",
      P(r"(?:firework|explosion|blast|knife|stick|dart|pellet|(?-i:BB)|shard|fish ?hook)\W+(?:\w+\W+){0,6}?"
        r"(?:in|into|hit) (?:\w+ )?(?:eye|face)|(?:eye|eyeball) (?:is )?(?:cut|punctured|pierced)|"
        r"penetrating eye|globe (?:rupture|injury)"),
      P(r"(?:can'?t|cannot) see|bleed\w*|blind|(?:lost|losing|blurred|reduced) (?:\w+ )?vision|vision (?:\w+ )?(?:gone|lost|blurr\w*)"),
      examples=("a firework went off in my face, one eye is bleeding and I can't see out of it",),
      non_examples=("grit in my eye, washed out, vision normal",)),
    R("infection.asplenia_fever", "Fever without a working spleen", E, "infection/sepsis",
      "BSH 2011 guideline on prevention of infection in hyposplenism: fever is a medical emergency",
      P(r"(?:spleen (?:was |had been |has been )?(?:removed|taken out)|splenectomy|asplenia|hyposplenism|no spleen)"
        r"(?:\W+(?:\w+\W+){0,6}?(?:years?|months?|decades?) ago)?"),
      P(FEVER + r"|shiver\w*|rigou?rs", *_ANY_FEVER),
      examples=("had my spleen removed years ago, now a high fever and shivering",),
      non_examples=("splenectomy, vaccines up to date, no fever",)),
    R("paediatric.infant_injury", "A baby with a swollen limb, pain on handling or unexplained bruising", E, "paediatric",
      "NICE CG89 child maltreatment: 1.2 bruising or fracture in a child who is not independently mobile",
      P(r"baby|infant|newborn|(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven) ?(?:-|\s)?(?:months?|weeks?)[- ]old",
        ("age", "<", 1)),
      P(r"(?:leg|arm|thigh) (?:is )?(?:\w+ )?swollen|swollen (?:(?-i:[LR]) |left |right )?(?:leg|arm|thigh)|"
        r"(?:won'?t|not) mov\w* (?:his |her |the )?(?:leg|arm)|cries on handling|torn (?:\w+ )?frenulum|"
        r"screams? when (?:\w+ ){0,3}?(?:move|touch|chang|pick|lift)\w*|bruis\w* (?:\w+ ){0,3}?(?:cheek|face|ears?|neck|arms|torso|back)"),
      examples=("3 month old with bruises on his cheek and arms, leg swollen, screams when I change his nappy",),
      non_examples=("baby had her jabs, small bruise at the injection site",)),
    R("vitals.oxygen_critical", "SpO2 85 % or below", E, "vital_signs",
      "BTS 2017 emergency oxygen guideline: severe hypoxaemia (SpO2 < 85 %)", T(("spo2", "<=", 85)),
      examples=("SpO2 84%",), non_examples=("SpO2 94%",)),
    R("neuro.stroke_signs_two", "Two or more BE-FAST signs described in everyday words", E, "neurological",
      BEFAST + " (any two signs, as people describe them)",
      P(r"face (?:\w+ ){0,2}?(?:looks? |is |gone |went )?(?:funny|odd|weird|lopsided|droop\w*|dropped|crooked|numb|falling|fallen)|"
        r"(?:dribbl\w*|drool\w*) (?:\w+ ){0,4}?(?:corner|side) of " + _POSS + r"mouth|(?:corner|side) of " + _POSS +
        r"mouth (?:\w+ ){0,2}?(?:droop\w*|dropped|down)|smile (?:\w+ ){0,2}?(?:lopsided|crooked|uneven)"),
      P(r"(?:words?|speech|talk\w*) (?:\w+ ){0,3}?(?:jumbled|muddled|garbled|slurr\w*|thick|funny|strange|wrong|gibberish|"
        r"mixed up|coming out wrong|not correct)|(?:talking|speaking) gibberish|wrong words|dysarthri\w*|(?:speak|talk)\w* (?:\w+ ){0,2}?(?:not correct|wrong)|"
        r"(?:couldn'?t|could not) get (?:the |his |her |my )?words out|can'?t get (?:the |his |her |my )?words out|slurr\w*"),
      P(r"(?:arm|hand|leg|side) (?:\w+ ){0,3}?(?:weak|numb|heavy|dead|useless|floppy|won'?t work|hanging|limp)|"
        r"(?:weak|numb) (?:\w+ ){0,2}?(?:arm|hand|leg|side)|dropping things|can'?t (?:lift|grip|hold)|"
        r"(?:arm|hand) (?:\w+ ){0,2}?(?:dropping|drops|dropped) (?:the |his |her |my )?\w+|(?:hand|arm) (?:is )?clumsy|clumsy (?:hand|arm)|(?:arm|hand|leg) (?:have|has) no "
        r"(?:power|strength)|no (?:power|strength) in (?:his|her|my) (?:arm|leg|hand)"),
      P(r"(?:two of everything|double vision|seeing double|lost (?:the )?(?:vision|sight)|vision (?:\w+ ){0,2}?(?:went|gone) "
        r"(?:black|grey|dark|blurry))"),
      P(r"stagger\w*|(?:unsteady|wobbly) on (?:\w+ )?feet|can'?t walk straight|falling to one side|walking like "
        r"(?:\w+ )?drunk|like (?:she'?s|he'?s|i'?m) drunk|room (?:is )?spinning"),
      min_criteria=2,
      examples=("his tea was dribbling out the corner of his mouth and his words were all jumbled",
                "staggering like she's drunk, two of everything, words sound thick"),
      non_examples=("drunk after a party, wobbly, no other symptoms",)),
    R("neuro.meningitis_lay", "Fever with a rash that stays, light hurting the eyes or a stiff neck, in everyday words", E,
      "infection/sepsis", "NICE NG240 meningitis (2024): 1.1 symptoms and signs (as carers describe them)",
      P(FEVER + r"|hot|grizzly|flu", *_ANY_FEVER),
      P(r"(?:spots?|rash|marks?|dots?|blotch\w*|pinpricks?)\W+(?:\w+\W+){0,8}?(?:stay\w*|still there|don'?t (?:go|fade)|"
        r"doesn'?t (?:go|fade)|won'?t (?:go|fade))(?:\W+\w+){0,6}?\W*(?:press\w*|push\w*|glass)|(?:press\w*|glass)\W+(?:\w+\W+){0,8}?"
        r"(?:still there|stay\w*|don'?t fade|didn'?t fade)|pinprick|purple (?:dots|spots|blotches|marks|rash)|"
        r"dark (?:red |purple )?(?:blotches|spots|dots|marks)|"
        r"(?:lights?|light) (?:\w+ ){0,2}?(?:hurts?|hurting|killing|too bright)|(?:groans|screams|cries|winces) when "
        r"(?:\w+ ){0,3}?(?:curtains|light)|(?:doesn'?t|don'?t|won'?t) want the lights? on|hates? the light|"
        r"won'?t bend (?:his|her|my) (?:head|neck)|can'?t (?:bend|put) (?:his|her|my) (?:chin|head) (?:down|forward)|"
        r"neck (?:\w+ )?(?:stiff|rigid)"),
      examples=("hot and grizzly, tiny purple dots, pressed a glass on them and they're still there",),
      non_examples=("high temperature, rash fades when pressed with a glass, happy in the light",)),
    R("ingestion.battery_any", "A battery swallowed or missing from a toy or device", E, "toxicology",
      "NPIS / TOXBASE: button battery ingestion — immediate emergency assessment, even without symptoms",
      P(r"batter(?:y|ies)"),
      P(r"swallow\w*|(?:in|into) (?:his|her|their|my) (?:mouth|nose|ear)|up (?:his|her|their|my) nose|missing|\bate\b|eaten|chewed|sucking on"),
      P(CHILD + r"|toddler|grandson|granddaughter|swallowed", ("age", "<", 16)),
      examples=("the flat silver coin battery is missing from the scales, I think he swallowed it",),
      non_examples=("battery in the remote is flat, child fine",)),
    R("gi.bleeding_with_shock", "Bleeding with fainting, collapse or looking white as a sheet", E, "gastrointestinal",
      ABCDE + " (C: haemorrhagic shock); NICE CG141 upper GI bleeding",
      P(r"bleed\w*|maroon|clots|(?<!sight of )blood(?! (?:pressure|tests?|sugars?|glucose|count|results?|donor|donation|thinners?))|"
        r"(?:poos?|stools?) (?:[\w-]+ ){0,3}?black|black (?:[\w-]+ ){0,3}?(?:poos?|stools?)|tarry|tar-like"),
      P(r"white as a sheet|(?:gone|went|looks?|is) (?:very |really )?(?:white|grey|gray|pale) and (?:clammy|sweaty|cold)|"
        r"passed out|fainted|collapsed|blacked out|dizzy (?:when|on) (?:\w+ )?stand\w*", ("hr", ">=", 110), ("sbp", "<=", 100)),
      examples=("black sticky poos all day and he just passed out on the loo, white as a sheet",),
      non_examples=("a small nosebleed yesterday, stopped, feels fine",)),
    R("eye.high_velocity_injury", "Something struck the eye at speed with blurred vision or a misshapen pupil", E,
      "ophthalmology", "Royal College of Ophthalmologists: suspected penetrating eye injury (immediate referral)",
      P(r"hammer\w*|chisel\w*|grind\w*|drill\w*|strim\w*|mow\w*|explo\w*|firework"),
      P(r"(?:flew|shot|went|got|bounced) (?:\w+ ){0,2}?(?:in|into) " + _POSS + r"(?:\w+ )?eye|hit " + _POSS + r"eye"),
      P(r"vision (?:\w+ ){0,2}?(?:blurr\w*|gone|lost|worse)|blurr\w* vision|jelly|pupil (?:\w+ ){0,3}?(?:odd|misshapen|irregular|"
        r"funny|tear)|(?:can'?t|cannot) see"),
      examples=("hammering a nail, bit of metal flew into my eye, vision blurry, pupil looks odd",),
      non_examples=("grinding metal, something scratchy in my eye, vision fine",)),
    R("eye.giant_cell_arteritis_vision", "Temple headache or jaw pain on chewing with visual symptoms", E,
      "ophthalmology", "BSR 2020 giant cell arteritis guideline: visual symptoms — same-day emergency assessment",
      P(r"jaw (?:\w+ ){0,2}?(?:ache|aches|pain|hurts) (?:\w+ ){0,2}?(?:when|on) (?:\w+ )?chew\w*|jaw claudication|"
        r"(?:tender|sore) (?:scalp|temples?)|temporal (?:headache|artery|tenderness)|giant cell|(?-i:GCA)|"
        r"headaches? (?:\w+ ){0,2}?(?:at|on) the (?:side|temple)"),
      P(r"(?:sight|vision) (?:\w+ ){0,6}?(?:went|gone|going) (?:\w+ )?(?:grey|gray|black|dark|blurr\w*|dim)|"
        r"double vision|amaurosis|lost (?:the )?(?:sight|vision)|(?:curtain|shadow) over"),
      examples=("headaches at the side, jaw aches when she chews, sight in her left eye went grey twice",),
      non_examples=("jaw aches when chewing after the dentist, vision normal",)),
    R("cardiac.stimulant_chest_pain", "Chest pain after cocaine or amphetamines", E, "cardiovascular",
      NICE_CP + "; RCEM / TOXBASE cocaine-associated chest pain",
      P(r"coke|cocaine|crack|speed|amphetamine\w*|(?-i:MDMA)|ecstasy|meth\w*"), P(CHEST_PAIN),
      examples=("took a load of coke last night, now chest tight and crushing",),
      non_examples=("used cocaine years ago, no chest pain now",)),
    R("mental_health.psychosis_with_weapon", "Psychotic symptoms with a weapon or threats", E, "mental_health",
      "NICE CG178 psychosis and schizophrenia: crisis care (risk to self or others)",
      P(r"voices|paranoi\w*|psychos\w*|psychotic|hallucinat\w*|beaming|persecut\w*|(?:spying|after) (?:on )?(?:him|her|me)|"
        r"sending (?:her|him|me) messages|messages from the (?:tv|radio)|(?:thinks|believes) (?:the )?(?:tv|radio)"),
      P(r"knife|knives|blade|weapon|gun|axe|machete|hammer|threaten\w*|(?:hurt|harm|kill|attack) (?:\w+ ){0,2}?(?:neighbou?r|family|"
        r"someone|people)|(?:deal with|get|hurt|kill) (?:them|him|her|everyone)"),
      examples=("says the neighbours are beaming voices into his head, he's taken a kitchen knife into his room",),
      non_examples=("hears voices at night, on medication, no thoughts of harming anyone, no weapons",)),
    R("vascular.acute_limb_ischaemia_cues", "A suddenly cold, pale or mottled limb with pain or numbness", E,
      "cardiovascular", "NICE CKS: Peripheral arterial disease — acute limb ischaemia (6 Ps), as people describe it",
      P(r"leg|foot|feet|toes|arm|hand|fingers|limb"),
      P(r"cold|white|pale|mottl\w*|blue|pulseless"),
      P(r"pain\w*|sore|agony|numb|(?:can'?t|cannot) (?:feel|move|wiggle)|tingl\w*|no (?:foot |pedal |distal )?pulses"),
      P(r"sudden\w*|(?:an?|one|two|\d) hours? ago|this morning|overnight|came on|irregular heart\w*|(?-i:AF)|atrial "
        r"fibrillation|off (?:warfarin|apixaban|rivaroxaban|blood thinners)"),
      examples=("my foot went suddenly cold and white, really painful, can't move my toes",),
      non_examples=("cold hands in winter for years, they go white then red, no pain now",)),
    R("trauma.hip_fracture_signs", "Shortened, rotated leg after a fall", E, "trauma",
      "NICE CG124 hip fracture: 1.1 (emergency department assessment)",
      P(r"shortened and (?:externally |internally )?rotated|(?:externally |internally )?rotated and shortened|(?:leg|foot) (?:is )?(?:\w+ )?(?:shorter|more short|turned out\w*)|"
        r"(?:leg|foot|it'?s|it has) (?:\w+ ){0,2}?rolled out\w*|looks (?:a bit |slightly )?shorter|shorter and turned out|"
        r"foot (?:\w+ ){0,2}?turn\w* (?:to )?(?:the )?out\w*"),
      examples=("fall, L leg shortened and externally rotated",), non_examples=("legs equal length, walking",)),
    R("metabolic.diabetic_altered", "Diabetic, sweaty or shaky, and confused, drowsy or not making sense", E,
      "metabolic/labs", "JBDS 2022 hypoglycaemia in adults: severe hypoglycaemia (call an ambulance if drowsy or unable "
      "to swallow)",
      P(DIABETIC + r"|insulin|gliclazide|sulphonylurea"),
      P(CONFUSION + r"|drows\w*|unresponsive|unconscious|" + SEIZURE),
      P(r"sweat\w*|shak\w*|clammy|juice|sugar|hypo\w*|won'?t (?:eat|drink)"),
      examples=("wife is diabetic, sweaty, shaky and not making sense, getting more drowsy",),
      non_examples=("diabetic, sugars fine, a bit tired, talking normally",)),
    R("urology.torsion_cues", "Sudden testicular pain, or testicular pain with vomiting", E, "urology",
      "NICE CKS: Scrotal pain and swelling — suspected testicular torsion (immediate referral)",
      P(r"testic\w*|testis|testes|ball|balls|scrot\w*|nut|nuts|privates"),
      P(r"sudden\w*|rolling (?:around|about)|agoni\w*|excruciating|woke (?:up )?with|" + VOMIT),
      P(r"pain\w*|hurts?|agony|swollen|sore"),
      examples=("teenage son rolling around with pain in his testicle, started suddenly an hour ago, sick once",),
      non_examples=("dull ache in my testicle for 3 months, no swelling, no vomiting",)),
    R("toxicology.lithium_toxicity", "On lithium with tremor, unsteadiness, vomiting or confusion", E, "toxicology",
      "NICE CKS: Bipolar disorder — lithium toxicity (emergency admission); MHRA lithium safety",
      P(r"lithium|priadel|camcolit"),
      P(r"coarse tremor|unsteady|wobbly|ataxi\w*|" + VOMIT + r"|diarrh\w*|" + CONFUSION + r"|confused|drows\w*|"
        + SEIZURE),
      examples=("on lithium for years, started ibuprofen, now coarse tremor, unsteady, vomiting and muddled",),
      non_examples=("on lithium, level 0.6 last month, well",)),
    R("toxicology.serotonin_or_nms", "Fever with clonus, rigidity or agitation on serotonergic or antipsychotic medicines", E,
      "toxicology", "TOXBASE / NICE CKS: serotonin syndrome and neuroleptic malignant syndrome (emergency)",
      P(r"sertraline|fluoxetine|citalopram|escitalopram|paroxetine|venlafaxine|duloxetine|(?-i:SSRIs?|SNRIs?|MAOIs?)|"
        r"tramadol|(?-i:MDMA)|ecstasy|linezolid|haloperidol|olanzapine|risperidone|quetiapine|clozapine|aripiprazole|"
        r"antipsychotic\w*|antidepressant\w*"),
      P(r"clonus|myoclonus|rigid\w*|stiff (?:as a board|all over)|(?:lead[- ]pipe|muscle) rigidity|agitat\w*|"
        r"(?:very|burning) hot|hyperthermi\w*", ("temp_c", ">=", 39.0)),
      P(r"clonus|myoclonus|rigid\w*|tremor|sweat\w*|agitat\w*|" + CONFUSION + r"|confused", ("temp_c", ">=", 38.5)),
      examples=("started tramadol on sertraline, agitated, sweating, inducible clonus, T 39.4",),
      non_examples=("on sertraline, mild nausea for a week, no fever or stiffness",)),
    R("mental_health.postpartum_psychosis", "After birth: not sleeping, strange beliefs, voices or confusion", E,
      "mental_health", "NICE CG192 antenatal and postnatal mental health: 1.10 suspected postpartum psychosis (urgent "
      "assessment within 4 hours)",
      P(POSTPARTUM),
      P(r"voices|hallucinat\w*|psychos\w*|psychotic|paranoi\w*|(?:believes|thinks|says) (?:\w+ ){0,3}?(?:baby|child|"
        r"they|people|someone|god|devil)|not (?:hers|his|ours|my baby)|(?:isn'?t|is not) (?:ours|hers|his|theirs|mine)|hurting (?:her|him)self|(?:hasn'?t|not|hardly) slept (?:in|for) "
        r"(?:\d|two|three|four|five|days)|manic|mania|" + CONFUSION),
      examples=("3 wks post-partum, hasn't slept in 4 days, believes baby is not hers, talking about voices",),
      non_examples=("had a baby 2 weeks ago, tired and tearful at times, sleeping when baby sleeps",)),
    R("mental_health.means_and_intent", "Access to lethal means with goodbyes or suicidal words", E, "mental_health",
      "NICE NG225 self-harm (2022): 1.3; NICE CKS Suicide risk (access to means, final acts)",
      P(r"shot ?gun|gun|rifle|firearm|rope|noose|ligature|(?:railway|train) (?:tracks|line)|bridge|cliff|car park roof|"
        r"(?:tablets|pills) (?:\w+ ){0,2}?(?:saved|lined up|ready)"),
      P(r"goodbye\w*|(?:say\w*|said|texted|text\w*) (?:\w+ ){0,3}?sorry|suicid\w*|end (?:it|my life|his life|her life)|"
        r"kill (?:him|her|my|them)sel(?:f|ves)|no point|don'?t want to (?:live|be here|be alive)|better off without"),
      examples=("posting goodbye stuff and texted me he's got his dad's shotgun out and is sorry",),
      non_examples=("went clay shooting with a shotgun at the weekend, had a great time",)),
    R("gi.cholangitis", "Jaundice with fever or rigors", E, "gastrointestinal",
      "NICE CKS / Tokyo Guidelines 2018: acute cholangitis (Charcot's triad) — emergency admission",
      P(r"jaundic\w*|yellow (?:skin|eyes)|(?:skin|eyes|she|he|i) (?:(?:look|looks|are|is|turning|gone|going|looking|has|have) ){0,2}yellow|"
        r"(?:gone|turned|going|turning|looks?|looking) (?:\w+ )?yellow"),
      P(FEVER + r"|shiver\w*|rigou?rs|shak\w*", *_ANY_FEVER),
      examples=("gone yellow over the last day, high temperature and shivers, pain under the right ribs",),
      non_examples=("slightly yellow eyes for months, no fever, known Gilbert's",)),
    R("trauma.amputation", "A finger, limb or part of the body cut off or hanging off", E, "trauma",
      "BSSH / NICE NG37: traumatic amputation — emergency referral with the part kept",
      P(r"(?:finger|thumb|toe|hand|foot|ear|nose|tip)\w* (?:\w+ ){0,4}?(?:hanging off|cut off|chopped off|severed|come off)|"
        r"amputat\w*|severed"),
      examples=("the end of my index finger is hanging off by a flap of skin",),
      non_examples=("small cut on my fingertip, nothing hanging off",)),
    R("trauma.hand_tendon_or_nerve", "A cut with loss of finger movement or feeling", E, "trauma",
      "BSSH standards: suspected flexor tendon or digital nerve injury (same-day hand surgery, via the emergency department)",
      P(r"cut|knife|glass|laceration|slash\w*|sliced|stab\w*"),
      P(r"(?:can'?t|cannot|unable to) (?:bend|straighten|move|flex) (?:my |his |her )?(?:\w+ )?(?:finger|thumb|fingers)"),
      examples=("knife went into my palm, can't bend my ring finger at all, numb on one side",),
      non_examples=("cut my finger, can bend and straighten it fine, feeling normal",)),
    R("obstetric.ohss", "After IVF egg collection: swollen abdomen, little urine or breathlessness", E, "gynaecology",
      "RCOG Green-top 5 ovarian hyperstimulation syndrome: severe OHSS (admission)",
      P(r"egg collection|(?-i:IVF)|ovarian (?:hyper)?stimulation|(?-i:OHSS)|fertility (?:treatment|injections)"),
      P(r"(?:belly|tummy|abdomen|stomach) (?:\w+ ){0,3}?(?:swollen|swelled|bloated|distended)|(?:hardly|barely|not) (?:weeing|peeing)|"
        + BREATHLESS),
      examples=("egg collection 4 days ago, belly swollen massively, hardly weeing, struggling to breathe",),
      non_examples=("IVF cycle next month, no symptoms",)),
    R("obstetric.cord_or_part_felt", "Waters broken with something felt or seen at the vagina", E, "obstetric",
      "RCOG Green-top 50 umbilical cord prolapse",
      P(r"waters? (?:have |has |just )?(?:broke|broken|went|gone|ruptured|came)|(?-i:SROM|ROM)|membranes (?:have )?ruptured|gush"),
      P(r"(?:loop|something) (?:\w+ ){0,3}?(?:down there|coming out|hanging|at (?:the|my|her) (?:vagina|entrance))|"
        r"loop of|protruding|(?:feel|felt|see|saw) (?:\w+ ){0,2}?(?:something|a loop)"),
      examples=("waters went in a big gush and I can feel something like a loop down there",),
      non_examples=("waters broke, clear fluid, contractions starting, nothing else felt",)),
    R("neuro.ascending_weakness", "Weakness spreading up the legs with swallowing or breathing difficulty (Guillain–Barré)",
      E, "neurological", "NICE CKS / Brighton criteria: suspected Guillain–Barré syndrome with bulbar or respiratory "
      "involvement (emergency)",
      P(r"ascending (?:tingling|weakness|paralysis|numbness)|(?:guillain|(?-i:GBS))|weakness (?:\w+ ){0,3}?(?:spreading|moving|going) up|"
        r"(?:creeping|spreading|moving) (?:up|upwards)|(?:weakness|numbness|tingling) (?:\w+ ){0,3}?(?:going|creeping|spreading|moving) up|"
        r"(?:legs|both legs) (?:\w+ ){0,2}?weak\w*|unable to (?:stand|walk)"),
      P(r"(?:difficulty|trouble|problems?) swallowing|can'?t swallow|" + BREATHLESS + r"|(?-i:FVC) (?:falling|dropping|\d)|areflexi\w*"),
      examples=("ascending tingling and leg weakness, now unable to stand, difficulty swallowing",),
      non_examples=("tingling in both feet for a year, diabetic, walking normally",)),
    R("cardiac.heart_block", "Complete heart block or a very slow pulse with dizziness or falls", E, "cardiovascular",
      "Resuscitation Council UK 2021: bradycardia algorithm (adverse features); ESC 2021 pacing guideline",
      P(r"complete heart block|(?-i:CHB)|third[- ]degree (?:heart )?block|(?:2:1|mobitz (?:ii|2)) (?:heart )?block"),
      examples=("ECG complete heart block, ventricular rate 32",), non_examples=("ECG normal sinus rhythm",)),
    R("trauma.neck_wound", "A neck wound with heavy bleeding, swelling or a changing voice", E, "trauma",
      "ATLS 10th ed.: penetrating neck injury (hard signs)",
      P(r"neck (?:\w+ ){0,2}?(?:wound|laceration|cut|stab\w*|injur\w*)|(?:wound|laceration|cut|stab\w*|glassed) (?:\w+ ){0,3}?neck"),
      P(r"bleeding (?:heavily|a lot|badly)|soak\w*|spurt\w*|pour\w*|expanding|swelling|voice|breath\w*|stridor"),
      examples=("glassed in the neck, laceration, bleeding soaking through dressings, voice changing",),
      non_examples=("small shaving cut on my neck, stopped bleeding",)),
    R("toxicology.child_ingestion", "A young child has swallowed medicines", E, "toxicology",
      "TOXBASE / NPIS: paediatric exposure to adult medicines (urgent assessment; many are toxic in one tablet)",
      P(CHILD + r"|toddler|grandson|granddaughter", ("age", "<", 12)),
      P(r"(?:swallowed|ingested|ingestion of|ate|eaten|chewed|got into|drank|drunk|sucking on) (?:\w+\W+){0,6}?(?:"
        + TOXIC_IN_CHILDREN + r")|(?:" + TOXIC_IN_CHILDREN + r") (?:ingestion|ingested|overdose)|(?:swallowed|ingested|ingestion of|ate|eaten|chewed|got into) (?:an? )?(?:unknown (?:number|amount)|"
        r"handful|lots|loads|several|all|(?:a |the )?(?:whole )?(?:packet|bottle|strip|box|blister pack)) (?:\w+\W+){0,4}?(?:tablets|pills|"
        r"medicines?|meds|capsules)"),
      examples=("3M, ingested unknown number of grandmother's amitriptyline 40 min ago",),
      non_examples=("gave my toddler the right dose of paracetamol, temperature down",)),
    R("toxicology.opioid_toxicity", "Pinpoint pupils with slow breathing or collapse (opioids)", E, "toxicology",
      "Resuscitation Council UK / NICE: opioid toxicity — naloxone and emergency care",
      P(r"(?:pinpoint|pin[- ]?point|tiny|pin) pupils|pupils (?:are |look )?(?:tiny|pinpoint|pin[- ]?point|like pinpricks)"),
      P(r"breath\w* (?:\w+ ){0,3}?(?:slow\w*|every|shallow)|slow breath\w*|collaps\w*|unresponsive|unconscious|drows\w*|"
        r"heroin|needle|foil|opioid\w*|methadone|fentanyl|morphine|oxycodone", ("rr", "<=", 10)),
      examples=("collapsed, breathing every 10 seconds, pupils tiny, foil and a needle next to him",),
      non_examples=("pupils normal, alert, breathing normally",)),
    R("haematology.acute_leukaemia", "Blasts on a blood film", E, "haematology",
      "BSH / NICE NG12 1.10: suspected acute leukaemia (immediate specialist assessment)",
      P(r"blasts (?:on|in|seen)|(?:with|showing) blasts"),
      examples=("WCC 68 with blasts on film, gum bleeding",), non_examples=("blood film normal",)),
    R("obstetric.postpartum_sepsis", "After birth or miscarriage: fever with a racing heart, faintness or offensive discharge", E,
      "obstetric", "RCOG Green-top 64b bacterial sepsis following pregnancy; NICE NG51 (pregnant or recently pregnant)",
      P(POSTPARTUM + r"|miscarr\w*|termination|abortion"), P(FEVER + r"|shiver\w*|rigou?rs", *_ANY_FEVER),
      P(r"heart (?:\w+ )?(?:racing|pounding)|faint\w*|dizz\w*|(?:smell\w*|offensive|foul)(?:\W+\w+){0,3}? discharge|discharge "
        r"(?:\w+ ){0,4}?(?:smell\w*|offensive|foul)|" + CONFUSION, ("hr", ">=", 110)),
      examples=("had my baby 9 days ago, shivering, heart racing, discharge smells horrible, temp 39.1",),
      non_examples=("had my baby a week ago, tired, no fever",)),
    R("obstetric.bleeding_after_pregnancy_loss", "Heavy bleeding after a miscarriage or termination", E, "obstetric",
      "NICE NG126 ectopic pregnancy and miscarriage: 1.5 (heavy bleeding — emergency assessment)",
      P(r"miscarr\w*|termination|abortion|(?-i:ERPC|SMM|TOP)"),
      P(r"(?:heavy|heavily|pouring|gush\w*|soak\w*|lots of|a lot of) (?:\w+ ){0,2}?(?:bleed\w*|blood|pads?)|soaked (?:\d+|two|three|four) "
        r"(?:\w+ )?pads|(?:large|big) clots"),
      examples=("pouring blood after my miscarriage last week, soaked 3 pads in an hour",),
      non_examples=("light spotting a week after my miscarriage",)),
    R("obstetric.preterm_labour", "Regular painful contractions before 37 weeks", E, "obstetric",
      "NICE NG25 preterm labour and birth: 1.5 suspected preterm labour (obstetric unit assessment now)",
      P(r"(?:regular|painful|strong) (?:\w+ )?(?:tightenings|contractions)|(?:tightenings|contractions) every \d+"),
      P(r"preterm|premature", ("gestation", "<", 37)),
      examples=("26/40, regular painful tightenings every 4 min",), non_examples=("39/40, regular contractions",)),
    R("toxicology.staggered_paracetamol", "Too much paracetamol over more than one day (staggered overdose)", E, "toxicology",
      "TOXBASE / MHRA: staggered paracetamol overdose (> 75 mg/kg in 24 h) — emergency assessment",
      P(r"paracetamol|co-?codamol|acetaminophen|tylenol|panadol|calpol"),
      P(r"staggered|(?:1[2-9]|[2-9]\d) (?:a|per|each|every) day|(?:double|extra|more than the) (?:\w+ )?doses? (?:for|over) "
        r"(?:\d|two|three|four|several) days|\d+ days running"),
      examples=("bought paracetamol 3 days running, about 16 a day, now nauseous",),
      non_examples=("paracetamol 8 a day as directed for 3 days",)),
    R("toxicology.organophosphate", "Pesticide exposure with pinpoint pupils, drooling, wheeze or a slow pulse", E, "toxicology",
      "TOXBASE: organophosphate and carbamate poisoning (cholinergic crisis)",
      P(r"pesticide|organophosph\w*|insecticide|sheep dip|nerve agent|carbamate"),
      P(r"pinpoint|pin[- ]point|drool\w*|salivat\w*|wheez\w*|bradycard\w*|sweat\w*|twitch\w*|" + VOMIT, ("hr", "<=", 50)),
      examples=("pesticide exposure, pinpoint pupils, drooling, wheeze, HR 44",),
      non_examples=("used garden insecticide with gloves, feels fine",)),
    R("paediatric.sepsis_signs", "A child with cold hands or feet or blotchy skin, and drowsiness or no urine", E, "paediatric",
      "NICE NG143 fever in under 5s / UK Sepsis Trust paediatric: red and amber features",
      P(CHILD + r"|toddler", ("age", "<", 16)),
      P(r"(?:cold|icy|freezing) (?:\w+ )?(?:hands|feet)|hands and feet (?:are |feel )?(?:\w+ )?cold|blotch\w*|mottl\w*|ashen|grey|pale"),
      P(r"hard to (?:wake|rouse)|won'?t wake|floppy|drows\w*|lethargic|no (?:wee|pee|urine|wet nappy)|dry nappy|"
        r"(?:not|hasn'?t) (?:weed|peed|had a wee)|breathing (?:\w+ )?fast"),
      examples=("2yo, hot body but ice cold hands and feet, blotchy skin, hard to wake",),
      non_examples=("toddler with a cold, pink and playful, drinking well",)),
    R("eye.chemical_cues", "A cleaning or caustic product sprayed or splashed near the eyes", E, "ophthalmology",
      "Royal College of Ophthalmologists: chemical eye injury — immediate irrigation and emergency assessment",
      P(r"bleach|acid|alkali|cement|lime|oven cleaner|drain[- ](?:cleaner|unblocker|opener)|unblocker|caustic|sodium hydroxide|"
        r"ammonia|chemical\w*|cleaning (?:product|spray|fluid)"),
      P(r"(?<!nothing in my )(?<!nothing in his )(?<!nothing in her )eyes?"),
      P(r"spray\w*|splash\w*|squirt\w*|flick\w*|went in|got in"),
      examples=("sprayed drain unblocker in his own face, screaming that his eye stings",),
      non_examples=("bleach smell made my eyes water a bit, no splash",)),
    R("paediatric.sunken_fontanelle", "Sunken soft spot (severe dehydration)", E, "paediatric",
      "NICE CG84 diarrhoea and vomiting in children: 1.2 clinical dehydration and shock",
      P(r"sunken (?:soft spot|fontanell?e)|(?:soft spot|fontanell?e) (?:is |looks |has )?(?:\w+ )?sunken"),
      examples=("no wet nappy for 12 hours, soft spot sunken in, floppy",), non_examples=("soft spot normal, feeding well",)),
    R("ent.deep_neck_infection", "Sore throat with a swollen neck and rigors, breathlessness or chest pain (Lemierre's)", E,
      "ENT", "NICE CKS: Sore throat — admit suspected deep neck space infection or Lemierre's syndrome",
      P(r"tonsillitis|sore throat|quinsy|throat infection|pharyngitis"),
      P(r"neck (?:\w+ ){0,2}?(?:swelling|swollen)|swelling (?:\w+ ){0,3}?(?:neck|sternocleidomastoid|jaw|(?-i:SCM))|sternocleidomastoid|"
        r"(?:neck|jaw) (?:\w+\W+){0,4}?swollen|pain (?:\w+ ){0,5}?neck"),
      P(r"rigou?rs|shivering (?:fits|attacks)|pleuritic|cough\w* (?:up )?(?:\w+ ){0,3}?blood|" + BREATHLESS + r"|" + CHEST_PAIN,
        ("temp_c", ">=", 39), ("spo2", "<=", 93)),
      examples=("tonsillitis, now tender swelling along the neck, rigors, pleuritic chest pain",),
      non_examples=("sore throat, tender glands in the neck, eating and drinking",)),
    R("ent.floor_of_mouth_or_post_op_neck", "Neck swelling after thyroid or neck surgery with noisy or hard breathing", E, "ENT",
      "British Association of Endocrine and Thyroid Surgeons: post-thyroidectomy haematoma (airway emergency)",
      P(r"thyroid (?:\w+ ){0,2}?(?:out|removed|surgery|op|operation)|thyroidectomy|neck (?:op|surgery|operation)"),
      P(r"(?:neck|wound|dressing) (?:\w+ ){0,3}?(?:swell\w*|swollen)|swelling (?:\w+ ){0,3}?(?:neck|dressing)|stridor|noisy|"
        + BREATHLESS),
      examples=("half my thyroid out this afternoon, neck swelling fast under the dressing, breathing noisy and hard",),
      non_examples=("thyroid operation last month, scar healing, no swelling",)),
    R("toxicology.snake_bite", "Snake bite", E, "toxicology",
      "TOXBASE / NICE CKS: adder bite — all bites assessed in hospital (envenomation can be delayed)",
      P(r"adder|viper|snake ?bite|bitten by a snake|snake bit"),
      examples=("adder bite on the hand an hour ago, swelling to the elbow",), non_examples=("saw a snake on the path, not bitten",)),
    R("paediatric.omphalitis", "Newborn with a red, hard or spreading belly-button stump", E, "paediatric",
      "NICE NG195 neonatal infection: 1.3 (omphalitis — red flag in a baby)",
      P(r"belly ?button|umbilic\w*|cord stump|stump"),
      P(r"red(?:ness|dened)?|hard|spreading|pus|swollen"),
      P(r"\d+ days? old|newborn|neonat\w*|(?:\d|one|two|three) weeks? old", ("age", "<", 0.1)),
      examples=("baby 6 days old, skin round her belly button stump red and hard, redness spreading",),
      non_examples=("cord stump a bit sticky, skin around it normal, baby 2 months",)),
    R("paediatric.early_jaundice", "Jaundice in a baby's first 24 hours", E, "paediatric",
      "NICE CG98 neonatal jaundice: 1.2 visible jaundice in the first 24 hours — urgent assessment",
      P(r"(?:[1-9]|1\d|2[0-4]) ?(?:hours?|hrs?|h) old|born (?:yesterday|this morning|last night|today)|(?:1|one|a) day old"),
      P(r"yellow|jaundic\w*"),
      examples=("baby only 18 hours old and already looking yellow",), non_examples=("baby 5 days old, slightly yellow, feeding well",)),
    R("paediatric.going_blue", "A baby or child going blue or stopping breathing", E, "paediatric",
      "Resuscitation Council UK / NICE NG143: cyanosis or apnoea in a child",
      P(CHILD + r"|toddler", ("age", "<", 5)),
      P(r"(?:went|going|goes|gone|turning|turns|turned) (?:\w+ )?blue|stopping breathing|stops breathing|apno\w*|colou?r change|"
        r"pauses? (?:in (?:her|his|the) breathing|(?:of )?(?:>|over|more than) ?\d+ ?s)"),
      examples=("4 month old with whooping cough, going blue and stopping breathing in bouts",),
      non_examples=("baby's hands a bit cold, pink lips, feeding well",)),
    R("haematology.mucosal_bleeding", "Blood blisters in the mouth or bleeding that will not stop with bruising", E,
      "haematology", "BSH / NICE CKS immune thrombocytopenia: wet purpura or active bleeding — same-day emergency",
      P(r"blood blisters? (?:\w+ ){0,2}?(?:in|inside) (?:\w+ ){0,2}?(?:mouth|cheeks?|gums|tongue)|wet purpura"),
      examples=("tiny purple dots and bruises, blood blisters inside her cheeks",), non_examples=("a single bruise from a knock",)),
    R("urology.paraphimosis", "Foreskin stuck back with a swollen or purple tip", E, "urology",
      "NICE CKS / BAUS: paraphimosis (emergency reduction)",
      P(r"paraphimosis|foreskin (?:\w+ ){0,5}?(?:won'?t|will not|can'?t|cannot|not) (?:\w+ )?(?:go|come|pull|move) (?:back|forward|down)|"
        r"foreskin (?:\w+ ){0,2}?(?:stuck|pulled back)"),
      P(r"swell\w*|swollen|purple|blue|pain\w*"),
      examples=("foreskin pulled back since the night and won't go forward, the tip very swollen and purple",),
      non_examples=("tight foreskin for years, goes back and forward, no swelling",)),
    R("trauma.injection_injury", "High-pressure injection injury (grease, paint or oil gun)", E, "trauma",
      "BSSH: high-pressure injection injury — immediate surgical referral",
      P(r"(?:grease|paint|oil|injection|high[- ]pressure|hydraulic|spray) gun|high[- ]pressure (?:injection|injury)|hydraulic (?:fluid|line)"),
      P(r"finger\w*|hand|palm|thumb"),
      examples=("grease gun slipped and shot into my fingertip, finger now swollen, tight and pale",),
      non_examples=("cleaned the grease gun, no injury",)),
    R("metabolic.rhabdomyolysis", "Muscle pain with dark cola-coloured urine", E, "metabolic/labs",
      "NICE CKS / Renal Association: rhabdomyolysis — emergency assessment (acute kidney injury risk)",
      P(r"rhabdo\w*|(?:pee|urine|wee)\w* (?:\w+ ){0,3}?(?:cola|coca|dark brown|tea[- ]coloured|black)|cola[- ]coloured (?:urine|pee|wee)"),
      examples=("thighs massively swollen after squats, pee dark like cola",), non_examples=("sore legs after the gym, urine pale",)),
    R("gi.severe_colitis", "Inflammatory bowel disease with six or more bloody stools a day or a swollen abdomen", E,
      "gastrointestinal", "NICE NG130 ulcerative colitis: acute severe colitis (Truelove and Witts) — hospital admission",
      P(r"(?-i:UC)|ulcerative colitis|crohn\w*|(?-i:IBD)|colitis"),
      P(r"(?:[6-9]|1\d|20) (?:\w+ )?(?:stools|motions|poos|times)\W*(?:a |per |/ ?)?(?:day|d\b)|distended|megacolon|blown up|"
        r"like a drum"),
      examples=("known UC, 10 bloody stools a day for 4 days, abdomen distended",),
      non_examples=("UC in remission, 2 formed stools a day",)),
    R("trauma.spinal_injury", "Diving or neck injury with weakness or numbness of the arms or legs", E, "trauma",
      "NICE NG41 spinal injury: 1.2 (neurological symptoms after injury — immobilise, emergency)",
      P(r"dived|diving|dive\b|neck (?:injury|hurt|broken)|landed on (?:his|her|my) (?:head|neck)|whiplash"),
      P(r"(?:can'?t|cannot|unable to) move (?:his |her |my )?(?:arms|legs|hands)|(?:hands|arms|legs) (?:are |feel )?(?:numb|tingl\w*|weak)|"
        r"paralys\w*"),
      examples=("dived into the shallow end, can't move his arms properly, hands numb",),
      non_examples=("dived in, swam fine, no neck pain",)),
    R("vascular.absent_pulse_after_injury", "An injured limb with no pulse, or cold and pale", E, "trauma",
      "BOAST 14 / NICE NG37: vascular injury with fracture or dislocation (immediate)",
      P(r"dislocat\w*|fractur\w*|#|fall|fell|injur\w*|trampoline|tackle"),
      P(r"(?:pulses?|(?-i:DP|PT)) (?:\w+ ){0,3}?(?:absent|impalpable|not felt|weak)|(?:absent|no|impalpable) (?:[\w/]+ )?pulses?|"
        r"(?:hand|foot|fingers|toes) (?:\w+ ){0,2}?(?:pale|white|cool|cold) and (?:cool|cold|pale|white)"),
      examples=("knee dislocation, reduced, foot cool, pulses absent", "fall from trampoline, radial pulse absent, hand pale and cool"),
      non_examples=("twisted ankle, foot warm and pink, pulses normal",)),
    R("metabolic.hypercalcaemia", "Calcium 3.5 mmol/L or more", E, "metabolic/labs",
      "Society for Endocrinology emergency guidance: acute hypercalcaemia (adjusted Ca >= 3.5 mmol/L)",
      P(r"(?:adjusted |corrected )?(?:ca|calcium)\W{0,3}(?:3\.[5-9]|[4-5]\.\d)\d*"),
      examples=("adjusted Ca 3.9 mmol/L, new confusion",), non_examples=("calcium 2.4",)),
    R("environment.decompression", "Symptoms after a dive: joint pain, tingling, rash or breathlessness", E, "environmental",
      "British Hyperbaric Association / NHS: decompression illness — emergency recompression",
      P(r"(?:scuba|dive|dives|diving|dived|diver|came up from)"),
      P(r"(?:joint|shoulder|elbow|knee)s? (?:\w+ ){0,2}?(?:ache|pain)|ache in (?:my )?(?:shoulders|elbows|joints)|tingl\w*|numb\w*|"
        r"blotchy|mottl\w*|rash|par(?:a)?esthesia|" + BREATHLESS + r"|confus\w*|weak\w*"),
      P(r"\d+ ?m\b|metres|meters|scuba|diving|dive|dives|surfacing"),
      examples=("came up from a 30 m dive, ache in shoulders and elbows, tingling legs, blotchy skin",),
      non_examples=("snorkelling on holiday, ear a bit blocked",)),
    R("eye.endophthalmitis", "Painful red eye or worse vision after eye surgery or an eye injection", E, "ophthalmology",
      "Royal College of Ophthalmologists: suspected endophthalmitis (same-day emergency)",
      P(r"cataract|eye (?:surgery|op|operation|injection)|intravitreal|(?:laser|lens) surgery|phaco\w*"),
      P(r"pain\w*|red|foggy|hypopyon|vision (?:\w+ ){0,2}?(?:worse|gone|blurr\w*|foggy)|sight (?:\w+ ){0,2}?(?:worse|gone|foggy)"),
      P(r"(?:\d+|two|three|four|five|six|a few) days? (?:ago|since)|last (?:week|night)|yesterday|since|day \d+ post|hypopyon"),
      examples=("cataract done 4 days ago, now really painful and red and the sight has gone foggy",),
      non_examples=("cataract surgery planned next month, eye fine",)),
    R("toxicology.wild_mushrooms", "Illness after eating wild mushrooms", E, "toxicology",
      "TOXBASE: mushroom poisoning (delayed-onset symptoms suggest amatoxins — emergency)",
      P(r"wild mushrooms?|foraged|toadstools?|picked mushrooms?|mushrooms? (?:from|in) the (?:forest|woods|field|garden)"),
      P(VOMIT + r"|diarrh\w*|yellow|jaundic\w*|confus\w*|drows\w*|hallucinat\w*"),
      examples=("cooked wild mushrooms two nights ago, now vomiting, watery diarrhoea, eyes going yellow",),
      non_examples=("bought mushrooms at the supermarket, fine",)),
    R("cardiac.neonatal_duct_dependent", "Newborn with weak femoral pulses or low oxygen in the feet", E, "paediatric",
      "NICE / RCPCH: duct-dependent congenital heart disease in the newborn (emergency)",
      P(r"femoral pulses? (?:\w+ )?(?:impalpable|absent|weak|not felt)|(?:hand|arm) \d+ ?% (?:\w+ )?(?:foot|leg) \d+ ?%|pre[- ]?(?:and|/) ?post[- ]?ductal"),
      examples=("10 days old, grey, femoral pulses impalpable",), non_examples=("femoral pulses normal",)),
    R("respiratory.smoke_inhalation", "Smoke exposure with hoarseness, soot in the mouth or singed nose hairs", E, "respiratory",
      "British Burn Association / ATLS: inhalation injury (airway emergency)",
      P(r"fire|smoke|burning (?:house|building|car)"),
      P(r"hoarse\w*|(?:black|sooty) (?:stuff|spit|phlegm|sputum)|soot|singed|carbonaceous|stridor|" + BREATHLESS),
      examples=("got out of a house fire, voice going hoarse, black stuff in my spit, nose hairs singed",),
      non_examples=("bonfire smoke made me cough briefly, breathing normal now, voice normal",)),
    R("infection.tetanus", "Jaw locked or muscle spasms after a wound (tetanus)", E, "infection/sepsis",
      "UKHSA Green Book ch. 30: tetanus — clinical tetanus is an emergency",
      P(r"lockjaw|trismus|jaw (?:is |has )?(?:\w+ )?(?:clamped|locked|stuck|stiff)|(?:can'?t|cannot|can hardly|can barely) open " + _POSS + r"mouth"),
      P(r"spasm\w*|rusty|wound|cut|tetanus|stiff"),
      examples=("cut my leg on a rusty fence, now my jaw is clamped and my neck keeps going into spasms",),
      non_examples=("jaw clicks when I chew, no wound, no spasms",)),
    R("neuro.wernicke", "Alcohol with confusion and unsteadiness or eye-movement problems (Wernicke's)", E, "neurological",
      "NICE CG100 alcohol-use disorders: 1.2 suspected Wernicke's encephalopathy (parenteral thiamine now)",
      P(r"alcohol\w*|drink\w*|drunk|booze"),
      P(CONFUSION + r"|confused"),
      P(r"nystagmus|double vision|diplopia|wide[- ]based|ataxi\w*|unsteady|staggering|ophthalmoplegia|wobbly|eyes? (?:\w+ ){0,2}?flick\w*"),
      examples=("alcohol dependent, confused, wide-based gait, nystagmus, double vision",),
      non_examples=("drank too much last night, hungover, steady and clear-headed",)),
    R("neuro.myasthenic_crisis", "Myasthenia with swallowing or breathing difficulty", E, "neurological",
      "Association of British Neurologists: myasthenic crisis (respiratory failure risk)",
      P(r"myasthen\w*"), P(r"swallow\w*|breath\w*|shallow|(?:can'?t|cannot) count|weak\w*"),
      examples=("mum has myasthenia, can hardly swallow and her breathing is shallow",),
      non_examples=("myasthenia, stable on pyridostigmine, routine review",)),
    R("gi.oesophageal_rupture", "Sudden chest pain after forceful vomiting, or crackling under the skin", E,
      "gastrointestinal", "NICE CKS / RCS: Boerhaave syndrome (surgical emergency)",
      P(r"crackl\w* (?:\w+ ){0,4}?(?:under|in) the skin|surgical emphysema|subcutaneous emphysema|"
        r"(?:retch\w*|vomit\w*) (?:\w+ ){0,6}?(?:sudden|severe) (?:\w+ )?(?:chest|retrosternal) pain|crackly when (?:\w+ )?press\w*|"
        r"(?:something )?(?:tear|rip)\w* in (?:my |his |her )?chest"),
      examples=("sudden severe retrosternal pain after a forceful retch, crackling under the skin of the neck",),
      non_examples=("heartburn after vomiting once, settled with antacid",)),
    R("infection.gas_in_tissues", "Crepitus with a dusky patch, fever or a swollen scrotum or perineum", E, "infection/sepsis",
      "NICE CKS: necrotising soft-tissue infection / Fournier's gangrene (emergency surgery)",
      P(r"crepitus|crackl\w* (?:\w+ ){0,2}?(?:under the skin|when pressed)"),
      P(r"dusky|black|necro\w*|scrot\w*|perine\w*|" + FEVER, *_ANY_FEVER),
      examples=("painful swelling of scrotum and perineum, dusky patch with crepitus",),
      non_examples=("knee crepitus for years, stiff in the morning",)),
    R("vascular.hypertensive_emergency", "Very high blood pressure with headache, visual change, confusion or chest pain", E,
      "cardiovascular", "NICE NG136 hypertension: 1.5 accelerated hypertension (same-day emergency referral)",
      T(("sbp", ">=", 200), ("dbp", ">=", 120)),
      P(r"headache|blurr\w* vision|vision|" + CONFUSION + r"|confused|" + CHEST_PAIN + r"|" + BREATHLESS + r"|" + SEIZURE),
      examples=("BP 238/138, new severe headache, blurred vision, muddled",),
      non_examples=("BP 205/110 at the pharmacy, no symptoms",)),
    R("trauma.head_injury_deterioration", "After a head injury: increasing drowsiness, new weakness or GCS 13 or less", E,
      "trauma", NG232 + " (deterioration; delayed subdural haematoma)",
      P(HEAD_INJURY),
      P(r"(?:increasing|more|getting) (?:\w+ )?(?:drows\w*|sleepy|confused)|new (?:\w+ )?weakness|(?:one[- ]sided|left[- ]sided|right[- ]sided) "
        r"weakness|" + CONFUSION, ("gcs", "<=", 13)),
      examples=("fall with head strike 3 weeks ago, increasing drowsiness, new left-sided weakness",),
      non_examples=("bumped head yesterday, small bruise, alert and well",)),
    R("obstetric.praevia_bleed", "Bleeding with a low-lying placenta or placenta praevia", E, "obstetric",
      "RCOG Green-top 27a placenta praevia: antepartum bleeding (admit)",
      P(r"placenta (?:\w+ )?pr(?:a)?evia|low[- ]lying placenta|(?-i:PP) bleed"), P(r"bleed\w*|blood"),
      examples=("31 weeks, scan said low-lying placenta, woke in a pool of bright red blood",),
      non_examples=("low-lying placenta at 20 weeks, rescan booked, no bleeding",)),
    R("obstetric.uterine_rupture", "Labour after a caesarean with sudden severe pain, contractions stopping or fetal distress", E,
      "obstetric", "RCOG Green-top 45 birth after previous caesarean: uterine rupture",
      P(r"(?-i:VBAC)|previous (?:c-?section|caesarean|(?-i:LSCS))|scar"),
      P(r"sudden (?:\w+ ){0,2}?(?:abdo\w*|tummy|abdominal) pain|loss of contractions|contractions (?:\w+ )?stopped|fetal bradycardia|"
        r"presenting part (?:\w+ )?(?:recedes|receding)"),
      examples=("labouring VBAC, sudden severe abdo pain, loss of contractions, fetal bradycardia",),
      non_examples=("previous caesarean, planning VBAC, well",)),
    R("toxicology.hydrofluoric_acid", "Hydrofluoric acid on the skin", E, "toxicology",
      "TOXBASE: hydrofluoric acid exposure (calcium gluconate, cardiac monitoring)",
      P(r"hydrofluoric|(?-i:HF) acid|rust remover"),
      examples=("spilled rust remover on my fingers, agony deep in the bones, bottle says hydrofluoric acid",),
      non_examples=("used vinegar to descale the kettle",)),
    R("toxicology.digoxin", "On digoxin with nausea, yellow vision or a slow pulse", E, "toxicology",
      "TOXBASE / NICE CKS: digoxin toxicity (emergency)",
      P(r"digoxin"),
      P(r"yellow\w*|nause\w*|" + VOMIT + r"|(?:pulse|heart) (?:\w+ ){0,2}?slow|confus\w*", ("hr", "<=", 50), ("k", ">=", 5.5)),
      examples=("on digoxin, throwing up, everything looks yellowish, pulse really slow",),
      non_examples=("on digoxin for AF, well, level normal",)),
    R("eye.orbital_cellulitis", "A swollen eye pushed forward, painful to move, double vision, or after a squeezed spot", E,
      "ophthalmology", "NICE CKS / RCOphth: orbital cellulitis and cavernous sinus thrombosis (emergency)",
      P(r"(?:eye|eyes) (?:\w+ ){0,3}?(?:bulging|pushed forward|sticking out|swollen shut)|proptosis|(?:popped|squeezed) a spot|"
        r"periorbital (?:\w+ )?swelling|eyelid (?:\w+ ){0,3}?(?:swollen|puffy)"),
      P(r"double|two of|diplopia|(?:hurts?|painful|pain) (?:\w+ ){0,3}?(?:to look|moving|move)|restricted|proptosis|bulging|"
        r"pushed forward|" + FEVER, *_ANY_FEVER),
      P(r"double|two of|diplopia|(?:hurts?|painful|pain) (?:\w+ ){0,3}?(?:to look|moving|move)|restricted|proptosis|bulging|"
        r"pushed forward|headache|swollen shut"),
      examples=("eyelid puffy after a cold, now the eye is bulging forward, hurts to look sideways, sees two of me, temp 39",),
      non_examples=("eyelid a bit swollen from a stye, vision normal, no fever",)),
    R("toxicology.methotrexate", "Methotrexate taken daily, or with mouth ulcers, bruising or fever", E, "toxicology",
      "MHRA / BSR: methotrexate toxicity (daily instead of weekly dosing) — emergency",
      P(r"methotrexate|(?-i:MTX)"),
      P(r"(?:every day|daily)(?: \w+){0,3}? (?:instead of weekly|by mistake)|ulcer\w*|bruis\w*|pancytopenia|" + FEVER, *_ANY_FEVER),
      examples=("taking his methotrexate every day by mistake, mouth full of ulcers and bruises",),
      non_examples=("methotrexate weekly, bloods fine, no ulcers",)),
    R("neuro.spinal_infection", "Back pain with fever and weak or numb legs or trouble passing urine", E, "neurological",
      "NICE CKS: low back pain — red flags (spinal infection, epidural abscess)",
      P(r"back ?(?:pain|ache)|pain (?:\w+ ){0,3}?(?:in|of) " + _POSS + r"(?:\w+ )?back"),
      P(FEVER, *_ANY_FEVER),
      P(r"legs? (?:\w+ ){0,3}?(?:weak|numb)|(?:weak|numb) (?:\w+ ){0,2}?legs?|(?:can'?t|unable to|haven'?t been able to) (?:wee|pee|urinate)"),
      examples=("awful pain in middle of my back for a week and fever, now legs weak and numb, can't wee",),
      non_examples=("back ache with flu, legs fine, weeing normally",)),
    R("cardiac.peripartum_heart_failure", "After birth: breathless lying flat, swollen legs or a pounding heart", E, "obstetric",
      "ESC 2018 cardiovascular disease in pregnancy: peripartum cardiomyopathy (emergency)",
      P(POSTPARTUM + r"|having my baby"),
      P(r"(?:can'?t|cannot) lie (?:down )?flat|breathless (?:\w+ ){0,3}?lying|orthopno\w*|waking (?:up )?(?:gasping|breathless)"),
      examples=("2 weeks after having my baby, so breathless I can't lie down flat, legs swollen",),
      non_examples=("had my baby 2 weeks ago, tired, sleeping flat fine",)),
    R("gi.genital_gangrene_lay", "Swollen, painful genitals with darkening skin or a bad smell and fever", E, "infection/sepsis",
      "NICE CKS: Fournier's gangrene (emergency surgery)",
      P(r"scrot\w*|(?:the )?bag|private parts|privates|perine\w*|genital\w*|testic\w*"),
      P(r"(?:dark |deep )?purple|black|dusky|smell\w*|necro\w*"),
      P(FEVER + r"|shak\w*|diabet\w*", *_ANY_FEVER),
      examples=("private parts swollen and painful, skin on the bag dark purple and smells, diabetic, feverish",),
      non_examples=("itchy groin rash, no swelling, no fever",)),
    R("infection.dengue_warning", "Dengue with bleeding, abdominal pain or vomiting", E, "infection/sepsis",
      "WHO 2009 dengue guidelines: warning signs (hospital care)",
      P(r"dengue"), P(r"bleed\w*|tummy|abdominal|belly|" + VOMIT + r"|drows\w*|restless"),
      examples=("dengue, fever went but now gums bleeding and tummy really hurts",), non_examples=("dengue last year, now well",)),
    R("gi.mesenteric_ischaemia", "Atrial fibrillation or vascular disease with severe abdominal pain", E, "gastrointestinal",
      "ESVS 2017 mesenteric ischaemia guideline: pain out of proportion in AF (emergency)",
      P(r"irregular heart\w*|(?-i:AF)|atrial fibrillation|vasculopath\w*"),
      P(r"(?:terrible|severe|agoni[sz]ing|excruciating|screaming|awful) (?:\w+ ){0,2}?(?:tummy|abdominal|abdo|belly|stomach) pain|"
        r"(?:tummy|abdominal|abdo|belly|stomach) pain (?:\w+ ){0,3}?(?:screaming|agony|terrible)"),
      examples=("irregular heartbeat, 3 hours of terrible tummy pain, screaming, belly soft",),
      non_examples=("AF, mild indigestion after dinner",)),
    R("infection.rabies_exposure", "A bite or scratch from a bat, or from a mammal abroad, without vaccination", E,
      "infection/sepsis", "UKHSA rabies post-exposure guidance: category III exposure — immediate assessment",
      P(r"rabies|\bbat\b|bats|stray|monkey|fox|(?:dog|cat) (?:\w+ ){0,3}?(?:abroad|in (?:india|thailand|bali|africa|asia|turkey|morocco))"),
      P(r"bit\w*|scratch\w*|contact|lick\w* (?:an? )?(?:open )?wound"),
      P(r"face|head|neck|unvaccinated|no (?:jabs|vaccin\w*)|haven'?t had (?:any )?(?:jabs|vaccin\w*)|abroad|india|thailand|bali|africa|"
        r"asia|category (?:iii|3)|(?-i:PEP)"),
      examples=("bitten on the face by a stray dog in Thailand, haven't had any jabs",),
      non_examples=("licked by my vaccinated dog at home",)),
    R("haematology.haemophilia_bleed", "Bleeding disorder with a rapidly swelling limb, a head injury or a fast pulse", E,
      "haematology", "UKHCDO: suspected bleed in haemophilia — immediate factor replacement and hospital assessment",
      P(r"ha?emophilia|von willebrand|bleeding disorder|factor (?:viii|ix|8|9) deficien\w*"),
      P(r"rapidly (?:expanding|growing|swelling)|expanding (?:\w+ )?swelling|head|" + HEAD_INJURY, ("hr", ">=", 110)),
      examples=("haemophilia A, fall, rapidly expanding thigh swelling, HR 118",),
      non_examples=("haemophilia, routine factor review, no bleeds",)),
    R("ingestion.button_battery", "Swallowed a button battery, magnets or a caustic product", E, "toxicology",
      "NPIS / TOXBASE: button battery and caustic ingestion (immediate emergency assessment)",
      P(r"(?:swallowed|ate|eaten|drank|drunk|chewed|sucked|in (?:his|her|their) mouth) (?:\w+ ){0,5}?(?:button batter(?:y|ies)|"
        r"batter(?:y|ies)|magnets|bleach|dishwasher (?:liquid|tablets?|pods?)|washing (?:\w+ )?(?:pods?|capsules?|tablets?)|"
        r"drain (?:cleaner|unblocker|opener)|oven cleaner|caustic|unblocker|descaler|limescale remover)"),
      examples=("toddler swallowed one of those button batteries 20 minutes ago, seems fine",),
      non_examples=("changed the battery in the remote, nobody swallowed anything",)),
    # ---------------------------------------------------------------- lay phrasings
    # The same emergencies as above, as people write them: a few filler words may stand
    # between the words that matter ("my throat feels like it's closing").
    R("allergy.throat_closing_lay", "Throat closing up", E, "allergy", ANAPH,
      P(r"throat (?:\w+\W+){0,5}?clos(?:ing|es|ed)(?: up)?|throat (?:\w+\W+){0,3}?(?:swelling|swollen) shut"),
      examples=("stung by a wasp and my throat feels like it's closing",),
      non_examples=("no feeling of my throat closing", "denies throat closing or lip swelling")),
    R("infection.non_blanching_lay", "Rash or spots that do not fade under a glass", E, "infection/sepsis",
      "NICE NG240 meningitis and meningococcal disease (2024): 1.1 recognising (non-blanching rash)",
      P(r"(?:spots?|rash|marks?|dots?)\W+(?:\w+\W+){0,6}?(?:don'?t|do not|doesn'?t|does not|won'?t|will not) "
        r"(?:fade|go away|disappear|blanch)(?:\W+\w+){0,6}?\W+(?:press|glass)\w*|purple (?:spots|rash|blotches)|"
        r"non-?blanching"),
      examples=("a rash of little purple spots that don't fade when I press a glass on them",),
      non_examples=("the rash fades when I press a glass on it, no purple spots",)),
    R("respiratory.cannot_finish_sentence", "Too breathless to finish a sentence", E, "respiratory",
      "BTS/SIGN 158 asthma (2019): acute severe asthma — cannot complete sentences",
      P(r"can'?t (?:finish|complete) (?:a |my |full )?sentences?|cannot (?:finish|complete) (?:a |my |full )?sentences?|"
        r"(?:too )?(?:breathless|short of breath|out of breath) to (?:talk|speak)|wheezing so (?:much|badly) (?:\w+\W+){0,2}?can'?t (?:talk|speak)"),
      examples=("can barely breathe, can't finish a sentence",),
      non_examples=("a bit breathless on the stairs but I can talk fine, no trouble finishing sentences",)),
    R("mental_health.plan_lay", "Plans to end their life now", E, "mental_health",
      "NICE NG225 self-harm (2022): 1.3 risk assessment; NICE CKS Suicide risk",
      P(r"(?:end it|end my life|kill myself|take my (?:own )?life) (?:\w+\W+){0,3}?(?:tonight|today|right now|this evening)|"
        r"(?:pills|tablets) (?:\w+\W+){0,2}?lined up|(?:written|wrote|writing) (?:\w+\W+){0,3}?(?:goodbye|suicide) (?:letters?|notes?)|"
        r"(?:written|wrote) (?:\w+\W+){0,2}?letters? to (?:my|the) (?:kids|children|family) (?:\w+\W+){0,3}?(?:end|goodbye)"),
      examples=("I've decided to end it tonight, the pills are lined up",),
      non_examples=("I had thoughts years ago but I would never end it, no pills lined up",)),
    R("neuro.face_drop_lay", "Face dropped on one side", E, "neurological", BEFAST,
      P(r"(?:face|mouth|smile) " + _gap(3) + r"(?:dropped|drooping|droopy|fallen|sagging|lopsided)|"
        r"(?:one side|side) of " + _gap(2) + r"face " + _gap(2) + r"(?:dropped|drooping|droopy|numb|fallen)"),
      examples=("the right side of his face has dropped",),
      non_examples=("no facial droop, face looks normal and has not dropped",)),
    R("skin.blistering_with_mucosa", "Skin peeling or blistering with mouth or eye sores", E, "dermatology",
      "British Association of Dermatologists 2016 SJS/TEN guideline: recognition",
      P(r"skin (?:\w+\W+){0,3}?peel\w* (?:\w+\W+){0,2}?(?:sheets|off)|blisters? (?:\w+\W+){0,3}?(?:mouth|eyes|lips)|"
        r"skin detachment|mucosal involvement|blister\w*(?:\W+\w+){0,6}?\W+(?:mouth|eyes|lips) (?:\w+ ){0,3}?(?:sore|ulcer\w*|blister\w*)|skin (?:\w+ ){0,2}?(?:shearing|sloughing)|(?:dusky|blistering) (?:\w+ )?rash"
        r"(?:\W+\w+){0,6}?\W+(?:mouth|eyes?|lips|ulcer\w*)"),
      examples=("my skin is peeling off in sheets with blisters in my mouth",),
      non_examples=("a little peeling after sunburn, no blisters, mouth and eyes fine",)),
    R("gi.heavy_rectal_bleeding_lay", "A lot of blood from the bottom", E, "gastrointestinal",
      "NICE CKS: Gastrointestinal bleeding — acute lower GI bleeding (severe)",
      P(r"(?:toilet|bowl|pan) (?:is |was )?(?:full of|filled with|covered in) blood|"
        r"passing (?:loads|lots|a lot) of (?:bright red |dark )?blood"),
      examples=("passing loads of bright red blood from my bottom",),
      non_examples=("a streak of blood on the paper, toilet not full of blood",)),
)
# fmt: on

# Stroke signs that have gone away are a TIA: same-day specialist review (NICE NG128 1.1.2),
# not an ambulance; the neuro.tia_resolved rule sets that floor instead.
_RESOLVES = frozenset({"neuro.face_droop", "neuro.arm_weakness", "neuro.speech_difficulty", "neuro.sudden_vision_loss",
                       "neuro.sudden_balance_loss", "neuro.face_drop_lay", "neuro.stroke_signs_two"})
# Pauses in breathing while snoring or asleep are sleep apnoea (a routine referral); black
# stools on iron or bismuth are expected.
_UNLESS = {**dict.fromkeys(_RESOLVES, RESOLVED),
           "respiratory.not_breathing": _rx(r"snor\w*|(?:at|during the) night|asleep|(?:in|during) (?:my|his|her|their) sleep|"
                                            r"while (?:\w+ )?sleep\w*|sleep apno\w*"),
           "gi.melaena": _rx(r"iron|ferrous|bismuth|pepto|liquorice|blueberr\w*|beetroot")}
RULES = tuple(replace(r, unless=_UNLESS[r.id]) if r.id in _UNLESS else r for r in RULES)


# --------------------------------------------------------------------------- evaluation


def _threshold_hit(
    meas: dict[str, list[tuple[float, str]]], thresholds: tuple[tuple[str, str, float], ...]
) -> str | None:
    for key, op, limit in thresholds:
        for value, span in meas.get(key, ()):
            if _OPS[op](value, limit):
                return span
    return None


# NEWS2 (Royal College of Physicians, 2017), chart 1: points per parameter (SpO2 scale 1).
_NEWS2_BANDS = {
    "rr": ((8, 3), (11, 1), (20, 0), (24, 2), (999, 3)),
    "spo2": ((91, 3), (93, 2), (95, 1), (999, 0)),
    "sbp": ((90, 3), (100, 2), (110, 1), (219, 0), (999, 3)),
    "hr": ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (999, 3)),
    "temp_c": ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (99, 2)),
}
NEWS2_GUIDELINE = "NEWS2 (Royal College of Physicians 2017): chart 1 scoring and chart 2 clinical response"


def news2(meas: dict[str, list[tuple[float, str]]], not_alert: str | None = None) -> tuple[int, list[str], int]:
    """The aggregate NEWS2 score of the measured parameters (the worst reading of each),
    the spans scored, and how many parameters were measured. GCS < 15, or ``not_alert``
    (the words saying the person is newly confused or drowsy), scores 3 (ACVPU)."""
    score, spans, measured = 0, [], 0
    for key, bands in _NEWS2_BANDS.items():
        readings = meas.get(key)
        if not readings:
            continue
        measured += 1
        worst = max(readings, key=lambda r: next(points for upper, points in bands if r[0] <= upper))
        points = next(p for upper, p in bands if worst[0] <= upper)
        score += points
        if points:
            spans.append(worst[1])
    low = min(meas["gcs"]) if meas.get("gcs") else None
    if low is not None or not_alert:
        measured += 1
        if low is not None and low[0] < 15:
            score += 3
            spans.append(low[1])
        elif not_alert:
            score += 3
            spans.append(not_alert)
    return score, spans, measured


NOT_ALERT = _rx(
    CONFUSION + r"|confused|drows(?:y|iness)|obtunded|responds? only to (?:voice|pain)|"
    r"(?:won'?t|can'?t|cannot|unable to) stay awake|keeps? (?:drifting|nodding) off|"
    r"barely (?:awake|conscious|responsive|rousable)|not answering (?:\w+ )?properly|"
    r"(?:can'?t|cannot) keep (?:his|her|my|their) eyes open|mumbling"
)


def _news2_flags(meas: dict[str, list[tuple[float, str]]], not_alert: str | None = None) -> list[RedFlag]:
    score, spans, measured = news2(meas, not_alert)
    if measured < 2:
        return []  # one reading: the single-parameter rules speak for it
    if score >= 7:
        return [RedFlag("vital_signs.news2_aggregate_7", f"NEWS2 aggregate score {score} (7 or more)", "emergency",
                        " + ".join(spans), NEWS2_GUIDELINE + " (score >= 7: emergency response)")]
    if score >= 5:
        return [RedFlag("vital_signs.news2_aggregate_5", f"NEWS2 aggregate score {score} (5-6)", "urgent",
                        " + ".join(spans), NEWS2_GUIDELINE + " (score 5-6: urgent response)")]
    return []


def find_red_flags(text: str) -> list[RedFlag]:
    """Every rule that fires on ``text``, most severe first (then in table order)."""
    if not text or not isinstance(text, str):
        return []
    t = _Text(text)
    meas = _measure(text)
    concept_cache: dict[str, re.Match | None] = {}
    flags: list[RedFlag] = []
    for rule in RULES:
        need = rule.min_criteria or len(rule.criteria)
        spans: list[str] = []
        matches: list[re.Match] = []
        met = 0
        for n, crit in enumerate(rule.criteria):
            if met + len(rule.criteria) - n < need:
                break  # too few criteria left to reach `need`
            span = None
            if crit.pattern is not None:
                key = crit.pattern.pattern
                if key not in concept_cache:
                    concept_cache[key] = t.first_affirmed_match(crit.pattern)
                if concept_cache[key] is not None:
                    matches.append(concept_cache[key])
                    span = concept_cache[key].group(0)
            if span is None:
                span = _threshold_hit(meas, crit.thresholds)
            if span is None:
                continue
            met += 1
            if span not in spans:
                spans.append(span)
        if rule.unless is not None and any(
            rule.unless.search(t.sentence(m)) and not _ONGOING.search(t.sentence(m)) for m in matches
        ):
            continue
        if met >= need:
            flags.append(
                RedFlag(rule.id, rule.label, rule.level, " + ".join(spans), rule.guideline)
            )
    flags.extend(_news2_flags(meas, t.first_affirmed(NOT_ALERT)))
    flags.sort(key=lambda f: -LEVELS.index(f.level))
    return flags


def rule_floor(flags: list[RedFlag]) -> str | None:
    """The highest level among ``flags``; None when there are none."""
    if not flags:
        return None
    return max((f.level for f in flags), key=LEVELS.index)


def rules_markdown() -> str:
    """The rule table, as Markdown, for docs/medical/red-flag-rules.md."""
    lines = [
        "# Red-flag rules",
        "",
        "Generated from `engine/workspaces/medical/red_flags.py` by `rules_markdown()`; "
        "do not edit by hand.",
        "",
        "Decision support, never a diagnosis: each rule sets the least urgent level an answer "
        "may carry, and runs before any model. Levels: `emergency` (emergency services / ED now), "
        "`urgent` (same-day clinician review, or a suspected-cancer pathway referral for NICE "
        "NG12), `routine`, `self_care`. A single NEWS2 parameter scoring 3 sets `urgent`; the "
        "same physiology with signs of infection sets `emergency` (NICE NG51 high risk). Beside "
        "the table, the aggregate NEWS2 score of two or more measured parameters (RR, SpO2, systolic "
        "BP, pulse, temperature, and GCS < 15 or words saying the person is newly confused or drowsy, 3 points as in ACVPU) sets `emergency` at 7 or more and "
        "`urgent` at 5-6 (RCP 2017, chart 2).",
        "",
        f"{len(RULES)} rules, plus the NEWS2 aggregate.",
        "",
        "| id | label | level | system | guideline |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        cells = (r.id, r.label, r.level, r.system, r.guideline)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
