"""One-line text recognition with the PP-OCRv6 small recogniser (CTC) over plate characters.

The model knows 18,708 characters; a plate uses 36 and two separators. Decoding only over
those (masking the rest before the arg-max) removes look-alikes from other scripts, and the
per-step probabilities give a confidence for the whole line.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from edge.perception.derived_models import derived_model
from edge.perception.onnx_session import open_model
from edge.perception.openvino_session import OpenVinoSession

if TYPE_CHECKING:  # both heavy to import: onnx only to cut the model, onnxruntime if it runs
    import onnx
    import onnxruntime as ort

PLATE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-."
INPUT_HEIGHT = 48
MIN_INPUT_WIDTH = 320


@dataclass(frozen=True)
class LineText:
    """A recognised line: its text, the mean probability of its characters, and each one's."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...] = ()
    char_x: tuple[float, ...] = ()  # each character's centre, in pixels of the input line


def restrict_classes(model_path: Path, vocab_size: int, classes: np.ndarray) -> bytes:
    """The model with its output layer cut down to `classes` (in that order).

    The last layer maps each time step to all `vocab_size` classes and the softmax follows
    it, so keeping only the rows of the allowed classes gives exactly the softmax over them,
    and skips a tenth of the model's work.
    """
    import onnx  # only where the model is cut (not on a start with the cut one cached)
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    cut = 0
    for init in model.graph.initializer:
        if init.dims and init.dims[-1] == vocab_size:
            weights = numpy_helper.to_array(init)[..., classes]
            init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(weights), init.name))
            cut += 1
    if cut != 2:  # the weight matrix and the bias
        raise ValueError(f"{model_path}: expected one output layer of {vocab_size} classes")
    for output in model.graph.output:
        output.type.tensor_type.shape.dim[-1].dim_value = len(classes)
    stale = [v for v in model.graph.value_info if _last_dim(v) == vocab_size]
    for v in stale:  # intermediate shapes of the cut layer: let onnxruntime infer them
        model.graph.value_info.remove(v)
    return model.SerializeToString()


def _last_dim(value: onnx.ValueInfoProto) -> int | None:
    dims = value.type.tensor_type.shape.dim
    return dims[-1].dim_value if dims else None


class PaddleLineRecognizer:
    """PP-OCRv6 recogniser over the plate charset; batches lines of one plate in one call.

    `engine` "openvino" (the default: bfloat16 where the CPU has it) or "onnxruntime"
    (float32); both run the same ONNX file.
    """

    def __init__(
        self,
        model_path: Path,
        dict_path: Path,
        threads: int = 1,
        charset: str | None = PLATE_CHARSET,
        engine: str = "openvino",
    ) -> None:
        """`charset` None decodes over the whole dictionary (the raw baseline)."""
        vocab = ["<blank>", *dict_path.read_text(encoding="utf-8").splitlines(), " "]
        if charset is None:
            model: Path | bytes = model_path
            self.alphabet = ["", *vocab[1:]]
        else:
            index = {ch: i for i, ch in enumerate(vocab) if i > 0}
            missing = [ch for ch in charset if ch not in index]
            if missing:
                raise ValueError(f"recogniser dictionary {dict_path} lacks characters {missing}")
            # Allowed classes: blank first, then the charset in order.
            classes = np.array([0, *(index[ch] for ch in charset)], dtype=np.int64)
            tag = "classes-" + hashlib.sha256(classes.tobytes()).hexdigest()[:12]
            model = derived_model(
                model_path, tag, lambda: restrict_classes(model_path, len(vocab), classes)
            )
            self.alphabet = ["", *charset]
        self.session: OpenVinoSession | ort.InferenceSession = open_model(model, threads, engine)
        precision = getattr(self.session, "precision", "f32")
        self.name = f"ppocrv6-small/{engine}-{precision}"
        self.input_name = self.session.get_inputs()[0].name

    @staticmethod
    def _prepare(line_bgr: np.ndarray, width: int) -> np.ndarray:
        h, w = line_bgr.shape[:2]
        new_w = min(width, max(1, math.ceil(INPUT_HEIGHT * w / max(h, 1))))
        resized = cv2.resize(line_bgr, (new_w, INPUT_HEIGHT), interpolation=cv2.INTER_LINEAR)
        out = np.zeros((3, INPUT_HEIGHT, width), dtype=np.float32)
        out[:, :, :new_w] = resized.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0
        return out

    def recognize(self, lines_bgr: Sequence[np.ndarray]) -> list[LineText]:
        """Recognise each line image (BGR); one model call for all of them."""
        if not lines_bgr:
            return []
        ratios = [img.shape[1] / max(img.shape[0], 1) for img in lines_bgr]
        width = max(MIN_INPUT_WIDTH, math.ceil(INPUT_HEIGHT * max(ratios)))
        batch = np.stack([self._prepare(img, width) for img in lines_bgr])
        (probs,) = self.session.run(None, {self.input_name: batch})
        out = []
        for img, p in zip(lines_bgr, probs, strict=True):
            step = width / p.shape[0] * img.shape[0] / INPUT_HEIGHT  # line pixels per step
            out.append(self._decode(p, step))
        return out

    def _decode(self, probs: np.ndarray, step: float) -> LineText:
        """Greedy CTC over the allowed classes: collapse repeats, drop blanks."""
        best = probs.argmax(axis=1)
        best_p = probs[np.arange(len(best)), best]
        chars: list[str] = []
        confs: list[float] = []
        xs: list[float] = []
        prev = 0
        for t, (k, p) in enumerate(zip(best, best_p, strict=True)):
            if k != 0 and k != prev:
                chars.append(self.alphabet[k])
                confs.append(float(p))
                xs.append((t + 0.5) * step)
            elif k != 0 and k == prev and confs:
                confs[-1] = max(confs[-1], float(p))
            prev = k
        conf = float(np.mean(confs)) if confs else 0.0
        return LineText("".join(chars), conf, tuple(confs), tuple(xs))
