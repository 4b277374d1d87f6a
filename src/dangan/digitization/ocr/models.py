"""The neural networks OCR runs: PP-OCRv6 text detection and recognition shipped inside the `rapidocr` wheel, run by
onnxruntime. Only the model files are used (our own pipeline drives them); nothing is downloaded at run time.

``DANGAN_OCR_THREADS`` sets onnxruntime's intra-op threads per process (default 1: OCR of many pages runs several
processes, one thread each; 0 lets onnxruntime use every core). A CUDA device is used when onnxruntime has one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ENGINE", "OcrModels", "load_models", "model_directory"]

ENGINE = "dangan-ocr PP-OCRv6 small (rapidocr 3.10 model files, onnxruntime)"
DETECTION_MODEL = "PP-OCRv6_det_small.onnx"
RECOGNITION_MODEL = "PP-OCRv6_rec_small.onnx"

_lock = threading.Lock()
_loaded: OcrModels | None = None


def model_directory() -> Path:
    """Where the installed `rapidocr` package keeps its model files."""
    return Path(str(resources.files("rapidocr") / "models"))


def _threads() -> int:
    raw = os.environ.get("DANGAN_OCR_THREADS", "1").strip()
    try:
        return max(0, int(raw))
    except ValueError:
        return 1


def _session(path: Path) -> Any:
    import onnxruntime

    if not path.is_file():
        raise FileNotFoundError(f"OCR 模型文件缺失 OCR model file missing: {path}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    available = onnxruntime.get_available_providers()
    providers = [p for p in ("CUDAExecutionProvider",) if p in available] + ["CPUExecutionProvider"]
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)


@dataclass
class OcrModels:
    """The loaded networks and the recogniser's alphabet (index 0 is the CTC blank)."""

    detector: Any
    recognizer: Any
    alphabet: list[str]
    device: str

    def detect(self, batch: np.ndarray) -> np.ndarray:
        """(1, 3, H, W) float32 → (H, W) text probability map."""
        output = self.detector.run(None, {self.detector.get_inputs()[0].name: batch})[0]
        return np.asarray(output[0, 0])

    def recognize(self, batch: np.ndarray) -> np.ndarray:
        """(N, 3, 48, W) float32 → (N, T, classes) softmax probabilities."""
        return np.asarray(self.recognizer.run(None, {self.recognizer.get_inputs()[0].name: batch})[0])


def load_models() -> OcrModels:
    """The models, loaded once per process (thread-safe; sessions may be shared by threads)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                directory = model_directory()
                recognizer = _session(directory / RECOGNITION_MODEL)
                characters = recognizer.get_modelmeta().custom_metadata_map["character"].splitlines()
                detector = _session(directory / DETECTION_MODEL)
                device = "cuda" if "CUDAExecutionProvider" in recognizer.get_providers() else "cpu"
                _loaded = OcrModels(detector, recognizer, ["", *characters, " "], device)
    return _loaded
