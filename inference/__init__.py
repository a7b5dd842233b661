"""Face models and their runtime (ONNX Runtime with the OpenVINO execution provider)."""
