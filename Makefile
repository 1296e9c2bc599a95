# The two commands of the README: `make demo` and `make test`.
# Both create a virtual environment in .venv (ignored by git) on first use.
# `make test` runs the fast suite; `make test SLOW=1` runs the tests marked
# slow (statistical checks, example and documentation runs, clusters, full
# check suites). CI (.ci/run) runs both.
#
# TORCH_SPEC is what pip installs for PyTorch before sklstm. The default is the
# CPU build these machines carry; a GPU user passes their own, e.g.
#   make test TORCH_SPEC="torch==2.13.0 --index-url <PyTorch's CUDA wheel index>"
# or an empty TORCH_SPEC to keep a torch already installed in .venv.

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= test
SLOW ?=
MARKERS := $(if $(SLOW),slow,not slow)

BIN := $(VENV)/bin
# Two stamps, so that each command installs only what it needs, once:
# CORE_STAMP is PyTorch and sklstm itself (all the demo imports), STAMP adds
# the EXTRAS on top (the test suite's optional libraries).
CORE_STAMP := $(VENV)/.sklstm-core-installed
STAMP := $(VENV)/.sklstm-installed

.PHONY: demo test lint benchmark clean

$(CORE_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if [ -n "$(TORCH_SPEC)" ]; then $(BIN)/python -m pip install --quiet $(TORCH_SPEC); fi
	$(BIN)/python -m pip install --quiet -e .
	touch $(CORE_STAMP)

$(STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(CORE_STAMP)
	$(BIN)/python examples/quickstart.py

test: $(STAMP)
	$(BIN)/python -m pytest -m "$(MARKERS)"

lint: $(STAMP)
	$(BIN)/python -m ruff check sklstm tests examples benchmarks

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
