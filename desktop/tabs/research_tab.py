"""The Research workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from desktop.tabs.empty_state import WorkspaceTab

TITLE = "Research"
DESCRIPTION = (
    "Bring your own papers, reports and notes. Enclave will index them, answer questions "
    "from the passages it finds and cite the document and page behind every answer, "
    "then help you turn the findings into a report."
)


class ResearchTab(WorkspaceTab):
    """Research workspace."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION
