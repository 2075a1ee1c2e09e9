"""JSON logs stay JSON: every line one object, a traceback a field of it, even for an
exception nobody caught in the main thread or in another thread."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import REPO

PROGRAM = """
import logging, threading
from common.logs import setup_logging
setup_logging("MT-01")
logging.getLogger("edge.test").info("Ấp Bắc: started")
try:
    {}["missing"]
except KeyError:
    logging.getLogger("edge.test").exception("caught and logged")
worker = threading.Thread(target=lambda: 1 / 0, name="rtsp-reader-MT-01-1")
worker.start()
worker.join()
raise ValueError("the worker's last words")
"""


def test_every_line_is_one_json_object_and_tracebacks_are_fields() -> None:
    run = subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 1, run.stderr
    lines = run.stderr.splitlines()
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r} in\n{run.stderr}") from None
    assert entries[0]["msg"] == "Ấp Bắc: started"
    assert all(e.get("camera") == "MT-01" for e in entries), entries
    errors = {e["msg"]: e.get("error", "") for e in entries if e["level"] != "info"}
    assert "KeyError: 'missing'" in errors["caught and logged"]
    died = errors["thread rtsp-reader-MT-01-1 died: ZeroDivisionError: division by zero"]
    assert "Traceback" in died and "ZeroDivisionError" in died, died
    last = errors["uncaught ValueError: the worker's last words"]
    assert last.startswith("Traceback") and "ValueError" in last, last
