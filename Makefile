# Two commands: `make run` (the app on the embedded default with demo data) and `make test`;
# `make bench [SCALE=small|large|xl]` measures speed and memory (docs/performance.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

SCALE ?= small

.PHONY: run test lint bench mutate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	bash scripts/system-packages.sh --runtime
	$(BIN)/python cli.py init
	$(BIN)/python cli.py demo --if-empty
	$(BIN)/streamlit run serve.py --server.address 127.0.0.1 --server.port 8501

test: $(VENV)/.dev
	bash scripts/system-packages.sh
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4

bench: $(VENV)/.dev
	bash scripts/system-packages.sh
	$(BIN)/python -m bench.run --scale $(SCALE)

lint: $(VENV)/.dev
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

# Mutation testing of metrics/, surveys/, feedback/ and auth/ (docs/testing.md); not part of `make test`.
mutate: $(VENV)/.dev
	bash scripts/system-packages.sh
	$(BIN)/python scripts/mutate.py
