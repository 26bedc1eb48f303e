# The README's commands. A fresh machine needs only Python 3.11+, make and git:
# the virtual environment is created here and uv is bootstrapped into it when it is not installed.

PYTHON ?= python3
VENV   := .venv
UV     := $(shell command -v uv 2>/dev/null || echo $(VENV)/bin/uv)
export UV_PYTHON_DOWNLOADS := never

# The library's embedding model: where a copy sits beside the project (machines without internet), use it;
# otherwise the library lets Chroma download the model into its cache on first use.
SHARED_MODEL := $(wildcard $(CURDIR)/../shared/models/all-MiniLM-L6-v2/onnx/model.onnx)
ifneq ($(SHARED_MODEL),)
export SALIENT_LIBRARY_MODEL_DIR ?= $(dir $(SHARED_MODEL))
endif

.PHONY: help sync up test lint typecheck pytest bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv>=0.13"

# The web chat's front-end libraries (markdown-it, DOMPurify, Swagger UI for /api/docs) come from the npm registry,
# pinned by the lock file. None needs an install script (swagger-ui-dist's would only report usage). A stamp inside
# node_modules makes `npm ci` run only when node_modules is missing or older than the lock file.
WEB_STAMP := host/web/node_modules/.salient-installed

sync: $(if $(findstring $(VENV),$(UV)),$(VENV)/bin/uv) $(WEB_STAMP)  ## Install every package into .venv from uv.lock
	$(UV) sync --locked --all-packages

$(WEB_STAMP): host/web/package-lock.json host/web/package.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix host/web --ignore-scripts --no-audit --no-fund --loglevel=error \
	&& touch $@; else echo "note: npm not found, so the web chat shows streamed answers as plain text until each turn" \
	"ends. Install Node.js 20+ with npm, then run: npm ci --prefix host/web"; fi

up: sync  ## Start the whole suite with the demo company on embedded defaults
	$(UV) run --no-sync salient up

test: sync lint typecheck pytest  ## Run every check: ruff, pyright, pytest

lint:
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync ruff check .

typecheck:
	$(UV) run --no-sync pyright

# PYTEST_WORKERS=4 runs the tests in four worker processes, a test module on one worker (its module fixtures start
# once); the tests wait mostly on subprocesses, servers and databases, so more workers than cores can pay.
# 0 (the default) runs them in this process, one after another.
PYTEST_WORKERS ?= 0

pytest:
	$(UV) run --no-sync pytest -n $(PYTEST_WORKERS) --dist loadscope

# ARGS=--quick for small sizes (minutes); ARGS="--only per_call,crm_search" for some benches.
bench: sync  ## Run the benchmarks: their tables, then one table of every headline figure beside its baseline
	$(UV) run --no-sync python bench/run_all.py $(ARGS)

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
