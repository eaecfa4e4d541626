"""`python -m desktop.screenshots OUT_DIR [--data-dir DIR] [--dark]`: one PNG per tab.

Renders the real window offscreen (see `desktop.app.screenshot_tabs`), in the light
palette or, with `--dark`, a dark Fusion palette, to check both themes by eye and to
refresh `docs/screenshots/` for the README.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d30", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#3a3d41",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#3a3d41",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#9a9da1",
        QPalette.ColorRole.Link: "#7aa7e6",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#77797d"))
    return palette


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots")
    parser.add_argument("out_dir")
    parser.add_argument("--data-dir", help="data folder to show (default: the user data dir)")
    parser.add_argument("--dark", action="store_true", help="dark Fusion palette")
    parser.add_argument("--ask", help="a question the Research tab answers before its picture")
    parser.add_argument("--triage", help="a message the Medical tab triages before its picture")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.app import screenshot_tabs
    from engine.config import resolve_data_dir

    app = QApplication.instance() or QApplication(["enclave", "-platform", "offscreen"])
    app.setStyle("Fusion")
    if args.dark:
        app.setPalette(dark_palette())
    for path in screenshot_tabs(resolve_data_dir(args.data_dir), Path(args.out_dir),
                                research_question=args.ask, triage_message=args.triage):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
