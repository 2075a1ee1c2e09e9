# The two README commands: `make demo` and `make test`. Each sets everything up on a fresh
# machine (virtual environment, packages, models) and is safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps demo test lint bench models clean

setup: $(STAMP) models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip==25.3
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[edge,central,dev]'
	touch $(STAMP)

# Servers the tests start on loopback (Mosquitto; PostgreSQL; GStreamer's RTSP server, run with
# the system Python that has its bindings) and what WeasyPrint draws notices with (Pango, fonts). Debian packages; needs root. Skipped when already present.
APT_PACKAGES := mosquitto gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools \
	python3-gi postgresql libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils \
	chromium
system-deps:
	@if dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then echo "system packages present"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(APT_PACKAGES) >/dev/null && echo "system packages installed"; fi

models: $(STAMP)
	$(BIN)/dendo-edge models fetch

demo: setup
	$(BIN)/python scripts/demo.py --out out/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup system-deps lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/bench_perception.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
