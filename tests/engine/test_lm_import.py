"""Import path for causal LMs: tiny random Llama / Qwen2 / GPT-2 checkpoints through the
same export as the embedded default, ONNX Runtime against transformers/torch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_runner import run_cli
from tiny_lm import tiny_model

from engine.errors import Cancelled, EnclaveError
from engine.models import generator_export
from engine.models.generation import GenerationSettings, Generator
from engine.models.generator_export import build_generator
from engine.models.registry import ModelRegistry
from engine.store import open_store

PROMPT = "The patient reported chest pain"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    return {arch: (root / arch, *tiny_model(arch, root / arch))
            for arch in ("llama", "qwen2", "phi3", "gemma", "gpt2")}


@pytest.mark.parametrize("arch,layout", [("llama", "gqa-shared-kv"), ("qwen2", "gqa-shared-kv"),
                                         ("phi3", "gqa-shared-kv"), ("gemma", "gqa-shared-kv"),
                                         ("gpt2", "optimum-concat-kv")])
def test_fp32_export_matches_torch_greedy_and_logits(checkpoints, tmp_path, arch, layout):
    import torch

    folder, model, tokenizer = checkpoints[arch]
    build_generator(folder, f"tiny-{arch}", tmp_path, quantization="fp32")
    generator = Generator.from_registry(tmp_path, f"tiny-{arch}", device="cpu", threads=1)
    assert generator.layout == layout
    ids = tokenizer.encode(PROMPT)
    step = generator._step_function(len(ids) + 32)
    current, position, past, worst, ours, theirs = ids, 0, None, 0.0, [], []
    with torch.no_grad():
        for _ in range(32):
            out = model(torch.tensor([current]), past_key_values=past, use_cache=True)
            past, expected = out.past_key_values, out.logits[0, -1].numpy()
            got = step(current, position)
            position += len(current)
            worst = max(worst, float(np.abs(expected - got).max()))
            theirs.append(int(expected.argmax()))
            ours.append(int(got.argmax()))
            current = [theirs[-1]]
    assert ours == theirs
    assert worst < 1e-4
    # the public streaming API gives the same 32 tokens as text
    text = generator.generate([{"role": "user", "content": PROMPT}],
                              GenerationSettings(max_new_tokens=32, ignore_eos=True)).text
    reference = model.generate(torch.tensor([tokenizer.encode(PROMPT + "\n")]), max_new_tokens=32,
                               min_new_tokens=32, do_sample=False)
    assert text == tokenizer.decode(reference[0, len(tokenizer.encode(PROMPT + "\n")):],
                                    skip_special_tokens=True)


def test_int4_import_registers_a_working_quantised_model(checkpoints, tmp_path):
    folder = checkpoints["llama"][0]
    proc = run_cli("models", "import", str(folder), "--id", "tiny-llama-int4", "--json",
                   "--data-dir", str(tmp_path), check=True)
    out = json.loads(proc.stdout)
    assert out["model"] == "tiny-llama-int4" and out["quantization"] == "int4"
    entry = ModelRegistry(tmp_path).entry("tiny-llama-int4")
    assert entry.verified and entry.manifest.extra["layout"] == "gqa-shared-kv"
    assert "[" in proc.stderr  # progress lines
    with open_store(tmp_path) as store:
        job = store.get_job(out["job"])
    assert job["kind"] == "models.import" and job["status"] == "done" and job["progress"] == 1.0
    generator = Generator.from_registry(tmp_path, "tiny-llama-int4", device="cpu")
    result = generator.generate([{"role": "user", "content": PROMPT}],
                                GenerationSettings(max_new_tokens=8, ignore_eos=True))
    assert result.stats.new_tokens == 8 and result.text


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gemma"])
def test_fp16_graph_for_gpus_tracks_the_fp32_graph(checkpoints, tmp_path, arch):
    """The GPU recipe (fp16 weights, activations and KV cache: CUDA's GroupQueryAttention
    has no fp32 kernel) computes the same network; ONNX Runtime's CPU kernels run it too."""
    folder, _, tokenizer = checkpoints[arch]
    build_generator(folder, "t32", tmp_path, quantization="fp32")
    proc = run_cli("models", "import", str(folder), "--id", "t16", "--quantize", "fp16", "--json",
                   "--data-dir", str(tmp_path), check=True)
    assert json.loads(proc.stdout)["quantization"] == "fp16"
    manifest = ModelRegistry(tmp_path).entry("t16").manifest
    assert manifest.quantization == "fp16" and manifest.extra["float_type"] == "float16"
    g32 = Generator.from_registry(tmp_path, "t32", device="cpu", threads=1)
    g16 = Generator.from_registry(tmp_path, "t16", device="cpu", threads=1)
    kv = {i.name: i.type for i in g16.model.session.get_inputs()}
    assert kv["past_key_values.0.key"] == "tensor(float16)" and g16._kv_type == np.float16
    ids = tokenizer.encode(PROMPT)
    s32, s16 = g32._step_function(len(ids) + 24), g16._step_function(len(ids) + 24)
    current, position, worst, agree = ids, 0, 0.0, 0
    for _ in range(24):  # teacher-forced by fp32, so one near-tie does not cascade
        a, b = s32(current, position), s16(current, position)
        assert b.dtype == np.float32
        position += len(current)
        worst = max(worst, float(np.abs(a - b).max() / np.abs(a).max()))
        agree += int(a.argmax() == b.argmax())
        current = [int(a.argmax())]
    assert worst < 0.02 and agree >= 22
    result = g16.generate([{"role": "user", "content": PROMPT}],
                          GenerationSettings(max_new_tokens=8, ignore_eos=True))
    assert result.stats.new_tokens == 8 and result.text


def test_fp16_is_refused_where_only_the_optimum_export_exists(checkpoints, tmp_path):
    with pytest.raises(EnclaveError, match="only fp32 and int4"):
        build_generator(checkpoints["gpt2"][0], "g16", tmp_path, quantization="fp16")
    assert "g16" not in ModelRegistry(tmp_path).ids()


def test_unsupported_architecture_names_what_is_supported(tmp_path):
    folder = tmp_path / "mamba"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    proc = run_cli("models", "import", str(folder), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2
    assert "architecture 'mamba' is not supported" in proc.stderr and "llama" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("enclave: error: ")
    assert "Traceback" not in proc.stderr
    with open_store(tmp_path / "d") as store:
        job = store.list_jobs()[0]
    assert job["status"] == "error" and "not supported" in job["message"]


def test_folder_without_tokenizer_is_refused(checkpoints, tmp_path):
    folder = tmp_path / "no-tok"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        (folder / name).symlink_to(checkpoints["llama"][0] / name)
    with pytest.raises(EnclaveError, match="no tokenizer"):
        build_generator(folder, "no-tok", tmp_path / "d")
    assert "no-tok" not in ModelRegistry(tmp_path / "d").ids()


def test_bad_gguf_files_are_clear_errors(tmp_path):
    import gguf

    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"NOTAGGUF" + b"\0" * 64)
    with pytest.raises(EnclaveError, match="not a GGUF file"):
        build_generator(fake, "fake", tmp_path / "d")
    odd = tmp_path / "odd.gguf"
    writer = gguf.GGUFWriter(str(odd), "llama")
    # Q8_1 is an intermediate ggml type that no dequantiser reads: 40 bytes per 32 values
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((4, 40), dtype=np.uint8),
                      raw_dtype=gguf.GGMLQuantizationType.Q8_1)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(EnclaveError, match="GGUF quantisation Q8_1 is not supported"):
        build_generator(odd, "odd", tmp_path / "d")


def test_export_failing_half_way_leaves_nothing_and_keeps_the_default(checkpoints, tmp_path,
                                                                       monkeypatch):
    folder = checkpoints["qwen2"][0]
    build_generator(folder, "tiny-qwen2", tmp_path, quantization="fp32")
    registry = ModelRegistry(tmp_path)
    registry.set_default("generation", "tiny-qwen2")
    before = sorted(p.name for p in registry.root.iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(generator_export, "quantize_int4", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_generator(folder, "tiny-qwen2", tmp_path, quantization="int4")
    with pytest.raises(Cancelled):
        build_generator(folder, "other", tmp_path, cancelled=lambda: True)
    assert sorted(p.name for p in registry.root.iterdir()) == before
    generator = Generator.from_registry(tmp_path, device="cpu")
    assert generator.model_id == "tiny-qwen2" and registry.entry("tiny-qwen2").manifest.quantization is None
    assert generator.generate([{"role": "user", "content": "Hi"}],
                              GenerationSettings(max_new_tokens=4, ignore_eos=True)).stats.new_tokens == 4


@pytest.mark.slow
def test_smollm2_fp32_export_matches_torch_on_the_first_16_tokens(tmp_path):
    """The embedded model's own path, unquantised: greedy parity with transformers/torch."""
    import torch
    from transformers import AutoModelForCausalLM

    checkpoint = tmp_path / "checkpoint"
    generator_export.gguf_to_checkpoint(generator_export.package_gguf(), checkpoint)
    build_generator(checkpoint, "smollm2-fp32", tmp_path, quantization="fp32")
    generator = Generator.from_registry(tmp_path, "smollm2-fp32", device="cpu")
    ids = generator.prompt_ids([{"role": "user", "content": "What is the capital of France?"}])
    model = AutoModelForCausalLM.from_pretrained(str(checkpoint), dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    with torch.no_grad():  # min_new_tokens masks EOS: 16 tokens on both sides, past the answer
        reference = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                   max_new_tokens=16, min_new_tokens=16, do_sample=False)[0, len(ids):].tolist()
    step = generator._step_function(len(ids) + 16)
    eos = sorted(generator.eos_ids)
    ours, current, position = [], ids, 0
    for _ in range(16):
        logits = step(current, position).copy()
        logits[eos] = -np.inf  # what min_new_tokens does to torch's logits
        token = int(logits.argmax())
        position += len(current)
        ours.append(token)
        current = [token]
    assert len(reference) == 16 and ours == reference
    assert "Paris" in generator.tokenizer.decode(ours)


def test_export_and_quantize_commands(checkpoints, tmp_path):
    folder = checkpoints["llama"][0]
    out = tmp_path / "exported"
    proc = run_cli("models", "export", str(folder), str(out), "--json", "--data-dir", str(tmp_path / "d"),
                   check=True)
    assert json.loads(proc.stdout)["quantization"] == "fp32"
    assert {"model.onnx", "tokenizer.json", "config.json"} <= {p.name for p in out.iterdir()}
    proc = run_cli("models", "export", str(folder), str(out), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2 and "exists and is not empty" in proc.stderr

    data = tmp_path / "d"
    run_cli("models", "import", str(folder), "--quantize", "fp32", "--id", "tiny", "--data-dir", str(data),
            check=True)
    proc = run_cli("models", "quantize", "tiny", "--json", "--data-dir", str(data), check=True)
    result = json.loads(proc.stdout)
    assert result["model"] == "tiny-int4" and result["quantization"] == "int4"
    assert ModelRegistry(data).entry("tiny-int4").verified
    proc = run_cli("models", "quantize", "tiny-int4", "--data-dir", str(data))
    assert proc.returncode == 2 and "already int4" in proc.stderr
    generator = Generator.from_registry(data, "tiny-int4", device="cpu")
    assert generator.generate([{"role": "user", "content": PROMPT}],
                              GenerationSettings(max_new_tokens=4, ignore_eos=True)).stats.new_tokens == 4
    run_cli("models", "default", "tiny-int4", "--data-dir", str(data), check=True)
    assert ModelRegistry(data).defaults()["generation"] == "tiny-int4"
    proc = run_cli("models", "remove", "tiny-int4", "--data-dir", str(data), input="")
    assert proc.returncode == 2 and "--yes" in proc.stderr
    run_cli("models", "remove", "tiny-int4", "--yes", "--data-dir", str(data), check=True)
    assert ModelRegistry(data).ids() == ["tiny"] and "generation" not in ModelRegistry(data).defaults()
