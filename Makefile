# b24-tools: `make demo` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench soak lint browser clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all,dev]'
	@touch $(STAMP)

# Headless Chromium for the reviewer-inbox browser test (Debian's package; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "warning: could not install chromium; the browser test will fail in CI"; }

demo: $(STAMP)
	$(PY) -m b24_tools.cli.demo

test: $(STAMP) browser
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not browser"

bench: $(STAMP)
	$(PY) bench/run_all.py

# 5,000 writes by 4 worker processes under injected faults, on SQLite and PostgreSQL (about half an hour here);
# writes bench/results/soak.{json,md} and re-renders BENCHMARKS.md
soak: $(STAMP)
	$(PY) bench/soak.py --results bench/results
	$(PY) bench/report.py

lint: $(STAMP)
	$(PY) -m ruff check b24_tools tests graphs bench scripts
	$(PY) -m ruff format --check b24_tools tests graphs bench scripts
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .runtime
