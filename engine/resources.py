"""Locate files under the top-level `resources/` folder (icons, sample data, knowledge)."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
