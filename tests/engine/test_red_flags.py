"""Deterministic red-flag layer: every rule fires on its examples and stays quiet on its
negated / historical counter-examples; the measurement parser reads units; the docs table
is current; the layer never crashes and stays fast."""

import time
from pathlib import Path

import pytest

from engine.workspaces.medical.red_flags import (
    LEVELS,
    RULES,
    RedFlag,
    find_red_flags,
    parse_findings,
    rule_floor,
    rules_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "medical" / "red-flag-rules.md"


def _ids(text: str) -> list[str]:
    return [f.id for f in find_red_flags(text)]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_fires_on_examples_and_not_on_non_examples(rule):
    assert rule.examples, f"{rule.id} has no positive example"
    assert rule.non_examples, f"{rule.id} has no negated/history example"
    for text in rule.examples:
        flags = [f for f in find_red_flags(text) if f.id == rule.id]
        assert flags, f"{rule.id} did not fire on {text!r}"
        for part in flags[0].matched.split(" + "):
            assert part in text, f"{rule.id}: matched {part!r} is not verbatim in {text!r}"
    for text in rule.non_examples:
        assert rule.id not in _ids(text), f"{rule.id} fired on {text!r}"


def test_rule_table_is_well_formed():
    assert len(RULES) >= 60
    assert len({r.id for r in RULES}) == len(RULES)
    for r in RULES:
        assert r.level in LEVELS and r.level != "self_care", r.id
        assert r.guideline.strip() and r.label.strip() and r.system.strip(), r.id
        assert r.criteria, r.id
    systems = {r.system for r in RULES}
    assert {
        "cardiovascular",
        "neurological",
        "obstetric",
        "paediatric",
        "mental_health",
        "infection/sepsis",
        "metabolic/labs",
        "vital_signs",
    } <= systems


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain or sweating",
        "denies fever, stiff neck or photophobia",
        "without shortness of breath or chest pain",
        "not vomiting blood",
        "negative for chest pain and SOB",
        "chest pain last year with sweating",
        "history of stroke with slurred speech",
        "had a seizure as a child",
        "family history of MI",
        "mother had anaphylaxis with tongue swelling",
        "Pt denies SI/HI",
        "BP 120/80, HR 80, RR 16, SpO2 98%, T 37.1, GCS 15",
    ],
)
def test_negated_historical_and_normal_statements_do_not_fire(text):
    assert find_red_flags(text) == []


def test_but_starts_a_new_clause():
    assert "gi.haematemesis" in _ids("no fever but vomiting blood")
    assert "gi.haematemesis" in _ids("Denies pain; vomiting blood since noon")


def test_comma_ends_a_negation_unless_it_is_a_list():
    assert "respiratory.cyanosis" in _ids("he's not breathing properly, lips blue")
    assert "infection.fever_stiff_neck" not in _ids("No fever, rash or neck stiffness")


def test_history_scope_ends_at_comma_so_a_new_complaint_still_fires():
    assert "respiratory.cannot_speak_sentences" in _ids(
        "history of asthma, now can't speak in full sentences"
    )


def test_lay_words_shorthand_and_spellings():
    assert "cardiac.chest_pain_with_breathlessness" in _ids("CP + SOB")
    assert "gi.haematemesis" in _ids("hematemesis x2")
    assert "gi.melaena" in _ids("melena since yesterday")
    assert "mental_health.overdose" in _ids("OD on paracetamol")
    assert "mental_health.suicidal_thoughts" in _ids("+SI, no plan")
    assert "mental_health.suicidal_thoughts" not in _ids("si, tengo dolor")  # Spanish "yes"


@pytest.mark.parametrize(
    "text",
    [
        "I have sleep apnoea and snore, tired in the day",
        "possible food poisoning, vomited twice, keeping water down now",
        "itchy poison ivy rash on my arms from hiking",
        "ferritin 980, transferrin sat 62%, asymptomatic",
        "T1DM, sugars 18 with a cold, ketones 1.2, drinking well",
        "my face isn't drooping and I can talk fine, mild headache",
        "took 4 extra of my sleeping tablets by mistake, awake and thinking straight",
    ],
)
def test_look_alikes_are_not_emergencies(text):
    assert "emergency" not in [f.level for f in find_red_flags(text)]


def test_a_carer_writing_about_a_relative_is_not_family_history():
    assert "cardiac.chest_pain_with_sweating" in _ids("My dad has crushing chest pain and is sweating")
    assert "cardiac.chest_pain_with_sweating" not in _ids("Dad had chest pain with sweating in 2010")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("my chest feels really tight, like someone is sitting on it, sweating buckets",
         "cardiac.chest_pain_with_sweating"),
        ("heart racing at like 190 and I feel like I'm going to pass out", "cardiac.arrhythmia_adverse"),
        ("mum 78, jaw and left arm ache, feels sick and clammy", "cardiac.atypical_acs"),
        ("74M COPD, SpO2 82% on usual 2L, drowsy, new confusion, RR 30", "vital_signs.news2_aggregate_7"),
        ("9wk F, T 38.1 rectal, feeding ok", "paediatric.infant_fever"),
        ("his meter says 1.9 and he's talking nonsense, on insulin", "metabolic.hypoglycaemia_impaired"),
        ("trop T 890 ng/L", "cardiac.troponin_high"),
        ("37+2 weeks, home bp monitor says 162/108", "obstetric.severe_hypertension"),
    ],
)
def test_lay_and_shorthand_emergencies(text, rule):
    assert rule in _ids(text)


def test_matched_is_verbatim_and_case_preserved():
    text = "55M with Crushing CHEST PAIN and Sweating"
    flag = next(f for f in find_red_flags(text) if f.id == "cardiac.chest_pain_with_sweating")
    assert flag.matched == "CHEST PAIN + Sweating"


def test_sepsis_combines_infection_with_high_risk_vitals():
    flags = find_red_flags("fever, HR 135, RR 26, SpO2 90%, BP 85/50")
    ids = [f.id for f in flags]
    assert ids[0] == "infection.sepsis_high_risk"
    assert {
        "vitals.heart_rate",
        "vitals.respiratory_rate",
        "vitals.systolic_bp",
        "vitals.oxygen_saturation",
    } <= set(ids)
    assert "infection.sepsis_high_risk" not in _ids("HR 135 after running, no infection")


def test_infant_fever_depends_on_age():
    assert "paediatric.infant_fever" in _ids("aged 2 months, temp 38.0")
    assert "paediatric.infant_fever" not in _ids("aged 4 months, temp 38.0")
    assert "paediatric.infant_fever" not in _ids("aged 2 months, temp 37.9")


def test_preterm_rupture_depends_on_gestation():
    assert "obstetric.preterm_rupture_of_membranes" in _ids("G2P1 at 34/40, waters have broken")
    assert "obstetric.preterm_rupture_of_membranes" not in _ids("G2P1 at 38/40, waters broke")


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("HR 130", "hr", 130),
        ("pulse 130 bpm", "hr", 130),
        ("heart rate: 41", "hr", 41),
        ("RR 28", "rr", 28),
        ("resp rate 8/min", "rr", 8),
        ("SpO2 88%", "spo2", 88),
        ("sats 88% on air", "spo2", 88),
        ("O2 sats 93", "spo2", 93),
        ("BP 80/50", "sbp", 80),
        ("BP 80/50", "dbp", 50),
        ("blood pressure 165/112", "dbp", 112),
        ("T 39.5", "temp_c", 39.5),
        ("temp 103F", "temp_c", 39.4),
        ("38.2°C", "temp_c", 38.2),
        ("temperature of 35 C", "temp_c", 35.0),
        ("102.2 °F", "temp_c", 39.0),
        ("GCS 12", "gcs", 12),
        ("GCS 13/15", "gcs", 13),
    ],
)
def test_vitals_parser_units(text, key, value):
    assert parse_findings(text).vitals[key] == pytest.approx(value, abs=0.05)


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("K 6.8", "k", 6.8),
        ("K+ 2.4", "k", 2.4),
        ("potassium 6.5 mmol/L", "k", 6.5),
        ("Na 118", "na", 118),
        ("sodium: 161", "na", 161),
        ("BM 2.1", "glucose", 2.1),
        ("glucose 30 mmol/L", "glucose", 30),
        ("glucose 540 mg/dL", "glucose", 30),
        ("blood sugar 45 mg/dl", "glucose", 2.5),
        ("Hb 65 g/L", "hb", 65),
        ("Hb 6.5 g/dL", "hb", 65),
        ("haemoglobin 6.9", "hb", 69),
        ("troponin 250 ng/L", "troponin", 250),
        ("troponin 0.5 ng/mL", "troponin", 500),
        ("lactate 4.5", "lactate", 4.5),
    ],
)
def test_labs_parser_units(text, key, value):
    assert parse_findings(text).labs[key] == pytest.approx(value, abs=0.05)


@pytest.mark.parametrize(
    "text, years",
    [
        ("45 yo", 45),
        ("45-year-old", 45),
        ("aged 3 months", 0.25),
        ("6 wk old", 6 / 52),
        ("my 2 year old", 2),
        ("45M chest pain", 45),
        ("10 day old baby", 10 / 365),
    ],
)
def test_age_parser(text, years):
    assert parse_findings(text).age_years == pytest.approx(years, rel=0.01)


def test_sex_and_pregnancy_parser():
    assert parse_findings("45 yo man").sex == "M"
    assert parse_findings("she has a cough").sex == "F"
    assert parse_findings("45F").sex == "F"
    assert parse_findings("temp 103F").sex is None  # a temperature, not a 103-year-old woman
    f = parse_findings("G2P1 at 30/40")
    assert f.pregnant is True and f.gestation_weeks == 30 and f.sex == "F"
    assert parse_findings("28 weeks pregnant").gestation_weeks == 28
    assert parse_findings("not pregnant").pregnant is False
    assert parse_findings("cough").pregnant is None


def test_normal_vitals_never_fire():
    assert find_red_flags("BP 120/80") == []
    assert find_red_flags("K 4.1, Na 139, Hb 135 g/L, lactate 1.1, BM 6.2, troponin 5 ng/L") == []


def test_flags_are_sorted_and_floor_is_the_maximum():
    flags = find_red_flags("blood in urine. vomiting blood.")
    assert [f.level for f in flags] == ["emergency", "urgent"]
    assert rule_floor(flags) == "emergency"
    assert rule_floor([]) is None
    urgent = RedFlag("a", "a", "urgent", "x", "g")
    routine = RedFlag("b", "b", "routine", "y", "g")
    assert rule_floor([routine, urgent]) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀🚑💔" * 50,
        "1234567890 " * 2000,
        "fièvre 发烧 Fieber حمى " * 500,
        "/40 G P% °F mg/dL ///" * 300,
        "\x00\n\t" * 100,
    ],
)
def test_never_crashes(text):
    assert isinstance(find_red_flags(text), list)
    parse_findings(text)


def test_twenty_thousand_characters_is_fast():
    text = ("Mum reports a fever, she has not been drinking. HR 150, sats 93%. 😀 " * 400)[:20000]
    start = time.perf_counter()
    flags = find_red_flags(text)
    assert time.perf_counter() - start < 1.0
    assert "vitals.heart_rate" in [f.id for f in flags]


def test_docs_table_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), (
        "regenerate docs/medical/red-flag-rules.md from rules_markdown()"
    )
    for r in RULES:
        assert f"| {r.id} |" in DOC.read_text(encoding="utf-8")


def test_the_aggregate_news2_score_of_several_readings_sets_a_floor():
    from engine.workspaces.medical.red_flags import find_red_flags, rule_floor

    shocked = find_red_flags("HR 140, BP 80/50, SpO2 86% on air")  # 3 + 3 + 3 = 9
    assert rule_floor(shocked) == "emergency"
    aggregate = next(f for f in shocked if f.id == "vital_signs.news2_aggregate_7")
    assert "HR 140" in aggregate.matched and "NEWS2" in aggregate.guideline
    # RR 22 (2) + HR 115 (2) + T 38.5 (1) = 5: no single parameter scores 3
    assert [f.id for f in find_red_flags("RR 22, HR 115, T 38.5")] == ["vital_signs.news2_aggregate_5"]
    assert find_red_flags("HR 72, BP 124/78, RR 14, SpO2 98%, T 36.8") == []
    assert not any(f.id.startswith("vital_signs.news2_aggregate") for f in find_red_flags("HR 140"))


def test_two_stroke_signs_in_everyday_words_are_enough():
    ids = _ids("his tea was dribbling out the corner of his mouth and his words were all jumbled")
    assert "neuro.stroke_signs_two" in ids
    assert "neuro.stroke_signs_two" not in _ids("words all jumbled when I'm tired, nothing else")


def test_stroke_signs_that_went_away_are_a_tia_unless_they_are_back():
    resolved = find_red_flags("his left arm went weak for 10 minutes then fully recovered")
    assert rule_floor(resolved) == "urgent" and "neuro.tia_resolved" in [f.id for f in resolved]
    back = find_red_flags("her left arm went weak for a few mins, then back to normal, now it's happening again")
    assert rule_floor(back) == "emergency"


def test_a_carer_saying_someone_has_had_something_is_not_their_history():
    text = ("my brother's had what we thought was flu for 3 days. today he's muddled and his knees have gone "
            "a blotchy purple colour")
    assert "infection.sepsis_high_risk" in _ids(text)
