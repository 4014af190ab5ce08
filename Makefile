# toyama-lab: every target creates .venv from the pinned lock when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: data test lab book lint format lock bench clean-data

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (toyama-lab)" >/dev/null
	@# strip notebook outputs on commit (the .gitattributes filter), when this is a git checkout
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(abspath $(BIN))/python -m nbstripout --keep-id'; \
	  git config filter.nbstripout.smudge cat; \
	  git config diff.ipynb.textconv '$(abspath $(BIN))/python -m nbstripout -t'; fi
	@touch $(STAMP)

## data: generate the default class dataset and print what was made
data: $(STAMP)
	$(BIN)/toyama-lab generate --scenario normal-week --size class --seed 0 --out data/synthetic/normal-week-class-0

## book: datasets, every workbook executed (cached, in parallel), the offline HTML book.
## `make book LANG=en` runs the workbooks with lang=en and English front pages.
BOOK_LANG := $(if $(filter en,$(LANG)),en,ja)
book: $(STAMP)
	LANG=C.UTF-8 $(BIN)/python -m toyama_lab.book --lang $(BOOK_LANG)

## test: lint, then the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

## lab: open JupyterLab on the workbooks (loopback only, with a token; root too, as in containers)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=workbooks --ServerApp.ip=127.0.0.1 \
	  $$(test "$$(id -u)" = 0 && echo --ServerApp.allow_root=True)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## lock: re-resolve the pinned set (needs the registry); then run make test
lock:
	uv pip compile pyproject.toml --extra test --extra docs --universal --python-version 3.11 -o requirements.lock

bench: $(STAMP)
	$(BIN)/python bench/synth.py
	$(BIN)/python bench/decode.py
	$(BIN)/python bench/game.py

clean-data:
	rm -rf data/synthetic/*/
