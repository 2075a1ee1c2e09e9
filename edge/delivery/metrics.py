"""Prometheus metrics of an edge box, served by the daemon on `edge.metrics_port`.

Workers are separate processes, so each sends its figures to the daemon, which holds them
as gauges labelled by camera (a worker's counts start again from zero when it restarts;
`dendo_edge_worker_restarts_total` says when that happened).
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

log = logging.getLogger("edge.delivery.metrics")

# figure sent by a worker -> (metric name, help)
GAUGES: dict[str, tuple[str, str]] = {
    "stream_connected": (
        "dendo_edge_stream_connected",
        "1 while the camera stream delivers frames",
    ),
    "frames_in": ("dendo_edge_frames_in", "frames read from the camera"),
    "frames_processed": ("dendo_edge_frames_processed", "frames the pipeline processed"),
    "frames_dropped": ("dendo_edge_frames_dropped", "frames replaced by a newer one unread"),
    "frames_corrupt": ("dendo_edge_frames_corrupt", "frames that failed to decode, skipped"),
    "frames_unconverted": (
        "dendo_edge_frames_unconverted",
        "frames decoded between pictures (detector.picture_fps), never converted",
    ),
    "reconnects": ("dendo_edge_stream_reconnects", "stream reconnections"),
    "violations": ("dendo_edge_violations", "violations found"),
    "mqtt_connected": ("dendo_edge_mqtt_connected", "1 while connected to the broker"),
    "outbox_depth": ("dendo_edge_outbox_bundles", "bundles waiting for their receipt"),
    "outbox_bytes": ("dendo_edge_outbox_bytes", "bytes held in the outbox"),
    "outbox_evicted": ("dendo_edge_outbox_evicted", "bundles evicted by the disk quota"),
    "outbox_held": (
        "dendo_edge_outbox_held",
        "bundles the centre quarantined, kept aside until an operator acts (dendo-edge outbox)",
    ),
    "receipts_refused": (
        "dendo_edge_receipts_refused",
        "receipts ignored: unsigned or not signed by a centre key (the bundle is kept)",
    ),
    "signals_refused": (
        "dendo_edge_signals_refused",
        "signal phases ignored: unsigned, wrongly signed, stale or replayed",
    ),
    "frames_shed": ("dendo_edge_frames_shed", "idle frames skipped while not keeping up"),
    "drop_ratio": (
        "dendo_edge_frames_dropped_ratio",
        "share of frames dropped (stream queue full) over the last minute",
    ),
    "shed_ratio": ("dendo_edge_frames_shed_ratio", "share of frames shed over the last minute"),
    "cpu_cores": ("dendo_edge_worker_cpu_cores", "CPU of the camera's worker, in cores"),
    "overloaded": (
        "dendo_edge_overloaded",
        "1 while the camera sheds or drops more than edge.overload_drop_ratio of its frames",
    ),
    "frames_failed": ("dendo_edge_frames_failed", "frames the pipeline failed on, skipped"),
    "bundles_failed": (
        "dendo_edge_bundles_failed",
        "violations kept in the dead-letter folder without a bundle (see the log)",
    ),
    "last_violation_at": (
        "dendo_edge_last_violation_timestamp_seconds",
        "time of the last violation (Unix seconds)",
    ),
}


class BoxMetrics:
    def __init__(self, box: str, port: int | None, addr: str = "127.0.0.1") -> None:
        self.box, self.port, self.addr = box, port, addr
        self.registry = CollectorRegistry()
        self.gauges = {
            key: Gauge(name, text, ["box", "camera"], registry=self.registry)
            for key, (name, text) in GAUGES.items()
        }
        self.up = Gauge(
            "dendo_edge_worker_up",
            "1 while the camera's worker process runs",
            ["box", "camera"],
            registry=self.registry,
        )
        self.models = Gauge(
            "dendo_edge_model_info",
            "1 for each model a camera's worker runs, with the engine and precision it chose "
            "for this CPU at start-up (int8, bf16 or f32)",
            ["box", "camera", "model", "engine", "precision"],
            registry=self.registry,
        )
        self.model_series: dict[tuple[str, str], tuple[str, ...]] = {}
        self.restarts = Counter(
            "dendo_edge_worker_restarts",
            "camera worker processes restarted",
            ["box", "camera"],
            registry=self.registry,
        )

    def serve(self) -> None:
        if self.port is None:
            return
        start_http_server(self.port, self.addr, registry=self.registry)
        log.info("metrics on http://%s:%d/metrics", self.addr, self.port)

    def worker_up(self, camera: str, up: bool) -> None:
        self.up.labels(self.box, camera).set(1 if up else 0)

    def restarted(self, camera: str) -> None:
        self.restarts.labels(self.box, camera).inc()

    def update(self, figures: dict[str, object]) -> None:
        camera = str(figures.get("camera_id"))
        models = figures.get("models")
        if isinstance(models, dict):
            self._models_run(camera, models)
        for key, gauge in self.gauges.items():
            value = figures.get(key)
            if isinstance(value, datetime):
                value = value.timestamp()
            if isinstance(value, bool | int | float):
                gauge.labels(self.box, camera).set(float(value))

    def _models_run(self, camera: str, models: dict[str, dict[str, str]]) -> None:
        """One series per model: a restarted worker that chose otherwise replaces its own."""
        for model, run in models.items():
            labels = (self.box, camera, model, run.get("engine", "?"), run.get("precision", "?"))
            before = self.model_series.get((camera, model))
            if before is not None and before != labels:
                self.models.remove(*before)
            self.model_series[(camera, model)] = labels
            self.models.labels(*labels).set(1)
