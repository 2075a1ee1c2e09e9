"""The box's /metrics, served over HTTP as Prometheus scrapes it: the figures a worker sends
become gauges labelled by camera, and each model's engine and precision an info series."""

from __future__ import annotations

import urllib.request

from edge.delivery.metrics import BoxMetrics
from tests.fixtures.broker import free_port


def scrape(port: int) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()


def test_figures_and_models_as_run_are_served() -> None:
    port = free_port()
    metrics = BoxMetrics("EB-01", port)
    metrics.serve()
    run = {
        "vehicles": {"engine": "openvino", "precision": "int8"},
        "plates": {"engine": "openvino", "precision": "bf16"},
    }
    metrics.update({"camera_id": "MT-07", "frames_in": 120, "models": run})
    text = scrape(port)
    assert 'dendo_edge_frames_in{box="EB-01",camera="MT-07"} 120.0' in text, text
    for model, what in run.items():
        series = (
            f'dendo_edge_model_info{{box="EB-01",camera="MT-07",engine="{what["engine"]}",'
            f'model="{model}",precision="{what["precision"]}"}} 1.0'
        )
        assert series in text, f"no series for {model} as run:\n{text}"

    # a restarted worker told to run float32 (DENDO_PRECISION=f32) replaces its own series
    metrics.update(
        {"camera_id": "MT-07", "models": {"vehicles": {**run["vehicles"], "precision": "f32"}}}
    )
    text = scrape(port)
    assert 'model="vehicles",precision="f32"' in text, text
    assert 'model="vehicles",precision="int8"' not in text, "the old precision is still served"
    assert 'model="plates",precision="bf16"' in text, "another model's series was dropped"
