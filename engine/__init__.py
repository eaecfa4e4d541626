"""Enclave engine: pure-Python core (never imports Qt).

Importing the engine switches every Hugging Face library to offline mode: nothing in
Enclave may reach a model hub.
"""

import os

__version__ = "0.1.0"

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
