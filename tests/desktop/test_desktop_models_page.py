"""The Models page: import a tiny model folder, verify, set default, remove, bad input."""

from __future__ import annotations

import shutil
import threading

import pytest
from tiny_lm import tiny_model

from desktop.job_center import DONE, JobCenter
from desktop.pages import models_page
from desktop.pages.models_page import COLUMNS, ModelsPage, import_kind, suggest_model_id
from engine.errors import EnclaveError
from engine.models.generator_export import build_generator, export_folder
from engine.models.registry import ModelRegistry

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    """A tiny llama checkpoint folder (safetensors + tokenizer), built once."""
    folder = tmp_path_factory.mktemp("ckpt") / "Tiny-Llama_Test"
    tiny_model("llama", folder)
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory, tiny_llama):
    """A models dir with one fp32 generator, `tiny-fp32`; tests copy it."""
    data = tmp_path_factory.mktemp("installed")
    build_generator(tiny_llama, "tiny-fp32", data, quantization="fp32")
    return data / "models"


@pytest.fixture
def data_with_model(tmp_path, installed):
    data = tmp_path / "data"
    shutil.copytree(installed, data / "models")
    return data


@pytest.fixture
def open_page(qtbot):
    def make(data_dir, answers=None):
        jobs = JobCenter()
        page = ModelsPage(data_dir, jobs)
        qtbot.addWidget(page)
        answers = {} if answers is None else answers
        page._ask_import_source = lambda kind: answers.get("source")
        page._ask_quantization = lambda: answers.get("quantization", "int4")
        page._ask_model_id = lambda default: answers.get("model_id", default)
        page._confirm = lambda text: answers.setdefault("confirmed", []).append(text) or True
        page.show()
        page.refresh()
        wait_idle(qtbot, page)
        return page

    return make


def wait_idle(qtbot, page):
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=WAIT_MS)


def cell(page, row_id, column):
    rows = [r.id for r in page.rows]
    return page.table.item(rows.index(row_id), COLUMNS.index(column)).text()


def select(page, model_id):
    page.table.selectRow([r.id for r in page.rows].index(model_id))
    assert page.selected_row().id == model_id


def test_empty_data_dir_shows_the_empty_state(open_page, tmp_path):
    page = open_page(tmp_path / "data")
    assert page.table.rowCount() == 0
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.isVisible()
    assert not page.verify_button.isEnabled() and not page.remove_button.isEnabled()
    assert page.import_button.isEnabled()


@pytest.mark.parametrize("quantization", ["int4", "fp32"])
def test_import_a_tiny_checkpoint_folder_runs_as_a_job(open_page, qtbot, tmp_path, tiny_llama,
                                                       monkeypatch, quantization):
    data = tmp_path / "data"
    threads = []
    real = models_page.import_model

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(models_page, "import_model", spy)
    page = open_page(data, {"source": tiny_llama, "quantization": quantization})
    page.import_folder_action.trigger()
    record = page.jobs.records()[0]
    assert record.title == f"Import tiny-llama_test-{quantization}"
    assert page.progress_bar.isVisible()
    wait_idle(qtbot, page)

    assert record.state == DONE and record.fraction == 1.0
    assert any("ONNX" in line for line in record.log), record.log  # progress was reported
    assert threads and threads[0] != threading.get_ident()
    model_id = f"tiny-llama_test-{quantization}"
    assert [r.id for r in page.rows] == [model_id]
    assert cell(page, model_id, "Task") == "Text generation"
    assert cell(page, model_id, "Quantisation") == quantization
    assert cell(page, model_id, "Checksums") == "✓ verified"
    assert cell(page, model_id, "Default") == "★ default"  # the only generator
    assert page.status_label.text() == f"Imported {model_id} ({quantization})."
    assert not page.progress_bar.isVisible()
    entry = ModelRegistry(data).entry(model_id)
    assert entry.verified and entry.manifest.quantization == (
        None if quantization == "fp32" else "int4")


def test_import_a_ready_onnx_folder(open_page, qtbot, tmp_path, tiny_llama):
    onnx_folder = export_folder(tiny_llama, tmp_path / "Exported ONNX", "fp32")
    data = tmp_path / "data"
    asked = []
    page = open_page(data, {"source": onnx_folder})
    page._ask_quantization = lambda: asked.append("quantization")  # never asked for ONNX
    page.import_folder_action.trigger()
    wait_idle(qtbot, page)
    assert asked == [] and page.jobs.records()[0].state == DONE
    assert [r.id for r in page.rows] == ["exported-onnx"]
    assert cell(page, "exported-onnx", "Checksums") == "✓ verified"
    assert cell(page, "exported-onnx", "Architecture") == "llama"
    assert ModelRegistry(data).entry("exported-onnx").manifest.extra["layout"] == "gqa-shared-kv"


def test_set_as_default_updates_the_registry(open_page, qtbot, data_with_model, installed):
    shutil.copytree(installed / "tiny-fp32", data_with_model / "models" / "tiny-b")
    manifest = data_with_model / "models" / "tiny-b" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"id": "tiny-fp32"', '"id": "tiny-b"'))
    page = open_page(data_with_model)
    assert cell(page, "tiny-b", "Checksums") == "✓ verified"
    default = [r.id for r in page.rows if r.is_default]
    select(page, "tiny-b" if default == ["tiny-fp32"] else "tiny-fp32")
    chosen = page.selected_row().id
    assert page.default_button.isEnabled()
    page.default_button.click()
    wait_idle(qtbot, page)
    assert ModelRegistry(data_with_model).defaults() == {"generation": chosen}
    assert cell(page, chosen, "Default") == "★ default"
    assert [r.id for r in page.rows if r.is_default] == [chosen]
    assert "is now the default for text generation" in page.status_label.text()
    assert page.selected_row().id == chosen and not page.default_button.isEnabled()


@pytest.mark.parametrize("make,message", [
    (lambda p: p.mkdir(), "is not a model folder"),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("hello")), "is not a model folder"),
    (lambda p: (p.mkdir(), (p / "config.json").write_text("{}"),
                (p / "pytorch_model.bin").write_bytes(b"x")), "pickled weights"),
    (lambda p: (p.mkdir(), (p / "manifest.json").write_text("{}")), "already an Enclave model"),
])
def test_a_folder_that_is_not_a_model_shows_one_line_and_changes_nothing(
        open_page, tmp_path, data_with_model, make, message):
    source = tmp_path / "not-a-model"
    make(source)
    page = open_page(data_with_model, {"source": source})
    before = sorted(p.name for p in (data_with_model / "models").iterdir())
    page.import_folder_action.trigger()
    assert page.jobs.records() == []  # refused before any job starts
    text = page.status_label.text()
    assert text.startswith("✗ Cannot import:") and message in text and "\n" not in text
    assert [r.id for r in page.rows] == ["tiny-fp32"]  # the models shown are untouched
    assert sorted(p.name for p in (data_with_model / "models").iterdir()) == before


def test_an_import_that_fails_in_the_engine_reports_one_line(open_page, qtbot, tmp_path,
                                                             data_with_model, tiny_llama):
    source = tmp_path / "odd-arch"
    shutil.copytree(tiny_llama, source)
    config = source / "config.json"
    config.write_text(config.read_text().replace('"model_type": "llama"', '"model_type": "mamba"'))
    page = open_page(data_with_model, {"source": source, "quantization": "fp32"})
    page.import_folder_action.trigger()
    wait_idle(qtbot, page)
    assert page.jobs.records()[0].state == "failed"
    text = page.status_label.text()
    assert text.startswith("✗ Import odd-arch-fp32 failed:") and "'mamba' is not supported" in text
    assert "\n" not in text
    assert [r.id for r in page.rows] == ["tiny-fp32"]
    assert ModelRegistry(data_with_model).ids() == ["tiny-fp32"]
    assert not [p for p in (data_with_model / "models").iterdir() if p.name.startswith(".")]


def test_verify_shows_a_model_altered_after_install(open_page, qtbot, data_with_model):
    page = open_page(data_with_model)
    assert cell(page, "tiny-fp32", "Checksums") == "✓ verified"
    assert page.summary_label.text().startswith("1 model · ")
    assert page.summary_label.text().endswith("✓ all verified")
    assert not page.quantize_button.isEnabled()  # nothing selected yet
    tokenizer = data_with_model / "models" / "tiny-fp32" / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text().replace("<|endoftext|>", "<|eot|>"))
    select(page, "tiny-fp32")
    page.verify_button.click()
    assert page.jobs.records()[0].title == "Verify tiny-fp32"
    wait_idle(qtbot, page)
    assert page.jobs.records()[0].state == DONE
    assert cell(page, "tiny-fp32", "Checksums") == "✗ tokenizer.json altered"
    item = page.table.item(0, COLUMNS.index("Checksums"))
    assert "sha256 mismatch" in item.toolTip()
    assert page.status_label.text().startswith("✗ tiny-fp32 failed verification: tokenizer.json")
    assert page.summary_label.text().endswith("✗ 1 failing verification")
    # a model that fails its checksum can be neither the default nor quantised
    assert not page.default_button.isEnabled() and not page.quantize_button.isEnabled()


def test_remove_after_confirmation_deletes_the_model(open_page, qtbot, data_with_model):
    answers = {}
    page = open_page(data_with_model, answers)
    select(page, "tiny-fp32")
    page.remove_button.click()
    wait_idle(qtbot, page)
    assert "Remove tiny-fp32?" in answers["confirmed"][0]
    assert page.jobs.records()[0].state == DONE
    assert ModelRegistry(data_with_model).ids() == []
    assert not (data_with_model / "models" / "tiny-fp32").exists()
    assert page.table.rowCount() == 0 and page.stack.currentWidget() is page.empty_state


def test_remove_declined_keeps_the_model(open_page, qtbot, data_with_model):
    page = open_page(data_with_model)
    page._confirm = lambda text: False
    select(page, "tiny-fp32")
    assert page.remove_selected() is None
    assert page.jobs.records() == [] and ModelRegistry(data_with_model).ids() == ["tiny-fp32"]


def test_quantise_an_fp32_generator(open_page, qtbot, data_with_model):
    page = open_page(data_with_model)
    select(page, "tiny-fp32")
    assert page.quantize_button.isEnabled()
    page.quantize_button.click()
    wait_idle(qtbot, page)
    assert page.jobs.records()[0].state == DONE
    assert [r.id for r in page.rows] == ["tiny-fp32", "tiny-int4"]
    assert cell(page, "tiny-int4", "Quantisation") == "int4"
    assert cell(page, "tiny-int4", "Checksums") == "✓ verified"
    select(page, "tiny-int4")
    assert not page.quantize_button.isEnabled()


def test_import_kind_and_suggested_ids(tmp_path):
    onnx = tmp_path / "exported"
    onnx.mkdir()
    (onnx / "model.onnx").write_bytes(b"")
    assert import_kind(onnx) == "onnx"
    gguf = tmp_path / "SmolLM2 135M.Q4_K_M.gguf"
    gguf.write_bytes(b"GGUF")
    assert import_kind(gguf) == "gguf"
    with pytest.raises(EnclaveError, match="holds GGUF files"):
        import_kind(tmp_path)
    with pytest.raises(EnclaveError, match="no such file or folder"):
        import_kind(tmp_path / "missing")
    assert suggest_model_id(gguf, "int4") == "smollm2-135m.q4_k_m-int4"
    assert suggest_model_id(tmp_path / "Qwen2.5-0.5B-Instruct", "fp32") == "qwen2.5-0.5b-instruct-fp32"
    assert suggest_model_id(tmp_path / "my-int4") == "my-int4"
    assert suggest_model_id(tmp_path / "!!!") == "imported-model"


def test_last_ran_on_column_says_which_device_really_ran_the_model():
    from desktop.pages.models_work import ModelRow, row_cells

    ran = ModelRow("gen", "generation", last_provider="CUDAExecutionProvider",
                   last_run="2026-11-29T18:31:00+00:00")
    text, tip = row_cells(ran)[COLUMNS.index("Last ran on")]
    assert text == "CUDA" and "CUDAExecutionProvider, 2026-11-29 18:31" in tip
    text, _ = row_cells(ModelRow("new", "embedding"))[COLUMNS.index("Last ran on")]
    assert text == "not run yet"
