# Two commands: `make demo` and `make test`. Both create .venv, install the project and make
# sure a Chromium is available (see scripts/ensure-chromium.sh).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test setup lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	@scripts/ensure-chromium.sh $(BIN)/python

demo: setup  ## the demo tenant drifts on purpose: exit 1 (drift) is its expected answer
	@$(BIN)/tessian-connector demo; code=$$?; \
	if [ $$code -eq 1 ]; then echo "demo: exit 1 (drift), as designed: open the report.html above"; \
	else exit $$code; fi

test: setup  ## the history tests need PostgreSQL: scripts/ensure-postgres.sh provides one
	@scripts/ensure-display.sh
	$(BIN)/lint-imports
	TESSIAN_TEST_POSTGRES_URL="$${TESSIAN_TEST_POSTGRES_URL:-$$(scripts/ensure-postgres.sh)}" \
	  $(BIN)/python -m pytest

bench: setup  ## prints figures; takes ~25 minutes (the 100k-user DOM read is most of it)
	$(BIN)/python benchmarks/fixture_first_page.py
	$(BIN)/python benchmarks/read_user_monitoring.py
	$(BIN)/python benchmarks/evaluate_and_render.py
	$(BIN)/python benchmarks/changes.py
	$(BIN)/python benchmarks/render_outputs.py
	$(BIN)/python benchmarks/spot_check_surfaces.py
	$(BIN)/python benchmarks/history_stores.py
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports .state
