"""The embedded embedder: ORT-only run time, agreement with transformers/torch."""

import json
import subprocess
import sys

import numpy as np
import pytest

from engine.errors import EnclaveError
from engine.models.embedder_export import FP32_ID, INT8_ID, package_model_dir, quality_sentences
from engine.models.embedding import Embedder, embed
from engine.models.registry import ModelRegistry

SENTENCES = [
    "A 54-year-old man reports crushing chest pain radiating to his left arm.",
    "BERT is pre-trained with a masked language modelling objective.",
    "Quarterly revenue in the West region fell by 12% while margins held steady.",
    "Unsere neue Laufschuh-Kollektion ist leicht, atmungsaktiv und langlebig — 89 €.",
    "ok",
    "",
    "The study enrolled 1,099 women aged 50 and older in a three-year randomised trial " * 20,
]


def torch_reference(texts):
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = package_model_dir()
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    out = []
    with torch.inference_mode():
        for text in texts:  # one at a time: no padding at all in the reference
            enc = tok([text or " "], truncation=True, max_length=256, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled, dim=1)[0].numpy())
    return np.stack(out)


@pytest.fixture(scope="module")
def reference(prepared_dir):
    texts = SENTENCES + quality_sentences()[:40]
    return texts, torch_reference(texts)


def cosines(a, b):
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_fp32_matches_transformers_reference(prepared_dir, reference):
    texts, ref = reference
    emb = Embedder(ModelRegistry(prepared_dir).load(FP32_ID), device="cpu")
    vecs = emb.embed(texts, batch_size=8)
    assert vecs.shape == (len(texts), 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert cosines(vecs, ref).min() >= 0.999


def test_int8_agreement_is_measured_and_meets_its_bar(prepared_dir, reference):
    texts, ref = reference
    entry = ModelRegistry(prepared_dir).load(INT8_ID)
    quality = entry.manifest.extra["quality"]
    assert quality["n"] == len(quality_sentences())
    cos = cosines(Embedder(entry, device="cpu").embed(texts), ref)
    # The default is int8 only when its measured agreement met the bar.
    default = ModelRegistry(prepared_dir).default_id("embedding")
    assert default == (INT8_ID if quality["meets_bar"] else FP32_ID)
    if quality["meets_bar"]:
        sentences = np.array([8 <= len(t.split()) <= 60 for t in texts])
        assert cos[sentences].mean() >= 0.99 and cos[sentences].min() >= 0.97
        # Texts of one or two tokens are int8's weak spot (no pooling to average the
        # quantisation noise out): measured 0.96-0.98; a collapse would show far lower.
        assert cos[~sentences].min() >= 0.95


def test_order_is_preserved_whatever_the_batching(model_data_dir):
    texts = SENTENCES * 3
    degenerate = np.array([len(t.split()) < 2 for t in texts])  # "", "ok"
    for model_id, floor, degenerate_floor in ((FP32_ID, 0.9999, 0.9999), (INT8_ID, 0.97, 0.93)):
        one_by_one = np.stack([embed([t], data_dir=model_data_dir, model_id=model_id)[0]
                               for t in texts])
        batched = embed(texts, data_dir=model_data_dir, model_id=model_id, batch_size=4)
        cos = cosines(one_by_one, batched)
        # fp32 is batch-invariant. Dynamic int8 quantises activations per batch tensor,
        # so a vector moves slightly with its batch-mates: cos >= 0.978 measured for real text, less
        # for empty or one-token input (measured 0.94-0.97), which pooling cannot smooth.
        assert cos[~degenerate].min() > floor, model_id
        assert cos[degenerate].min() > degenerate_floor, model_id
    assert embed([], data_dir=model_data_dir).shape == (0, 384)
    with pytest.raises(TypeError):
        embed("a single string", data_dir=model_data_dir)


def test_similar_meanings_score_higher(model_data_dir):
    q, a, b = embed(["heart attack symptoms", "crushing chest pain radiating to the arm",
                     "quarterly sales by region"], data_dir=model_data_dir)
    assert q @ a > q @ b + 0.2


def test_no_model_installed_is_a_clear_error(tmp_path):
    with pytest.raises(EnclaveError, match="run `enclave setup`"):
        Embedder.from_registry(tmp_path)


def test_embed_runs_without_torch_in_a_fresh_process(model_data_dir):
    code = ("import sys, json; from engine.models.embedding import embed; "
            "v = embed(['hello world'], data_dir=sys.argv[1]); "
            "print(json.dumps({'shape': list(v.shape), 'heavy': sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('torch', 'transformers', 'optimum', 'PySide6'))}))")
    out = subprocess.run([sys.executable, "-c", code, str(model_data_dir)], capture_output=True,
                         text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"shape": [1, 384], "heavy": []}


def test_setup_rebuilds_models_made_by_an_older_recipe(prepared_dir, tmp_path):
    import json
    import shutil

    from engine.models import embedder_export as ex
    from engine.models.registry import sha256_file

    shutil.copytree(prepared_dir / "models", tmp_path / "models")
    registry = ModelRegistry(tmp_path)
    source = sha256_file(package_model_dir() / "model.safetensors")
    assert ex._up_to_date(registry, INT8_ID, source)
    manifest = tmp_path / "models" / INT8_ID / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["recipe_version"] = ex.RECIPE_VERSION - 1
    manifest.write_text(json.dumps(raw))
    assert not ex._up_to_date(registry, INT8_ID, source)
    assert not ex._up_to_date(registry, INT8_ID, "another-checkpoint")
