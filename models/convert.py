"""Conversions that make every model load in every ONNX Runtime execution provider.

The int8bq models need one conversion (``../shared/DESIGN.md`` section 2):

* ``fold_dequantize``: the ``int8bq`` (block-quantized) YuNet and SFace carry weights as int8 plus
  ``DequantizeLinear`` with ``block_size``, which ONNX Runtime's CPU EP rejects. We fold each such node
  into a float32 initializer (y = (x - zero_point) * scale, the scale repeated over blocks along
  ``axis``) and drop graph inputs that merely shadow initializers or feed nothing (SFace lists all its
  weights as inputs, which confuses ORT and OpenVINO alike).
TFLite models are converted by ``models.tflite_onnx`` (see there for why not tflite2onnx).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from models.errors import ConversionError

log = logging.getLogger(__name__)


def _dequantize(q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None, axis: int, block: int) -> np.ndarray:
    x = q.astype(np.float32)
    zp = np.zeros_like(scale, dtype=np.float32) if zero_point is None else zero_point.astype(np.float32)
    if scale.ndim == 0:
        return (x - zp) * scale.astype(np.float32)
    axis = axis % q.ndim
    if block > 0:
        # Blocked quantization (opset 21): one scale per `block` elements along `axis`.
        scale = np.repeat(scale, block, axis=axis).take(range(q.shape[axis]), axis=axis)
        zp = np.repeat(zp, block, axis=axis).take(range(q.shape[axis]), axis=axis)
    else:
        # Per-axis quantization: 1-D scale broadcast along `axis`.
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    return ((x - zp) * scale).astype(np.float32)


def fold_dequantize(src: Path, dst: Path) -> int:
    """Fold constant ``DequantizeLinear`` nodes of ``src`` into float initializers; write ``dst``.

    Returns the number of nodes folded. Raises ``ConversionError`` if the result fails the ONNX checker.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    folded: list[onnx.NodeProto] = []
    new_inits: list[onnx.TensorProto] = []
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or not all(i in inits for i in node.input if i):
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        q = numpy_helper.to_array(inits[node.input[0]])
        scale = numpy_helper.to_array(inits[node.input[1]])
        zp = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] else None
        value = _dequantize(q, scale, zp, int(attrs.get("axis", 1)), int(attrs.get("block_size", 0)))
        new_inits.append(numpy_helper.from_array(value, node.output[0]))
        folded.append(node)
    for node in folded:
        graph.node.remove(node)
    graph.initializer.extend(new_inits)

    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    init_names = {t.name for t in keep}
    real_inputs = [i for i in graph.input if i.name not in init_names and i.name in used]
    del graph.input[:]
    graph.input.extend(real_inputs)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ConversionError(f"folded model {src.name} fails the ONNX checker: {exc}") from exc
    onnx.save(model, str(dst))
    log.info("folded %d DequantizeLinear nodes of %s", len(folded), src.name)
    return len(folded)


def make_hw_dynamic(src: Path, dst: Path) -> None:
    """Declare the image input's height and width (and the outputs' anchor axis) as dynamic.

    YuNet is fully convolutional (its Reshapes use -1 and its Resizes take scales), but the file fixes
    its input at 640x640. Running it at the image's own size (padded to a multiple of 32), as OpenCV
    does, keeps faces at native resolution: resizing into 640x640 moved landmarks by several pixels.
    """
    import onnx

    model = onnx.load(str(src))
    inp = model.graph.input[0].type.tensor_type.shape.dim
    if len(inp) != 4:
        raise ConversionError(f"{src.name}: expected a 4-D image input")
    for d, name in ((inp[2], "height"), (inp[3], "width")):
        d.ClearField("dim_value")
        d.dim_param = name
    for out in model.graph.output:
        dims = out.type.tensor_type.shape.dim
        if len(dims) == 3:
            dims[1].ClearField("dim_value")
            dims[1].dim_param = "anchors"
    del model.graph.value_info[:]  # stale static shapes; runtimes infer them again
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ConversionError(f"{src.name}: dynamic-size model fails the ONNX checker: {exc}") from exc
    onnx.save(model, str(dst))
