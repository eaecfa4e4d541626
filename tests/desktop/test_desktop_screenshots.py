"""screenshot_tabs renders one PNG per workspace once the device check is done."""

from PySide6.QtGui import QImage

from desktop.app import screenshot_tabs
from engine import api


def test_screenshot_tabs_writes_one_png_per_tab(qtbot, tmp_path, monkeypatch, make_report):
    monkeypatch.setattr(api, "doctor", lambda d, **kw: make_report(d))
    paths = screenshot_tabs(tmp_path / "data", tmp_path / "shots")
    assert [p.name for p in paths] == [
        "01-research.png",
        "02-marketing.png",
        "03-business-intelligence.png",
        "04-medical.png",
        "05-models.png",
        "06-history.png",
        "07-jobs.png",
    ]
    for path in paths:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1200, 800)
