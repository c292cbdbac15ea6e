# prunedd: the two commands of the README, and a few helpers for authors.
#   make book   build the book into _build/html (creates .venv, executes the notebooks)
#   make test   lint, notebook-pair sync, the book with -W, unit tests, nbval, browser test
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The environment is rebuilt whenever the pins or the package metadata change.
ENV_ID := $(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(ENV_ID)
NOTEBOOKS := $(sort $(wildcard notebooks/*.py))
# The chapters of the book: the notebooks listed in _toc.yml (others are drafts whose stored
# results are still being computed; they are linted and paired, not executed or checked).
CHAPTERS := $(patsubst %,%.ipynb,$(shell sed -n 's/^ *- file: \(notebooks\/[^ ]*\)$$/\1/p' _toc.yml))
BOOK_FLAGS := --builder html -W -n --keep-going
NBVAL_FLAGS := --nbval-lax --nbval-cell-timeout=240 --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help env browser book test lint unit notebooks-check book-strict sync execute bench clean

help:
	@echo "make book    build the book into _build/html (sets up .venv on first use)"
	@echo "make test    run every check: lint, pair sync, unit tests, nbval, strict book build"
	@echo "make sync    rewrite each notebooks/X.ipynb from its X.py, keeping outputs"
	@echo "make execute NB=notebooks/X.py   re-execute one notebook into its .ipynb twin"
	@echo "make bench   run the benchmark scripts (prints speed ratios)"

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	rm -f $(VENV)/.installed-*
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Debian's chromium for tests/test_browser.py, installed when missing and when we may (root
# with apt-get); otherwise that test skips and says how to install it.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing Debian's chromium for tests/test_browser.py"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
	  || echo "make: could not install chromium; tests/test_browser.py will skip" >&2; \
	else echo "make: chromium not found and not root; tests/test_browser.py will skip (sudo apt-get install chromium)" >&2; fi

book: env
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo "The book is in _build/html/index.html"

lint: env
	$(BIN)/ruff check prunedd_utils tests benchmarks $(NOTEBOOKS)

# The book is built first, so that tests/test_browser.py opens this build's pages; a failed
# build still lets the tests run, and fails the target at the end.
test: env lint browser
	rm -f _build/.book-failed
	$(MAKE) book || { mkdir -p _build && touch _build/.book-failed; }
	$(BIN)/python -m pytest tests $(CHAPTERS) $(NBVAL_FLAGS)
	@if [ -e _build/.book-failed ]; then echo "make test: the book build failed (see above)" >&2; exit 1; fi

sync: env
	for f in $(NOTEBOOKS); do $(BIN)/jupytext --to ipynb --update "$$f"; done

# Two steps: `jupytext --update --execute X.py` writes the old outputs back over the new.
execute: env
	test -n "$(NB)" || { echo "usage: make execute NB=notebooks/X.py"; exit 2; }
	$(BIN)/jupytext --to ipynb --update "$(NB)"
	$(BIN)/jupytext --execute "$(basename $(NB)).ipynb"

bench: env
	for f in benchmarks/bench_*.py; do $(BIN)/python "$$f"; done

clean:
	rm -rf _build
