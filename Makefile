# The two commands of the README:
#   make book   builds the HTML book, executing every chapter (at LECTURE_SCALE, default quick)
#   make test   runs the whole test suite (chapters at smoke scale)
# Each sets up what it needs first: a virtual environment in .venv, MathJax for offline
# math, and (for the tests) Chromium.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
SCALE       ?= quick
MATHJAX     := _vendor/mathjax
MATHJAX_VER := 3.2.2
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: book test setup mathjax chromium clean

book: setup mathjax
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	LECTURE_SCALE=$(SCALE) $(BIN)/jupyter-book build . --all -W --keep-going
	@echo "Open _build/html/index.html"

test: setup mathjax chromium
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

# torch is pinned first so pip takes the CPU wheel; the project's floor (torch>=2.4) is then
# already satisfied and nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# MathJax 3 from npm, served with the book so math renders with no CDN.
mathjax: $(MATHJAX)/es5/tex-chtml.js

$(MATHJAX)/es5/tex-chtml.js:
	@command -v npm >/dev/null || { echo "npm is needed once to fetch MathJax (apt-get install npm)"; exit 1; }
	rm -rf _vendor/npm $(MATHJAX) && mkdir -p _vendor/npm $(MATHJAX)/es5
	npm install --silent --no-save --no-audit --no-fund --prefix _vendor/npm mathjax@$(MATHJAX_VER)
	cd _vendor/npm/node_modules/mathjax/es5 && cp -r tex-chtml.js input output ui a11y sre adaptors $(CURDIR)/$(MATHJAX)/es5/
	rm -rf _vendor/npm

# The browser test needs Debian's Chromium; install it when missing and we are root.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: sudo apt-get install chromium"; exit 1; fi; }

clean:
	rm -rf _build _vendor test-artifacts
