"""Run Python's cyclic garbage collector on the GUI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed.
If that is a worker thread and the garbage holds a QObject (a closed dialog, a finished
Job caught in a reference cycle), Qt destroys it off the GUI thread and the process can
crash. As pyqtgraph does, we switch automatic collection off and collect from a GUI
timer instead, honouring the usual generation thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    """Create on the GUI thread and keep a reference for the application's lifetime."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                break

    def stop(self) -> None:
        """Hand collection back to Python (automatic, any thread)."""
        self.timer.stop()
        gc.enable()
        gc.collect()
