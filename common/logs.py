"""JSON log lines for the daemon and its camera workers (systemd's journal keeps them).

One object per line with the time (UTC), level, logger, message and the camera when the
record comes from a camera worker, so an IT team can filter a box's log by camera.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType


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
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """An exception nobody caught, as one log line with the traceback as a field (the
    interpreter would print it raw, and break a JSON log)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("uncaught").critical("uncaught %s: %s", kind.__name__, exc,
                                           exc_info=(kind, exc, tb))  # fmt: skip


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("uncaught").critical(
        "thread %s died: %s: %s", name, args.exc_type.__name__, args.exc_value,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )  # fmt: skip
