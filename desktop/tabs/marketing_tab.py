"""The Marketing workspace tab (an empty state until the workspace is built)."""

from __future__ import annotations

from desktop.tabs.empty_state import WorkspaceTab

TITLE = "Marketing"
DESCRIPTION = (
    "Describe a product and its audience and Enclave will draft copy variants for each "
    "channel and segment, check them for length, tone and claims, and work out the "
    "return on a campaign from its revenue and cost."
)


class MarketingTab(WorkspaceTab):
    """Marketing workspace."""

    TITLE = TITLE
    DESCRIPTION = DESCRIPTION
