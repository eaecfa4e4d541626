"""The Business Intelligence workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from desktop.tabs.empty_state import WorkspaceTab

TITLE = "Business Intelligence"
DESCRIPTION = (
    "Open a CSV or spreadsheet and Enclave will surface trends, outliers and changes "
    "worth a look, with recommendations that point back to the numbers, and answer "
    "plain-language questions through safe, read-only queries."
)


class BusinessIntelligenceTab(WorkspaceTab):
    """Business Intelligence workspace."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION
