# Set-up and everyday commands. Each target creates (or reuses) the
# project-local virtual environment .venv and installs what it needs from
# pyproject.toml, so a fresh machine with Python 3.11 needs nothing else.
#
#   make book       build the website into _build/html
#   make test       lint, then unit tests, every notebook under nbval, and the book build
#   make check      lint, doctests and unit tests without the notebooks or the book (fast)
#   make lint       ruff: lint of the package, tests, scripts and notebooks; format check of the .py files
#   make format     ruff: fix what can be fixed and format (then rerun make lint)
#   make notebooks  re-execute every notebook in place (refreshes stored outputs)
#   make benchmark  time every notebook on the CPU profile and check the budgets
#   make student    student copies of chosen chapters into student/ (solutions removed),
#                   e.g. make student CHAPTERS="book/feedforward book/cnn"

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Notebooks must never reach the network in tests (downloads to 127.0.0.1 are allowed).
export COURSE_OFFLINE := 1
export COURSE_PROFILE := cpu

.PHONY: book test check lint format notebooks benchmark student clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The website is in _build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One worker per core (at most 4: each notebook may take up to 1.5 GB); see conftest.py.
test: lint
	$(BIN)/python -m pytest -n auto --maxprocesses 4

# Everything but the notebooks, the book build and the browser (they run in make test).
check: lint
	$(BIN)/python -m pytest -o addopts="-ra --doctest-modules" course_lib course_tools tests \
	  --ignore=tests/test_book.py --ignore=tests/test_browser.py

notebooks: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --write

benchmark: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --save

# Chapters (folders or notebooks) that `make student` copies for learners.
CHAPTERS ?= book/feedforward book/cnn book/rnn book/gan book/vae book/diffusion book/text

student: $(STAMP)
	$(BIN)/python scripts/make_student_copies.py $(CHAPTERS)

clean:
	rm -rf _build
