"""Medical workspace: deterministic red-flag triage layered before any model.

Kept free of heavy imports: the window reads the disclaimer from here at start."""

DISCLAIMER = ("Decision support only, not a diagnosis. If you are worried, if things get worse or "
              "new symptoms appear, contact a clinician; in an emergency call your local emergency number.")
