"""The Medical workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from desktop.tabs.empty_state import WorkspaceTab

TITLE = "Medical"
DESCRIPTION = (
    "Describe symptoms and Enclave will suggest how urgently to seek care: fixed red-flag "
    "rules run first, local models add context with their sources, and every run is "
    "kept in an audit log. It supports clinical decisions; it never makes a diagnosis."
)


class MedicalTab(WorkspaceTab):
    """Medical workspace."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION
