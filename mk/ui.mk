# Web UI targets, included by the main Makefile.
#   ui-build       install the pinned npm packages and build ui/ into heron/server/_static
#   ui-test        the UI's lint and format check (Biome), strict type check and unit tests (Vitest)
#   ui-format      format the UI's sources and apply Biome's safe lint fixes
#   openapi        regenerate ui/openapi.json and ui/src/api/schema.d.ts from the app
#   openapi-check  fail if those files no longer match the app (the pytest check, alone)

UI_PYTHON ?= .venv/bin/python

.PHONY: ui-build ui-test ui-format openapi openapi-check

ui-build:
	scripts/build_ui.sh

ui-test:
	scripts/build_ui.sh
	cd ui && npx biome ci . && npx tsc --noEmit -p . && npx vitest run

ui-format:
	cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; }
	cd ui && npx biome check --write .

openapi:
	cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; }
	$(UI_PYTHON) scripts/openapi.py

openapi-check:
	$(UI_PYTHON) -m pytest -q -p no:cacheprovider tests/server/test_openapi.py
