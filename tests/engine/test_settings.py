"""settings.json: round trip, old files still load, broken values fall back to defaults."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from engine.config import SETTINGS_VERSION, Settings, load_settings, save_settings


def test_missing_file_gives_the_defaults(tmp_path):
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert settings.keep_history is True and settings.welcome_shown is False


def test_round_trip_keeps_every_field(tmp_path):
    wanted = Settings(device="cpu", intra_op_threads=6, default_embedder="emb",
                      default_generator="gen", keep_history=False, welcome_shown=True)
    save_settings(tmp_path, wanted)
    assert load_settings(tmp_path) == wanted
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write leaves no temporary file


def test_a_file_from_before_the_new_fields_still_loads(tmp_path):
    old = {"version": SETTINGS_VERSION, "device": "cuda", "intra_op_threads": 4,
           "default_embedder": "", "default_generator": "smol"}
    (tmp_path / "settings.json").write_text(json.dumps(old), encoding="utf-8")
    settings = load_settings(tmp_path)
    assert (settings.device, settings.intra_op_threads, settings.default_generator) == (
        "cuda", 4, "smol")
    assert settings.keep_history is True and settings.welcome_shown is False


@pytest.mark.parametrize(("field", "value"), [
    ("intra_op_threads", "four"),
    ("intra_op_threads", True),
    ("keep_history", "no"),
    ("keep_history", 0),
    ("welcome_shown", 1),
    ("device", 3),
    ("default_generator", None),
])
def test_a_value_of_the_wrong_type_falls_back_to_its_default(tmp_path, field, value):
    raw = asdict(Settings(device="cpu")) | {field: value}
    (tmp_path / "settings.json").write_text(json.dumps(raw), encoding="utf-8")
    settings = load_settings(tmp_path)
    assert getattr(settings, field) == getattr(Settings(), field)
    if field != "device":
        assert settings.device == "cpu"  # the rest of the file still counts


def test_unknown_keys_bad_device_and_negative_threads_are_ignored(tmp_path):
    raw = {"device": "tpu", "intra_op_threads": -3, "from_the_future": 1}
    (tmp_path / "settings.json").write_text(json.dumps(raw), encoding="utf-8")
    assert load_settings(tmp_path) == Settings()


def test_a_corrupt_file_gives_the_defaults(tmp_path):
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert load_settings(tmp_path) == Settings()
