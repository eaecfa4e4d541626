"""Model folders: manifests, checksums, refusal with the reason, atomic install."""

import json

import pytest

from engine.errors import ModelInvalid
from engine.models.registry import Manifest, ModelRegistry, describe_files, read_manifest


def make_model(registry: ModelRegistry, model_id="tiny", task="embedding"):
    staging = registry.staging_dir(model_id)
    (staging / "model.onnx").write_bytes(b"\x08\x01fake-onnx-bytes")
    (staging / "tokenizer.json").write_text('{"version": "1.0"}')
    manifest = Manifest(id=model_id, task=task, architecture="bert", source="test",
                        files=tuple(describe_files(staging, ["model.onnx", "tokenizer.json"])),
                        quantization=None, created="2026-01-01")
    return registry.install(staging, manifest)


def test_installed_model_lists_and_verifies(tmp_path):
    registry = ModelRegistry(tmp_path)
    folder = make_model(registry)
    assert registry.ids() == ["tiny"]
    entry = registry.load("tiny")
    assert entry.verified and entry.task == "embedding"
    assert read_manifest(folder).files[0]["bytes"] == len(b"\x08\x01fake-onnx-bytes")
    assert not any(p.name.startswith(".staging") for p in registry.root.iterdir())


def test_altered_file_is_refused_with_the_reason(tmp_path):
    registry = ModelRegistry(tmp_path)
    folder = make_model(registry)
    (folder / "model.onnx").write_bytes(b"tampered")
    assert registry.entry("tiny").problems == ("model.onnx: sha256 mismatch (file altered or corrupt)",)
    with pytest.raises(ModelInvalid, match="model tiny failed verification: model.onnx: sha256 mismatch"):
        registry.load("tiny")


def test_missing_file_is_refused(tmp_path):
    registry = ModelRegistry(tmp_path)
    folder = make_model(registry)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelInvalid, match="tokenizer.json: missing"):
        registry.load("tiny")


def test_manifest_that_is_not_json(tmp_path):
    registry = ModelRegistry(tmp_path)
    folder = make_model(registry)
    (folder / "manifest.json").write_text("{not json")
    entry = registry.entry("tiny")
    assert not entry.verified and "manifest is not valid JSON" in entry.problems[0]
    with pytest.raises(ModelInvalid, match="not valid JSON"):
        registry.load("tiny")


def test_pickles_and_escaping_paths_are_refused(tmp_path):
    registry = ModelRegistry(tmp_path)
    folder = make_model(registry)
    raw = json.loads((folder / "manifest.json").read_text())
    (folder / "weights.pkl").write_bytes(b"pickle")
    raw["files"] += [{"path": "weights.pkl", "sha256": "0"}, {"path": "../x.json", "sha256": "0"}]
    (folder / "manifest.json").write_text(json.dumps(raw))
    problems = registry.entry("tiny").problems
    assert "weights.pkl: file type not allowed (model files are data, not code)" in problems
    assert "../x.json: path escapes the model folder" in problems


def test_unknown_model_and_non_model_folder(tmp_path):
    registry = ModelRegistry(tmp_path)
    with pytest.raises(ModelInvalid, match="no model 'nope'"):
        registry.load("nope")
    (registry.root / "just-a-folder").mkdir(parents=True)
    assert "not an Enclave model folder" in registry.entry("just-a-folder").problems[0]


def test_install_refuses_a_staging_folder_that_does_not_match_its_manifest(tmp_path):
    registry = ModelRegistry(tmp_path)
    staging = registry.staging_dir("bad")
    (staging / "model.onnx").write_bytes(b"abc")
    manifest = Manifest(id="bad", task="embedding", architecture="bert", source="",
                        files=({"path": "model.onnx", "sha256": "0" * 64},), quantization=None,
                        created="")
    with pytest.raises(ModelInvalid, match="not installed"):
        registry.install(staging, manifest)
    assert "bad" not in registry.ids()


def test_reinstall_replaces_atomically_and_defaults_persist(tmp_path):
    registry = ModelRegistry(tmp_path)
    make_model(registry)
    make_model(registry)  # replacing an installed model works and leaves no trash
    assert registry.ids() == ["tiny"]
    assert registry.default_id("embedding") == "tiny"
    make_model(registry, "other")
    registry.set_default("embedding", "other")
    assert ModelRegistry(tmp_path).default_id("embedding") == "other"
    assert registry.default_id("generation") is None


def test_remove_deletes_the_folder_and_its_default(tmp_path):
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry(tmp_path)
    folder = registry.folder("broken")
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"x")
    registry.set_default("generation", "broken")
    registry.set_default("embedding", "other")
    registry.remove("broken")
    assert not folder.exists() and registry.defaults() == {"embedding": "other"}
    with pytest.raises(ModelInvalid, match="no installed model"):
        registry.remove("broken")
    with pytest.raises(ModelInvalid):
        registry.remove("../models")
