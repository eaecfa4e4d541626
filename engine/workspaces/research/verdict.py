"""A yes / no / maybe verdict for a yes/no question, from the passages retrieved for it.

`rule_verdict` is the deterministic default the app uses: it learns nothing. It finds the
sentences that carry the paper's answer (a "Conclusion(s)" section or a sentence that
opens like a conclusion, "In conclusion", "These results suggest", ...; failing those,
the results-like sentences closest to the question by embedding), reads their cues
(absence of an effect -> no, hedging -> maybe, an effect -> yes) and returns the sentence
that decided it, verbatim (whitespace-normalised) from a passage.

`verdict_features` + `VerdictModel` are the learned alternative: a small multinomial
logistic regression (numpy only) over a fixed-length vector of the same cues plus
embedding similarities. No trained model ships with the app; `enclave bench pubmedqa`
scores it by cross-validation only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from engine.training.softmax import SoftmaxRegression
from engine.workspaces.research.chunking import is_heading

VERDICTS = ("yes", "no", "maybe")

# Sentences that decide: the conclusions, else the findings, closest to the question.
DECIDING_SENTENCES = 3
# How much a later sentence is preferred (0 first .. POSITION_BONUS last), in cosine units.
POSITION_BONUS = 0.15
# A deciding sentence's weight: softmax of its cosine to the question at this temperature,
# so a sentence 0.1 closer counts e^(1/3) = 1.4 times as much.
RELEVANCE_TEMPERATURE = 0.3
# Cue weights of the rule: an explicit statement of no effect outweighs a p-value.
NO_PRIOR, YES_PRIOR, MAYBE_PRIOR = 0.0, 0.35, 0.0
MIXED_WEIGHT = 0.5  # "A improved, B did not": the weaker side of a sentence counts towards maybe
SMOOTHING = 0.1  # added to every label's score before they are turned into shares

_YES_NO_START = re.compile(
    r"^(is|are|am|was|were|does|do|did|can|could|should|would|will|shall|has|have|had|may|might|must)"
    r"(n't|n’t)?\b", re.IGNORECASE)
_WHETHER = re.compile(r"\bwhether\b", re.IGNORECASE)
_OPEN_QUESTION = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[:;,.?!]\s*|\b(?:and|but|or|so)\s+", re.IGNORECASE)

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\[(\"'])")
# A full stop that ends an abbreviation, not a sentence ("vs. 2.2 cm", "et al. 2010").
_ABBREVIATION_END = re.compile(r"\b(vs|v|e\.g|i\.e|et al|cf|fig|figs|approx|ca|no|nos|dr|mr|mrs|ms|prof|"
                               r"resp|incl|ref|refs|eq|vol|pp|st|min|max|sec|mo|yr|yrs|wk|wks)\.$",
                               re.IGNORECASE)
# A sentence that reports: past-tense findings or numbers, rather than background.
_REPORTED = re.compile(r"\b(was|were|had|showed|found|observed|demonstrated|revealed|did|"
                       r"increased|decreased|reduced|improved|remained|differed|occurred)\b|\d",
                       re.IGNORECASE)
_INLINE_LABEL = re.compile(r"^\s*([A-Z][A-Za-z ]{2,40}):\s+")
_CONCLUSION_SECTION = re.compile(r"^\W*(\d+(\.\d+)*\.?\s+)?(conclusions?|interpretation|summary|"
                                 r"concluding remarks|implications?)\b", re.IGNORECASE)
_CONCLUSION_START = re.compile(
    r"^(in conclusion|to conclude|we conclude|in summary|to summari[sz]e|in sum|taken together|"
    r"collectively|altogether|"
    r"(these|our|the present|the current|this|the) (results|findings|data|observations|study|studies|"
    r"analysis|analyses|work|trial|experiments?)\s+(\w+\s+){0,3}?(suggests?|indicates?|shows?|"
    r"demonstrates?|supports?|confirms?|reveals?|implies|imply|provides?|highlights?)|"
    r"we (show|demonstrate|provide evidence|conclude))\b", re.IGNORECASE)
_OBJECTIVE = re.compile(
    r"^(the |our |this |a |one )?(main |primary |secondary )?(aims?|purposes?|objectives?|goals?|"
    r"hypothes[ie]s|question)\b|"
    r"\b(we|this study|this paper|this article|this analysis|the present study|the present analysis|"
    r"the authors|it) (was |were |is )?(therefore |prospectively |retrospectively )?(aimed|aims|sought|"
    r"seeks|set out|investigat\w+|examin\w+|evaluat\w+|assess\w+|hypothesi[sz]\w+|wanted|asked|"
    r"tested|studied|compar\w+|determin\w+|explor\w+|analy[sz]\w+|review\w+|describ\w+|planned|"
    r"designed|conducted|undertaken|performed)\b|"
    r"\bwhether\b|\b(sought|aimed|designed|planned|conducted|undertaken|performed) to\b|"
    r"^to (determine|assess|evaluate|investigate|examine|compare|explore|test|establish|describe|"
    r"identify|study|analy[sz]e|clarify|address)\b|\blittle is known\b|\bis (unknown|unclear)\b|"
    r"\?$", re.IGNORECASE)
# Methods: what was done, not what was found.
_METHOD = re.compile(
    r"\b(were|was) (recruited|enrolled|included|randomi[sz]ed|allocated|assigned|calculated|obtained|"
    r"measured|collected|recorded|administered|given|treated|performed|conducted|used|analy[sz]ed|"
    r"reviewed|assessed|evaluated|examined|studied|selected|identified|divided|classified|defined|"
    r"followed|interviewed|surveyed|asked|invited|compared|estimated|retrieved|extracted|scored|"
    r"categori[sz]ed|grouped|stratified|matched)\b(?! (to|with|by) (be |have )?(significant|higher|lower))|"
    r"\b(have been|has been) used\b|\bconsisted of\b|\bcompleted the\b|\bwe (used|performed|"
    r"conducted|recruited|enrolled|included|reviewed|analy[sz]ed|measured|collected|identified|"
    r"retrospectively|prospectively)\b|\b(retrospective|prospective|cross-sectional|randomi[sz]ed|"
    r"cohort|case-control|comparative) (study|analysis|review|trial|survey)\b",
    re.IGNORECASE)

# -- cues ---------------------------------------------------------------------------------
# Phrases that look negative but are not ("not only ... but also") or that hedge rather than
# deny ("not all", "not necessarily"); removed before the negation cues are read.
_NOT_NEGATION = re.compile(r"\b(not only|whether or not|if not|no longer|not yet|nothing but|"
                           r"not all|not always|not necessarily|not well|not fully|not clear|"
                           r"not known|not been|not completely|not entirely)\b", re.IGNORECASE)
_NEGATION_STRONG = re.compile(
    r"\bno (statistically |clinically |clear |major |further |additional |apparent |relevant |"
    r"consistent |measurable |detectable |independent |real |such |overall )?(significant |meaningful |"
    r"important )?(differences?|associations?|correlations?|relationships?|relations?|effects?|"
    r"benefits?|improvements?|changes?|evidence|impact|influence|advantages?|increases?|decreases?|"
    r"reductions?|role|value|link|predictive|superiority|gain|protection|protective|harm)\b|"
    r"\bno (statistically )?significant\b|\bnot (statistically |clinically )?significant(ly)?\b|"
    r"\bnon-?(statistically )?significant(ly)?\b|\binsignificant(ly)?\b|"
    r"\b(did|does|do|was|were|is|are|has|have|had|could|can|would|will)( not|n't|n’t)\b|"
    r"\bcannot\b|\bfail(ed|s)? to\b|\bneither\b|\bunrelated\b|\bunchanged\b|\bunaffected\b|"
    r"\b(similar|comparable|equivalent|identical) (between|among|across|in|for|to|with)\b|"
    r"\bnot (associated|correlated|related|linked|different|differ|predictive|superior|inferior|"
    r"effective|affected|influenced|improved|reduced|increased|decreased|changed|useful|"
    r"beneficial|necessary|required|justified|sufficient|reliable|accurate|valid|supported)\b|"
    r"\bp\s*=\s*n\.?s\b|\(\s*n\.?s\.?\s*\)|\black of\b|\babsence of\b|\bnone of\b",
    re.IGNORECASE)
_NEGATION_WEAK = re.compile(r"\b(not|no|none|nor|without|never|unable|lack(s|ed)?|absent|rarely)\b",
                            re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(may|might|possibly|perhaps|unclear|uncertain(ty)?|inconclusive|remains? to be|"
    r"further (studies|study|research|investigations?|trials?|work|evaluation)|more (studies|research)|"
    r"limited evidence|insufficient|not all|not always|not necessarily|controversial|conflicting|"
    r"mixed|appears? to|seems? to|trends?|tended|tendency|marginal(ly)?|borderline|partial(ly)?|"
    r"partly|some but not|in some|subgroup|only in|only when|only for|depend(s|ed|ing)? on|"
    r"warrant(s|ed)?|preliminary|caution|debat(e|able))\b", re.IGNORECASE)
# "significant" as a statistical finding, not as "a significant stenosis" (a large one)
_SIGNIFICANT = re.compile(
    r"\b(statistically |highly |clinically )?significantly\b|\bstatistically significant\b|"
    r"\bsignificant(ly)? (\w+ )?(differences?|associations?|correlations?|relationships?|relations?|"
    r"effects?|increases?|decreases?|reductions?|improvements?|changes?|predictors?|risk factors?|"
    r"benefits?|gains?|declines?|rises?|impact|influence|interactions?|trends?|variations?|"
    r"advantages?|higher|lower|greater|better|worse|more|less|fewer)\b|"
    r"\b(was|were|is|are|remained|became|proved) (?!not\b)(\w+ )?significant\b", re.IGNORECASE)
_NEGATED_BEFORE = re.compile(r"\b(not|no|non|nor|without|never|neither|lack of|absence of)\W+(\w+\W+){0,2}$",
                             re.IGNORECASE)
_EFFECT = re.compile(
    r"\b(associated with|correlated with|related to|linked to|predict(s|ed|or|ors|ive)?|"
    r"improv(ed|es|ement)|reduc(ed|es|tion)|increas(ed|es)|decreas(ed|es)|higher|lower|greater|"
    r"fewer|superior|inferior|effective|efficacious|beneficial|benefit(ed)?|risk factor|"
    r"odds ratio|hazard ratio|relative risk|accurate(ly)?|sensitivity|specificity)\b", re.IGNORECASE)
_P_VALUE = re.compile(r"\bp\s*(<\s*or\s*=|>\s*or\s*=|<=|>=|[<>=≤≥]|less than|of)\s*(0?\.\d+|[01](\.\d+)?(e-?\d+)?)",
                      re.IGNORECASE)
_UP = re.compile(r"\b(increas\w*|higher|more|greater|elevat\w*|rais\w*|ris(e|es|ing)|improv\w*|better|"
                 r"enhanc\w*|exceed\w*|larger|longer|gain\w*|promot\w*)\b", re.IGNORECASE)
_DOWN = re.compile(r"\b(decreas\w*|reduc\w*|lower|less|fewer|declin\w*|diminish\w*|worse|impair\w*|"
                   r"smaller|shorter|loss|lost|drop\w*|attenuat\w*|prevent\w*|inhibit\w*)\b", re.IGNORECASE)
# A question that doubts ("do we really need ...?", "is it always necessary?"): a learned-model
# feature only; the rule answers from the passages, not from the asker's tone.
_SKEPTICAL = re.compile(r"\b(really|always|necessary|necessarily|need|needed|worth|justified|justifiable|"
                        r"still|any|truly|indeed|only|myth|all)\b", re.IGNORECASE)
# A question that asks whether two things are alike: "no difference" answers it with yes.
_SAMENESS = re.compile(r"\b(same|similar|equivalent|comparable|equal(ly)?|interchangeable|non-?inferior|"
                       r"as (\w+ ){0,2}as)\b", re.IGNORECASE)

CUES = ("negation", "weak_negation", "hedge", "significant", "p_significant", "p_not_significant",
        "effect", "up", "down", "reported")

# Hand-written prototypes (not from any benchmark) of the three kinds of answer.
PROTOTYPES = {
    "no": ("There was no significant difference between the two groups.",
           "The treatment did not improve the outcome compared with placebo.",
           "No association was found between the marker and survival.",
           "The test failed to predict which patients would respond."),
    "yes": ("The treatment significantly improved the outcome compared with placebo.",
            "The marker was strongly and independently associated with survival.",
            "Patients in the intervention group had markedly fewer complications.",
            "The test accurately predicted which patients would respond."),
    "maybe": ("The evidence is inconclusive and further studies are needed.",
              "The benefit was seen in some patients but not in others.",
              "The effect may depend on the dose, and the results remain uncertain.",
              "There was a trend towards improvement that did not reach significance."),
}


def is_yes_no_question(question: str) -> bool:
    """A question answered by yes or no: one that opens (or has a clause that opens) with
    an auxiliary ("Is ...?", "Does ...?", "Cancer of the mouth: are margins ...?"), or a
    "whether" question ("I wonder whether ...")."""
    text = " ".join(question.split()).strip()
    if not text:
        return False
    if _WHETHER.search(text):
        return True
    if _OPEN_QUESTION.match(text):
        return False
    if _YES_NO_START.match(text):
        return True
    if not text.endswith("?"):
        return False
    # the last clause of a titled question: "Cold knife or LEEP. Are they the same procedure?"
    starts = [m.end() for m in _CLAUSE_START.finditer(text[:-1])]
    return any(_YES_NO_START.match(text[s:]) and not _OPEN_QUESTION.match(text[s:]) for s in starts)


@dataclass(frozen=True)
class Verdict:
    label: str  # yes | no | maybe
    confidence: float  # the winning label's share of the scores, 0-1
    scores: dict[str, float]  # per label, summing to 1
    evidence: str  # the sentence that decided it, verbatim (whitespace-normalised) from a passage
    reason: str = ""  # which cue decided, in words

    def to_json(self) -> dict:
        return {"label": self.label, "confidence": round(self.confidence, 4),
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "evidence": self.evidence, "reason": self.reason}


def cues(sentence: str) -> dict[str, float]:
    """Counts of the verdict cues in one sentence (see CUES)."""
    text = _NOT_NEGATION.sub(" ", sentence)
    negation = len(_NEGATION_STRONG.findall(text))
    weak = max(0, len(_NEGATION_WEAK.findall(text)) - negation)
    significant = 0
    for match in _SIGNIFICANT.finditer(text):
        if not _NEGATED_BEFORE.search(text[:match.start()]) and \
                not text[max(0, match.start() - 4):match.start()].lower().endswith(("non", "non-", "in")):
            significant += 1
    p_yes = p_no = 0
    for match in _P_VALUE.finditer(sentence):
        op = match.group(1).lower().replace(" ", "")
        try:
            value = float(match.group(2))
        except ValueError:
            continue
        if op.startswith(("<", "≤", "less")):
            p_yes += value <= 0.05
        elif op.startswith((">", "≥")):
            p_no += value >= 0.05
        else:
            p_yes += value <= 0.05
            p_no += value > 0.05
    effect = sum(1 for m in _EFFECT.finditer(text) if not _NEGATED_BEFORE.search(text[:m.start()]))
    return {"negation": float(negation), "weak_negation": float(weak),
            "hedge": float(len(_HEDGE.findall(sentence))), "significant": float(significant),
            "p_significant": float(p_yes), "p_not_significant": float(p_no), "effect": float(effect),
            "up": float(len(_UP.findall(text))), "down": float(len(_DOWN.findall(text))),
            "reported": float(bool(_REPORTED.search(text)))}


@dataclass
class _Sentence:
    text: str
    position: float  # 0 (first sentence of the passages) .. 1 (last)
    conclusion: bool  # in a conclusion section or opening like a conclusion
    objective: bool  # states the aim or asks the question: no verdict in it
    method: bool  # says what was done, not what was found
    cues: dict[str, float] = field(default_factory=dict)

    @property
    def finding(self) -> float:
        """0-1: how much the sentence reads like a result (significance, an effect or its absence)."""
        c = self.cues
        return min(1.0, c["negation"] + c["significant"] + c["p_significant"] + c["p_not_significant"]
                   + 0.3 * c["effect"] + 0.2 * c["hedge"])


def _split(passages: list[str]) -> list[_Sentence]:
    """The sentences of the passages in order, whitespace-normalised, headings left out,
    each marked when it sits in a conclusion section or opens like a conclusion."""
    out: list[_Sentence] = []
    for passage in passages:
        in_conclusion = False
        for paragraph in re.split(r"\n\s*\n", passage):
            flat = " ".join(paragraph.split())
            if not flat:
                continue
            if is_heading(paragraph) or (len(flat.split()) <= 4 and not flat.endswith(".")):
                in_conclusion = bool(_CONCLUSION_SECTION.match(flat))
                continue
            label = _INLINE_LABEL.match(flat)
            if label:  # "CONCLUSIONS: ..." in a structured abstract
                in_conclusion = bool(_CONCLUSION_SECTION.match(label.group(1)))
            pieces: list[str] = []
            for piece in _SENTENCE_SPLIT.split(flat):
                if pieces and _ABBREVIATION_END.search(pieces[-1]):
                    pieces[-1] += " " + piece
                else:
                    pieces.append(piece)
            for sentence in pieces:
                sentence = sentence.strip()
                if len(sentence.split()) < 4:
                    continue
                body = _INLINE_LABEL.sub("", sentence, count=1) if label else sentence
                c = cues(body)
                out.append(_Sentence(sentence, 0.0, in_conclusion or bool(_CONCLUSION_START.match(body)),
                                     bool(_OBJECTIVE.search(body)),
                                     bool(_METHOD.search(body)) and not (c["significant"] or c["negation"]
                                                                         or c["p_significant"]), c))
    for i, s in enumerate(out):
        s.position = i / max(len(out) - 1, 1)
    return out


def _asks_sameness(question: str) -> bool:
    return bool(_SAMENESS.search(question))


def _sentence_scores(c: dict[str, float], sameness: bool) -> dict[str, float]:
    """Evidence one sentence gives each label (before weighting by relevance)."""
    absent = c["negation"] + 0.6 * c["p_not_significant"] + 0.15 * c["weak_negation"]
    present = c["significant"] + 0.6 * c["p_significant"] + 0.15 * min(c["effect"], 3)
    if sameness:  # "are they the same?": no difference means yes
        absent, present = present, absent
    return {"yes": present, "no": absent, "maybe": 0.6 * c["hedge"]}


@dataclass(frozen=True)
class _Analysis:
    sentences: tuple[_Sentence, ...]
    deciding: tuple[int, ...]  # indexes into sentences
    weights: np.ndarray  # per deciding sentence, summing to 1
    similarity: np.ndarray  # cosine of every sentence to the question
    question_vector: np.ndarray
    sentence_vectors: np.ndarray
    from_conclusion: bool
    prototypes: np.ndarray | None  # (3, dim) in VERDICTS order, when there is an embedder


_prototype_cache: dict[str, np.ndarray] = {}


def _prototypes(embedder) -> np.ndarray:
    """Unit mean vectors of the PROTOTYPES, one row per label in VERDICTS order
    (embedded once per embedder)."""
    key = getattr(embedder, "model_id", None) or str(id(embedder))
    if key not in _prototype_cache:
        texts = [t for label in VERDICTS for t in PROTOTYPES[label]]
        vectors = embedder.embed(texts)
        out, i = [], 0
        for label in VERDICTS:
            mean = vectors[i:i + len(PROTOTYPES[label])].mean(axis=0)
            out.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
            i += len(PROTOTYPES[label])
        _prototype_cache[key] = np.stack(out)
    return _prototype_cache[key]


def _analyse(question: str, passages: list[str], embedder) -> _Analysis:
    question = " ".join(question.split())
    sentences = _split(passages)
    if embedder is not None and sentences:
        vectors = embedder.embed([question] + [s.text for s in sentences])
        q, vecs = vectors[0], vectors[1:]
        similarity = vecs @ q
    else:  # keyword overlap stands in for the cosine
        words = set(re.findall(r"[a-z0-9]{3,}", question.lower()))
        similarity = np.array([len(words & set(re.findall(r"[a-z0-9]{3,}", s.text.lower())))
                               / max(len(words), 1) for s in sentences], dtype=np.float32)
        q, vecs = np.zeros(0, np.float32), np.zeros((len(sentences), 0), np.float32)
    conclusions = [i for i, s in enumerate(sentences) if s.conclusion and not s.objective]
    from_conclusion = bool(conclusions)
    if conclusions:  # a long paper concludes on several things: those closest to the question
        deciding = sorted(conclusions, key=lambda i: float(similarity[i]), reverse=True)[:DECIDING_SENTENCES]
    else:
        # results carry the answer: among the sentences that state a finding (not the aim,
        # not the methods), the closest to the question, later ones preferred (an abstract
        # reports its results after its background and methods)
        everything = range(len(sentences))
        pools = ([i for i in everything if not sentences[i].objective and not sentences[i].method
                  and sentences[i].finding > 0],
                 [i for i in everything if not sentences[i].objective and not sentences[i].method],
                 [i for i in everything if not sentences[i].objective], list(everything))
        pool = next(p for p in pools if p) if sentences else []

        def rank(i: int) -> float:
            s = sentences[i]
            return float(similarity[i]) + 0.1 * s.finding + 0.05 * s.cues["reported"] + POSITION_BONUS * s.position
        deciding = sorted(pool, key=rank, reverse=True)[:DECIDING_SENTENCES]
    if deciding:
        sims = np.array([similarity[i] for i in deciding], dtype=np.float64)
        weights = np.exp((sims - sims.max()) / RELEVANCE_TEMPERATURE)
        weights /= weights.sum()
    else:
        weights = np.zeros(0)
    return _Analysis(tuple(sentences), tuple(deciding), weights, np.asarray(similarity, np.float32),
                     q, vecs, from_conclusion, _prototypes(embedder) if embedder is not None else None)


def _rule(question: str, analysis: _Analysis) -> Verdict:
    sentences = analysis.sentences
    if not analysis.deciding:
        return Verdict("maybe", 1 / 3, {k: 1 / 3 for k in VERDICTS}, "", "no sentence to decide from")
    sameness = _asks_sameness(question)
    totals = {"yes": YES_PRIOR, "no": NO_PRIOR, "maybe": MAYBE_PRIOR}
    per_sentence = []
    for i, w in zip(analysis.deciding, analysis.weights, strict=True):
        s = _sentence_scores(sentences[i].cues, sameness)
        if not analysis.from_conclusion:
            s["maybe"] *= 0.5  # results sentences hedge less than conclusions do; read less into it
        per_sentence.append((i, s))
        for k in VERDICTS:
            totals[k] += float(w) * s[k]
    # a sentence that both finds and denies an effect ("A improved, B did not") leaves it open
    mixed = sum(float(w) * min(s["yes"], s["no"]) for (_, s), w in zip(per_sentence, analysis.weights, strict=True))
    totals["maybe"] += MIXED_WEIGHT * mixed
    label = max(VERDICTS, key=lambda k: totals[k])
    # smoothed, so a verdict from one weak cue does not claim certainty
    total = sum(totals.values()) + SMOOTHING * len(VERDICTS)
    scores = {k: (totals[k] + SMOOTHING) / total for k in VERDICTS}
    # the deciding sentence: the one that gave the winning label most (weighted); for a
    # default yes (no cue at all), the sentence closest to the question
    best_i, best = analysis.deciding[0], -1.0
    for (i, s), w in zip(per_sentence, analysis.weights, strict=True):
        if float(w) * s[label] > best:
            best_i, best = i, float(w) * s[label]
    if best <= 0:
        best_i = analysis.deciding[int(np.argmax(analysis.weights))]
    source = "conclusion" if analysis.from_conclusion else "result closest to the question"
    reason = {"no": "states no effect or no difference", "maybe": "hedges or is mixed",
              "yes": "reports an effect" if best > 0 else "neither doubts nor denies an effect"}[label]
    if sameness and label != "maybe":
        reason += " (the question asks whether things are alike)"
    return Verdict(label, scores[label], scores, sentences[best_i].text, f"the {source} {reason}")


def rule_verdict(question: str, passages: list[str], embedder=None) -> Verdict:
    """The deterministic verdict (no learning): yes / no / maybe with the sentence that
    decided it. `passages` in document order read best (a conclusion is recognised by
    its section heading); `embedder` (None: keyword overlap) picks the sentences closest
    to the question when the passages hold no conclusion."""
    return _rule(question, _analyse(question, passages, embedder))


FEATURE_NAMES: tuple[str, ...] = (
    *(f"rule_{k}" for k in VERDICTS), *(f"rule_score_{k}" for k in VERDICTS), "from_conclusion",
    *(f"deciding_{c}" for c in CUES), *(f"all_{c}" for c in CUES),
    "deciding_similarity", "max_similarity", "mean_similarity", "question_vs_abstract",
    *(f"deciding_proto_{k}" for k in VERDICTS), *(f"max_proto_{k}" for k in VERDICTS),
    "question_sameness", "question_negated", "question_up", "question_down", "direction_conflict",
    "deciding_position", "sentences_log", "question_starts_is", "question_starts_does", "question_starts_can",
    "question_skeptical", "question_titled", "deciding_is_method",
)


def _features(question: str, analysis: _Analysis, rule: Verdict) -> np.ndarray:
    sentences = analysis.sentences
    deciding_cues = {c: 0.0 for c in CUES}
    for i, w in zip(analysis.deciding, analysis.weights, strict=True):
        for c in CUES:
            deciding_cues[c] += float(w) * sentences[i].cues[c]
    all_cues = {c: sum(s.cues[c] for s in sentences) / max(len(sentences), 1) for c in CUES}
    sims = analysis.similarity
    deciding_sim = float(sum(float(w) * sims[i] for i, w in zip(analysis.deciding, analysis.weights, strict=True)))
    if analysis.sentence_vectors.shape[1] and len(sentences):
        mean = analysis.sentence_vectors.mean(axis=0)
        question_vs_abstract = float(mean @ analysis.question_vector / max(float(np.linalg.norm(mean)), 1e-12))
    else:
        question_vs_abstract = 0.0
    proto_deciding = dict.fromkeys(VERDICTS, 0.0)
    proto_max = dict.fromkeys(VERDICTS, 0.0)
    if analysis.prototypes is not None and len(sentences):
        to_proto = analysis.sentence_vectors @ analysis.prototypes.T  # (sentences, 3)
        for j, k in enumerate(VERDICTS):
            proto_max[k] = float(to_proto[:, j].max())
            proto_deciding[k] = float(sum(float(w) * to_proto[i, j]
                                          for i, w in zip(analysis.deciding, analysis.weights, strict=True)))
    q = question.lower()
    q_up, q_down = float(bool(_UP.search(q))), float(bool(_DOWN.search(q)))
    conflict = (q_up * (deciding_cues["down"] > 0) * (deciding_cues["up"] == 0)
                + q_down * (deciding_cues["up"] > 0) * (deciding_cues["down"] == 0))
    position = float(sum(float(w) * sentences[i].position
                         for i, w in zip(analysis.deciding, analysis.weights, strict=True)))
    first = q.split()[0] if q.split() else ""
    values = [
        *(float(rule.label == k) for k in VERDICTS), *(rule.scores[k] for k in VERDICTS),
        float(analysis.from_conclusion),
        *(deciding_cues[c] for c in CUES), *(all_cues[c] for c in CUES),
        deciding_sim, float(sims.max()) if len(sims) else 0.0, float(sims.mean()) if len(sims) else 0.0,
        question_vs_abstract,
        *(proto_deciding[k] for k in VERDICTS), *(proto_max[k] for k in VERDICTS),
        float(_asks_sameness(question)), float(bool(_NEGATION_WEAK.search(_NOT_NEGATION.sub(" ", q)))),
        q_up, q_down, float(conflict), position, math.log1p(len(sentences)),
        float(first in ("is", "are", "was", "were")), float(first in ("does", "do", "did")),
        float(first in ("can", "could", "may", "might", "should", "will", "would")),
        float(len(_SKEPTICAL.findall(q))), float(not _YES_NO_START.match(q)),
        float(sum(float(w) * sentences[i].method for i, w in zip(analysis.deciding, analysis.weights, strict=True))),
    ]
    return np.asarray(values, dtype=np.float64)


def verdict_and_features(question: str, passages: list[str], embedder=None) -> tuple[Verdict, np.ndarray]:
    """`rule_verdict` and `verdict_features` in one pass (one embedding call)."""
    analysis = _analyse(question, passages, embedder)
    rule = _rule(question, analysis)
    return rule, _features(question, analysis, rule)


def verdict_features(question: str, passages: list[str], embedder=None) -> np.ndarray:
    """A fixed-length feature vector (len(FEATURE_NAMES)) for `VerdictModel`: the rule's
    verdict and scores, cue counts in the deciding sentences and in all sentences,
    embedding similarities (question vs sentences, vs the abstract, sentences vs the
    PROTOTYPES), and the question's form."""
    return verdict_and_features(question, passages, embedder)[1]


class VerdictModel(SoftmaxRegression):
    """The learned verdict: softmax regression over `verdict_features` (see SoftmaxRegression)."""

    KIND = "verdict-logistic-regression"

    def __init__(self, labels: tuple[str, ...] = VERDICTS, feature_names: tuple[str, ...] = FEATURE_NAMES):
        super().__init__(labels, feature_names)
