"""JSON log lines for the daemon and its camera workers (systemd's journal keeps them).

One object per line with the time (UTC), level, logger, message and the camera when the
record comes from a camera worker, so an IT team can filter a box's log by camera.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def __init__(self, camera: str | None = None) -> None:
        super().__init__()
        self.camera = camera

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        camera = getattr(record, "camera", None) or self.camera
        if camera:
            entry["camera"] = camera
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(camera: str | None = None, level: int = logging.INFO, fmt: str = "json") -> None:
    """Route every logger to stderr, as JSON lines (or plain text with `fmt="text"`)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(camera))
    else:
        prefix = f"{camera} " if camera else ""
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {prefix}%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
