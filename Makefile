# Two commands on a fresh machine: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= config/claimdesk.toml
# feedparser's own test feeds (its sdist), for tests/integration/test_feed_corpus.py; pinned to the installed feedparser.
CORPUS       := var/feedparser-corpus
CORPUS_STAMP := $(CORPUS)/.fetched-stamp

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml requirements/pipeline.txt requirements/embedding.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "claimdesk needs Python >= 3.11, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements/pipeline.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements/embedding.txt
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/claimdesk run --config $(CONFIG)

demo: $(STAMP)
	$(BIN)/claimdesk demo

# Offline, the download fails with a warning and the corpus test skips; the stamp is then not written, so the
# next `make test` tries again.
$(CORPUS_STAMP): $(STAMP)
	@version=$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("feedparser"))') && \
	rm -rf $(CORPUS) && mkdir -p $(CORPUS) && \
	if $(BIN)/python -m pip download --quiet --disable-pip-version-check --retries 1 --no-binary :all: --no-deps \
			"feedparser==$$version" -d $(CORPUS) && \
		$(BIN)/python -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="data")' \
			$(CORPUS)/feedparser-$$version.tar.gz $(CORPUS); then \
		echo "$$version" > $(CORPUS_STAMP); \
	else \
		echo "warning: could not fetch feedparser $$version's sdist (offline?); tests/integration/test_feed_corpus.py will skip" >&2; \
	fi

test: $(STAMP) $(CORPUS_STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
