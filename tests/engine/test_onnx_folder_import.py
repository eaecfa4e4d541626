"""Importing a ready ONNX folder (what `enclave models export` writes) as a registered model."""

from __future__ import annotations

import shutil

import pytest
from tiny_lm import tiny_model

from engine.errors import Cancelled, EnclaveError
from engine.models.generation import GenerationSettings, Generator
from engine.models.generator_export import export_folder, import_onnx_folder
from engine.models.registry import ModelRegistry

PROMPT = "The patient reported chest pain"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Ready ONNX folders of one tiny llama: fp32 and int4."""
    root = tmp_path_factory.mktemp("onnx-folders")
    tiny_model("llama", root / "llama")
    return {q: export_folder(root / "llama", root / f"onnx-{q}", q) for q in ("fp32", "int4")}


@pytest.mark.parametrize("quantization", ["fp32", "int4"])
def test_import_registers_a_model_that_generates(exported, tmp_path, quantization):
    steps = []
    folder = import_onnx_folder(exported[quantization], "tiny-onnx", tmp_path,
                                progress=lambda f, m: steps.append((f, m)))
    entry = ModelRegistry(tmp_path).entry("tiny-onnx")
    assert entry.verified and folder == entry.path
    assert entry.manifest.task == "generation" and entry.manifest.architecture == "llama"
    assert entry.manifest.quantization == (None if quantization == "fp32" else "int4")
    extra = entry.manifest.extra
    assert (extra["layout"], extra["num_layers"], extra["num_kv_heads"], extra["head_dim"],
            extra["context_window"]) == ("gqa-shared-kv", 2, 2, 16, 256)
    assert steps[-1][0] == 1.0 and [f for f, _ in steps] == sorted(f for f, _ in steps)
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]

    generator = Generator.from_registry(tmp_path, "tiny-onnx", device="cpu")
    result = generator.generate([{"role": "user", "content": PROMPT}],
                                GenerationSettings(max_new_tokens=4, ignore_eos=True))
    assert result.stats.new_tokens == 4 and result.text


def _copy(src, dst, drop=()):
    shutil.copytree(src, dst)
    for name in drop:
        (dst / name).unlink()
    return dst


@pytest.mark.parametrize("case,message", [
    ("no-graph", "not a ready ONNX model folder (no model.onnx)"),
    ("no-tokenizer", "not a ready ONNX model folder (no tokenizer.json)"),
    ("bad-graph", "not a readable ONNX graph"),
    ("no-weights", "weights file 'model.onnx.data' is missing"),
    ("enclave-folder", "already an Enclave model folder"),
    ("empty", "not a ready ONNX model folder"),
])
def test_a_folder_that_is_not_a_model_is_refused_and_nothing_is_written(
        exported, tmp_path, case, message):
    source = tmp_path / "source"
    if case == "no-graph":
        _copy(exported["fp32"], source, drop=["model.onnx"])
    elif case == "no-tokenizer":
        _copy(exported["fp32"], source, drop=["tokenizer.json"])
    elif case == "bad-graph":
        _copy(exported["fp32"], source)
        (source / "model.onnx").write_bytes(b"\x00garbage, not protobuf" * 10)
    elif case == "no-weights":
        _copy(exported["int4"], source, drop=["model.onnx.data"])
    elif case == "enclave-folder":
        _copy(exported["fp32"], source)
        (source / "manifest.json").write_text("{}", encoding="utf-8")
    else:
        source.mkdir()
    data = tmp_path / "data"
    with pytest.raises(EnclaveError) as info:
        import_onnx_folder(source, "tiny-onnx", data)
    text = str(info.value)
    assert message in text and "\n" not in text
    assert ModelRegistry(data).ids() == []
    assert not (data / "models").exists() or not any((data / "models").iterdir())


def test_cancel_while_copying_leaves_nothing_installed(exported, tmp_path):
    seen = []
    with pytest.raises(Cancelled):
        import_onnx_folder(exported["int4"], "tiny-onnx", tmp_path,
                           progress=lambda f, m: seen.append(m),
                           cancelled=lambda: any(m.startswith("copying") for m in seen))
    assert any(m.startswith("copying") for m in seen)
    assert ModelRegistry(tmp_path).ids() == []
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]
