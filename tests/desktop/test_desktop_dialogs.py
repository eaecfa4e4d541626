"""Settings, About and Welcome dialogs: load in the background, save, and bad input."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog

from desktop import settings_dialog
from desktop.about_dialog import AboutDialog
from desktop.settings_dialog import SettingsDialog, preferred_data_dir
from desktop.welcome import NO_MODELS, WelcomeDialog, should_show_welcome
from engine import config
from engine.config import Settings, load_settings, save_settings
from engine.models.registry import ModelRegistry

WAIT_MS = 30_000
FP32, INT8, SMOL = "all-minilm-l6-v2", "all-minilm-l6-v2-int8", "smollm2-135m-instruct-int4"


@pytest.fixture(autouse=True)
def app_store(tmp_path, monkeypatch):
    """The app-level QSettings live in the test's folder, never in the user's config."""
    path = str(tmp_path / "app.ini")
    monkeypatch.setattr(settings_dialog, "app_settings",
                        lambda: QSettings(path, QSettings.Format.IniFormat))
    return path


@pytest.fixture
def models_dir(tmp_path, prepared_dir):
    """A data dir with the prepared models linked one by one, plus a manifest-only second
    generator: its own models/ folder, so choosing defaults never writes to prepared_dir."""
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for model_id in (FP32, INT8, SMOL):
        (data / "models" / model_id).symlink_to(prepared_dir / "models" / model_id,
                                                target_is_directory=True)
    extra = data / "models" / "tiny-gen"
    extra.mkdir()
    (extra / "manifest.json").write_text(json.dumps(
        {"id": "tiny-gen", "task": "generation", "architecture": "llama", "files": [],
         "source": "a test"}), encoding="utf-8")
    return data


def open_dialog(qtbot, cls, data_dir):
    dialog = cls(data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.is_loaded, timeout=WAIT_MS)
    return dialog


def wait_idle(qtbot, dialog):
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=WAIT_MS)


def writes_are_blocked(folder) -> bool:
    """chmod does not stop root; find out by trying."""
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


# -- Settings -----------------------------------------------------------------------------------
def test_settings_load_off_the_gui_thread_and_show_the_saved_values(qtbot, models_dir,
                                                                    monkeypatch):
    save_settings(models_dir, Settings(device="cpu", intra_op_threads=3, keep_history=False))
    threads = []
    real = settings_dialog.load_snapshot

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(settings_dialog, "load_snapshot", spy)
    dialog = SettingsDialog(models_dir)
    qtbot.addWidget(dialog)
    assert dialog.status_label.text() == "Loading…"
    assert not dialog.save_button.isEnabled()
    assert not any(w.isEnabled() for w in dialog.inputs())
    qtbot.waitUntil(dialog.is_loaded, timeout=WAIT_MS)

    assert threads and threads[0] != threading.get_ident()
    assert dialog.save_button.isEnabled() and dialog.status_label.text() == ""
    assert dialog.device_combo.currentData() == "cpu"
    assert dialog.threads_spin.value() == 3
    assert not dialog.keep_history_check.isChecked()
    assert [dialog.embedder_combo.itemData(i) for i in range(dialog.embedder_combo.count())] == [
        FP32, INT8]
    assert dialog.embedder_combo.currentData() == FP32  # the one the registry really uses
    assert dialog.generator_combo.count() == 2
    assert dialog.data_dir_edit.text() == str(models_dir) and dialog.data_dir_edit.isReadOnly()
    assert dialog.chosen_data_dir() is None
    wait_idle(qtbot, dialog)


def test_settings_round_trip_to_settings_json_and_registry_defaults(qtbot, models_dir):
    save_settings(models_dir, Settings(welcome_shown=True))
    dialog = open_dialog(qtbot, SettingsDialog, models_dir)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cuda"))
    dialog.threads_spin.setValue(6)
    dialog.embedder_combo.setCurrentIndex(dialog.embedder_combo.findData(INT8))
    dialog.generator_combo.setCurrentIndex(dialog.generator_combo.findData("tiny-gen"))
    dialog.keep_history_check.setChecked(False)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)

    expected = Settings(device="cuda", intra_op_threads=6, default_embedder=INT8,
                        default_generator="tiny-gen", keep_history=False,
                        welcome_shown=True)  # a field the dialog does not edit survives
    assert saved.args == [expected]
    assert load_settings(models_dir) == expected
    assert ModelRegistry(models_dir).defaults() == {"embedding": INT8, "generation": "tiny-gen"}
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert preferred_data_dir() is None  # the data folder was not changed

    again = open_dialog(qtbot, SettingsDialog, models_dir)
    assert again.values() == {"device": "cuda", "intra_op_threads": 6, "default_embedder": INT8,
                              "default_generator": "tiny-gen", "keep_history": False}
    wait_idle(qtbot, again)


def test_settings_without_models_offers_none_and_still_saves(qtbot, tmp_path):
    data = tmp_path / "empty"
    dialog = open_dialog(qtbot, SettingsDialog, data)
    for combo in (dialog.embedder_combo, dialog.generator_combo):
        assert combo.currentText().startswith("None installed") and not combo.isEnabled()
    dialog.threads_spin.setValue(2)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save()
    wait_idle(qtbot, dialog)
    assert load_settings(data).intra_op_threads == 2
    assert ModelRegistry(data).defaults() == {}


def assert_failed_save_kept_everything(qtbot, dialog, data):
    before = (data / "settings.json").read_text(encoding="utf-8")
    dialog.threads_spin.setValue(7)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    saved = []
    dialog.saved.connect(saved.append)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)

    text = dialog.status_label.text()
    assert text.startswith("✗ Not saved: ")
    assert "not writable" in text or "could not save" in text
    assert "\n" not in text and str(data) in text
    assert not saved and dialog.isVisible()
    assert dialog.save_button.isEnabled() and dialog.change_button.isEnabled()
    assert dialog.threads_spin.isEnabled() and dialog.device_combo.isEnabled()
    assert (dialog.threads_spin.value(), dialog.device_combo.currentData()) == (7, "cpu")
    assert (data / "settings.json").read_text(encoding="utf-8") == before


def test_saving_to_a_read_only_data_folder_says_so_in_one_line(qtbot, tmp_path):
    data = tmp_path / "readonly"
    data.mkdir()
    save_settings(data, Settings(intra_op_threads=1))
    data.chmod(0o555)
    try:
        if not writes_are_blocked(data):
            pytest.skip("running as root: chmod does not make a folder read-only")
        dialog = open_dialog(qtbot, SettingsDialog, data)
        assert_failed_save_kept_everything(qtbot, dialog, data)
        assert "not writable" in dialog.status_label.text()
    finally:
        data.chmod(0o755)


def test_a_failed_save_keeps_the_dialog_open_and_a_retry_works(qtbot, tmp_path, monkeypatch):
    # The read-only disk as root sees it: the write itself is refused.
    data = tmp_path / "data"
    data.mkdir()
    save_settings(data, Settings(intra_op_threads=1))
    dialog = open_dialog(qtbot, SettingsDialog, data)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    real = config.save_settings
    monkeypatch.setattr(config, "save_settings", refuse)
    assert_failed_save_kept_everything(qtbot, dialog, data)
    assert dialog.status_label.text() == (
        f"✗ Not saved: could not save settings in {data}: Permission denied")

    monkeypatch.setattr(config, "save_settings", real)
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert load_settings(data).intra_op_threads == 7 and load_settings(data).device == "cpu"


def test_change_data_folder_checks_it_and_remembers_it_on_save(qtbot, tmp_path, app_store):
    data = tmp_path / "data"
    dialog = open_dialog(qtbot, SettingsDialog, data)
    new = tmp_path / "elsewhere" / "enclave"
    dialog._ask_folder = lambda: new
    dialog.change_data_dir()
    wait_idle(qtbot, dialog)
    assert dialog.chosen_data_dir() == new.resolve() and new.is_dir()
    assert dialog.data_dir_edit.text() == str(new.resolve())
    assert "after a restart" in dialog.data_dir_note.text()
    assert preferred_data_dir() is None  # not before Save

    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save()
    wait_idle(qtbot, dialog)
    assert preferred_data_dir() == new.resolve()
    assert QSettings(app_store, QSettings.Format.IniFormat).value("data_dir") == str(new.resolve())
    assert (data / "settings.json").is_file()  # this session's settings stay in the old folder


def test_an_unwritable_data_folder_is_refused_in_one_line(qtbot, tmp_path):
    data = tmp_path / "data"
    dialog = open_dialog(qtbot, SettingsDialog, data)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog._ask_folder = lambda: blocker / "enclave"  # cannot be created, even by root
    dialog.change_data_dir()
    wait_idle(qtbot, dialog)
    text = dialog.status_label.text()
    assert text.startswith("✗ Cannot use that folder: data dir ") and "not writable" in text
    assert "\n" not in text
    assert dialog.chosen_data_dir() is None and dialog.data_dir_edit.text() == str(data)
    assert dialog.change_button.isEnabled()

    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        if writes_are_blocked(readonly):
            dialog._ask_folder = lambda: readonly
            dialog.change_data_dir()
            wait_idle(qtbot, dialog)
            assert "not writable" in dialog.status_label.text()
            assert dialog.chosen_data_dir() is None
    finally:
        readonly.chmod(0o755)


def test_cancel_writes_nothing(qtbot, tmp_path):
    data = tmp_path / "data"
    dialog = open_dialog(qtbot, SettingsDialog, data)
    dialog.threads_spin.setValue(9)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not (data / "settings.json").exists()


# -- About ----------------------------------------------------------------------------------------
def test_about_lists_versions_and_models_with_their_licences(qtbot, models_dir):
    dialog = AboutDialog(models_dir)
    qtbot.addWidget(dialog)
    assert dialog.status_label.text() == "Loading…"
    qtbot.waitUntil(dialog.is_loaded, timeout=WAIT_MS)
    wait_idle(qtbot, dialog)

    from engine import __version__

    assert dialog.title.text() == f"Enclave {__version__}"
    versions = dialog.version_rows()
    for name in ("Python", "onnxruntime", "tokenizers", "PySide6", "numpy"):
        assert versions.get(name), (name, versions)
    assert list(versions)[:2] == ["Python", "onnxruntime"]
    assert "nothing is sent over the network" in dialog.promise.text()

    table = dialog.models_table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}
    assert set(rows) == {FP32, INT8, SMOL, "tiny-gen"}
    assert rows[SMOL][1] == "Text generation"
    for model_id in (FP32, INT8, SMOL):
        assert rows[model_id][3] == "Apache-2.0"
        assert rows[model_id][2].startswith("PyPI ")
    assert rows["tiny-gen"][2:] == ["a test", "unknown"]  # no licence in its manifest


def test_about_without_models_says_how_to_get_some(qtbot, tmp_path):
    dialog = open_dialog(qtbot, AboutDialog, tmp_path / "empty")
    wait_idle(qtbot, dialog)
    assert dialog.models_table.rowCount() == 0
    assert "No models installed yet" in dialog.models_note.text()


# -- Welcome -------------------------------------------------------------------------------------
def test_welcome_shows_the_installed_models_and_offline_promise(qtbot, models_dir):
    assert should_show_welcome(models_dir)
    dialog = WelcomeDialog(models_dir)
    qtbot.addWidget(dialog)
    assert dialog.models_label.text() == "Loading…"
    qtbot.waitUntil(dialog.is_loaded, timeout=WAIT_MS)
    lines = dialog.models_label.text().splitlines()
    assert lines == [f"• Text generation: {SMOL}, tiny-gen",
                     f"• Embedding (search): {FP32}, {INT8}"]
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.models_label)))
    assert "Everything works offline" in texts
    assert "Research and Business Intelligence" in texts
    dialog.accept()  # not ticked: shown again next time
    wait_idle(qtbot, dialog)
    assert should_show_welcome(models_dir)
    assert not (models_dir / "settings.json").exists()


def test_dont_show_again_persists_and_keeps_other_settings(qtbot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    save_settings(data, Settings(device="cpu", intra_op_threads=5))
    dialog = open_dialog(qtbot, WelcomeDialog, data)
    assert dialog.models_label.text() == NO_MODELS
    dialog.dont_show_check.setChecked(True)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    assert not should_show_welcome(data)
    assert load_settings(data) == Settings(device="cpu", intra_op_threads=5, welcome_shown=True)


def test_dont_show_again_on_a_read_only_folder_stays_open_with_one_line(qtbot, tmp_path,
                                                                        monkeypatch):
    data = tmp_path / "data"
    dialog = open_dialog(qtbot, WelcomeDialog, data)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(config, "save_settings", refuse)
    dialog.dont_show_check.setChecked(True)
    dialog.reject()  # Escape or the window's close button
    wait_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.status_label.text() == (
        f"✗ Could not remember this: could not save settings in {data}: Permission denied")
    assert dialog.start_button.isEnabled() and dialog.dont_show_check.isEnabled()
    dialog.dont_show_check.setChecked(False)
    dialog.accept()  # unticked, it just closes
    wait_idle(qtbot, dialog)
    assert not dialog.isVisible() and should_show_welcome(data)


def test_should_show_welcome_survives_a_broken_settings_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.json").write_text("{broken", encoding="utf-8")
    assert should_show_welcome(data)
