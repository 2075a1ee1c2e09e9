"""A camera's stream URL: redacted for logs and errors, opened over TCP, and diagnosed when it
will not open (OpenCV's FFmpeg back end says nothing about why)."""

from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

_OPTIONS_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
_env_lock = threading.Lock()


def redact_url(url: str) -> str:
    """The URL without its user and password, for logs and errors."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def use_tcp() -> None:
    """RTSP over TCP: UDP loses packets (smeared frames) and is often blocked between sites."""
    with _env_lock:
        current = os.environ.get(_OPTIONS_ENV, "")
        if "rtsp_transport" not in current:
            os.environ[_OPTIONS_ENV] = "rtsp_transport;tcp" + (f"|{current}" if current else "")


def diagnose(url: str, timeout_s: float) -> str:
    """Why a stream did not open, as far as a plain TCP connection can tell (OpenCV won't say)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "cannot open the stream (not a reachable URL, or no decodable video)"
    port = parts.port or {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}.get(parts.scheme)
    if port is None:
        return "cannot open the stream"
    where = f"{parts.hostname}:{port}"
    try:
        with socket.create_connection((parts.hostname, port), timeout=min(timeout_s, 2.0)):
            pass
    except ConnectionRefusedError:
        return f"connection refused by {where} (no RTSP server listening)"
    except TimeoutError:
        return f"no answer from {where} (host down or network unreachable)"
    except OSError as exc:
        return f"cannot reach {where}: {exc.strerror or exc}"
    return f"{where} accepts connections but the stream did not open (path, credentials, codec)"
