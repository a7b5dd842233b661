"""A small, explicit TFLite -> ONNX converter for the operators our face models use.

Why our own: tflite2onnx 0.4.1 stops on these files in three places here (LEAKY_RELU is missing, scalar
tensors crash its parser, and its layout propagation fails on the MediaPipe face mesh). The five TFLite
models in the manifest use only the operators below, so a direct translation is short and auditable.

Layout: the ONNX graph keeps TFLite's NHWC tensors everywhere, so its input is exactly the original's
input. Convolutions and pools, which ONNX defines on NCHW, are wrapped in a Transpose pair; ONNX Runtime
and OpenVINO remove the back-to-back transposes this leaves between layers. Float16 or quantized
constants behind DEQUANTIZE are folded into float32 initializers. Anything unknown raises
``ConversionError`` naming the operator.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from models.errors import ConversionError

_OPSET = 17
_NHWC_TO_NCHW = [0, 3, 1, 2]
_NCHW_TO_NHWC = [0, 2, 3, 1]


class _Converter:
    def __init__(self, buf: bytes) -> None:
        import tflite
        from onnx import TensorProto

        self.tfl = tflite
        self.model = tflite.Model.GetRootAsModel(buf, 0)
        if self.model.SubgraphsLength() != 1:
            raise ConversionError("only single-subgraph TFLite models are supported")
        self.g = self.model.Subgraphs(0)
        self.nodes: list = []
        self.inits: dict[str, np.ndarray] = {}
        self.consts: dict[int, np.ndarray] = {}
        self._uid = 0
        op_names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
        self.op_names = op_names
        self.np_types = {
            tflite.TensorType.FLOAT32: np.float32,
            tflite.TensorType.FLOAT16: np.float16,
            tflite.TensorType.INT32: np.int32,
            tflite.TensorType.INT64: np.int64,
            tflite.TensorType.UINT8: np.uint8,
            tflite.TensorType.INT8: np.int8,
            tflite.TensorType.BOOL: np.bool_,
        }
        self.onnx_types = {
            np.float32: TensorProto.FLOAT,
            np.int32: TensorProto.INT32,
            np.int64: TensorProto.INT64,
            np.bool_: TensorProto.BOOL,
            np.uint8: TensorProto.UINT8,
            np.int8: TensorProto.INT8,
        }

    # -- tensors ---------------------------------------------------------------------------------
    def name(self, idx: int) -> str:
        return f"t{idx}_" + self.g.Tensors(idx).Name().decode("utf-8", "replace").replace(":", "_")

    def shape(self, idx: int) -> list[int]:
        arr = self.g.Tensors(idx).ShapeAsNumpy()
        return [] if isinstance(arr, int) else [int(v) for v in arr]

    def dtype(self, idx: int) -> type:
        t = self.g.Tensors(idx).Type()
        if t not in self.np_types:
            raise ConversionError(f"tensor type {t} is not supported")
        return self.np_types[t]

    def const(self, idx: int) -> np.ndarray | None:
        """The constant value of tensor ``idx`` (from its buffer or a folded DEQUANTIZE), else None."""
        if idx in self.consts:
            return self.consts[idx]
        buf = self.model.Buffers(self.g.Tensors(idx).Buffer())
        if buf is None or buf.DataLength() == 0:
            return None
        data = buf.DataAsNumpy().tobytes()
        arr = np.frombuffer(data, dtype=self.dtype(idx)).reshape(self.shape(idx))
        self.consts[idx] = arr
        return arr

    def ref(self, idx: int) -> str:
        """ONNX name for tensor ``idx``; constants become float32/int initializers on first use."""
        name = self.name(idx)
        value = self.const(idx)
        if value is not None and name not in self.inits:
            if value.dtype == np.float16:
                value = value.astype(np.float32)
            self.inits[name] = value
        return name

    def fresh(self, hint: str) -> str:
        self._uid += 1
        return f"{hint}_{self._uid}"

    def add_init(self, hint: str, value: np.ndarray) -> str:
        name = self.fresh(hint)
        self.inits[name] = value
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], **attrs: object) -> None:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh(op), **attrs))

    # -- helpers ---------------------------------------------------------------------------------
    def fused(self, pre_out: str, out: str, act: int) -> None:
        """Apply a fused activation from ``pre_out`` into ``out`` (or just rename)."""
        A = self.tfl.ActivationFunctionType
        if act == A.NONE:
            self.node("Identity", [pre_out], [out])
        elif act == A.RELU:
            self.node("Relu", [pre_out], [out])
        elif act == A.RELU6:
            self.node("Clip", [pre_out, self.add_init("zero", np.array(0, np.float32)),
                               self.add_init("six", np.array(6, np.float32))], [out])
        elif act == A.RELU_N1_TO_1:
            self.node("Clip", [pre_out, self.add_init("m1", np.array(-1, np.float32)),
                               self.add_init("p1", np.array(1, np.float32))], [out])
        elif act == A.TANH:
            self.node("Tanh", [pre_out], [out])
        else:
            raise ConversionError(f"fused activation {act} is not supported")

    def options(self, op: object, cls: Callable[[], object]) -> object:
        opts = cls()
        table = op.BuiltinOptions()  # type: ignore[attr-defined]
        opts.Init(table.Bytes, table.Pos)  # type: ignore[attr-defined]
        return opts

    def nchw_op(self, op_type: str, x: str, extra_inputs: list[str], out: str, act: int, **attrs: object) -> None:
        """Run an NCHW-only ONNX op on an NHWC tensor: transpose in, op, transpose out, activation."""
        xt = self.fresh("nchw")
        self.node("Transpose", [x], [xt], perm=_NHWC_TO_NCHW)
        y = self.fresh(op_type.lower())
        self.node(op_type, [xt, *extra_inputs], [y], **attrs)
        yt = self.fresh("nhwc")
        self.node("Transpose", [y], [yt], perm=_NCHW_TO_NHWC)
        self.fused(yt, out, act)

    @staticmethod
    def pad_mode(padding: int) -> str:
        return "SAME_UPPER" if padding == 0 else "VALID"  # TFLite SAME puts the odd pixel at the end

    # -- operators -------------------------------------------------------------------------------
    def convert_op(self, op: object) -> None:
        T = self.tfl
        code = self.model.OperatorCodes(op.OpcodeIndex()).BuiltinCode()  # type: ignore[attr-defined]
        # Newer schemas put large opcodes in BuiltinCode and keep DeprecatedBuiltinCode small.
        kind = self.op_names.get(code, str(code))
        ins = [int(i) for i in op.InputsAsNumpy()]  # type: ignore[attr-defined]
        outs = [int(i) for i in op.OutputsAsNumpy()]  # type: ignore[attr-defined]
        out = self.name(outs[0])

        if kind == "DEQUANTIZE":
            src = self.const(ins[0])
            if src is None:
                raise ConversionError("DEQUANTIZE of a non-constant tensor is not supported")
            q = self.g.Tensors(ins[0]).Quantization()
            if src.dtype == np.float16:
                value = src.astype(np.float32)
            elif q is not None and q.ScaleLength() > 0:
                scale = q.ScaleAsNumpy().astype(np.float32)
                zp = q.ZeroPointAsNumpy().astype(np.float32) if q.ZeroPointLength() else 0.0
                axis = q.QuantizedDimension()
                shape = [1] * src.ndim
                shape[axis] = -1
                value = (src.astype(np.float32) - np.reshape(zp, shape if np.ndim(zp) else [])) * scale.reshape(shape)
            else:
                raise ConversionError("DEQUANTIZE without quantization parameters")
            self.consts[outs[0]] = value.astype(np.float32)
            return
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x = self.ref(ins[0])
            w = self.const(ins[1])
            if w is None:
                raise ConversionError(f"{kind} with non-constant weights is not supported")
            w = w.astype(np.float32)
            if kind == "CONV_2D":
                o = self.options(op, T.Conv2DOptions)
                weight = w.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                o = self.options(op, T.DepthwiseConv2DOptions)
                weight = w.transpose(3, 0, 1, 2)  # 1HW(C*M) -> (C*M)1HW
                group = self.shape(ins[0])[3]
            inputs = [self.add_init("w", np.ascontiguousarray(weight))]
            if len(ins) > 2 and ins[2] >= 0:
                inputs.append(self.ref(ins[2]))
            self.nchw_op("Conv", x, inputs, out, o.FusedActivationFunction(),
                         auto_pad=self.pad_mode(o.Padding()), strides=[o.StrideH(), o.StrideW()],
                         dilations=[o.DilationHFactor(), o.DilationWFactor()], group=group,
                         kernel_shape=list(weight.shape[2:]))
            return
        if kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            o = self.options(op, T.Pool2DOptions)
            onnx_op = "MaxPool" if kind == "MAX_POOL_2D" else "AveragePool"
            self.nchw_op(onnx_op, self.ref(ins[0]), [], out, o.FusedActivationFunction(),
                         auto_pad=self.pad_mode(o.Padding()), strides=[o.StrideH(), o.StrideW()],
                         kernel_shape=[o.FilterHeight(), o.FilterWidth()])
            return
        if kind in ("ADD", "SUB", "MUL"):
            cls = {"ADD": T.AddOptions, "SUB": T.SubOptions, "MUL": T.MulOptions}[kind]
            act = self.options(op, cls).FusedActivationFunction() if op.BuiltinOptions() else 0  # type: ignore[attr-defined]
            tmp = self.fresh(kind.lower())
            self.node(kind.capitalize(), [self.ref(ins[0]), self.ref(ins[1])], [tmp])
            self.fused(tmp, out, act)
            return
        if kind == "PRELU":
            self.node("PRelu", [self.ref(ins[0]), self.ref(ins[1])], [out])
            return
        if kind == "LEAKY_RELU":
            alpha = float(self.options(op, T.LeakyReluOptions).Alpha())
            self.node("LeakyRelu", [self.ref(ins[0])], [out], alpha=alpha)
            return
        simple = {"RELU": "Relu", "LOGISTIC": "Sigmoid", "ABS": "Abs", "TANH": "Tanh",
                  "GREATER_EQUAL": "GreaterOrEqual", "LESS": "Less", "GREATER": "Greater"}
        if kind in simple:
            self.node(simple[kind], [self.ref(i) for i in ins], [out])
            return
        if kind == "RELU6":
            self.fused(self.ref(ins[0]), out, T.ActivationFunctionType.RELU6)
            return
        if kind == "PAD":
            pads = self.const(ins[1])
            if pads is None:
                raise ConversionError("PAD with non-constant paddings is not supported")
            flat = np.concatenate([pads[:, 0], pads[:, 1]]).astype(np.int64)
            self.node("Pad", [self.ref(ins[0]), self.add_init("pads", flat)], [out])
            return
        if kind == "RESHAPE":
            target = np.array(self.shape(outs[0]), dtype=np.int64)
            self.node("Reshape", [self.ref(ins[0]), self.add_init("shape", target)], [out])
            return
        if kind == "CONCATENATION":
            o = self.options(op, T.ConcatenationOptions)
            tmp = self.fresh("concat")
            self.node("Concat", [self.ref(i) for i in ins], [tmp], axis=int(o.Axis()))
            self.fused(tmp, out, o.FusedActivationFunction())
            return
        if kind == "CAST":
            target = self.onnx_types[self.dtype(outs[0])]
            self.node("Cast", [self.ref(ins[0])], [out], to=target)
            return
        if kind == "FULLY_CONNECTED":
            o = self.options(op, T.FullyConnectedOptions)
            w = self.const(ins[1])
            if w is None:
                raise ConversionError("FULLY_CONNECTED with non-constant weights is not supported")
            k = w.shape[1]
            flat = self.fresh("fc_in")
            self.node("Reshape", [self.ref(ins[0]), self.add_init("shape", np.array([-1, k], np.int64))], [flat])
            gemm_in = [flat, self.add_init("fc_w", w.astype(np.float32))]
            if len(ins) > 2 and ins[2] >= 0:
                gemm_in.append(self.ref(ins[2]))
            y = self.fresh("fc")
            self.node("Gemm", gemm_in, [y], transB=1)
            shaped = self.fresh("fc_out")
            self.node("Reshape", [y, self.add_init("shape", np.array(self.shape(outs[0]), np.int64))], [shaped])
            self.fused(shaped, out, o.FusedActivationFunction())
            return
        if kind == "STRIDED_SLICE":
            self.strided_slice(op, ins, out)
            return
        raise ConversionError(f"TFLite operator {kind} is not supported by the converter")

    def strided_slice(self, op: object, ins: list[int], out: str) -> None:
        o = self.options(op, self.tfl.StridedSliceOptions)
        if o.EllipsisMask() or o.NewAxisMask():
            raise ConversionError("STRIDED_SLICE with ellipsis or new-axis masks is not supported")
        begin, end, strides = (self.const(i) for i in ins[1:4])
        if begin is None or end is None or strides is None:
            raise ConversionError("STRIDED_SLICE with non-constant bounds is not supported")
        n = len(begin)
        big = np.iinfo(np.int64).max
        b = np.array([0 if o.BeginMask() >> i & 1 else begin[i] for i in range(n)], np.int64)
        e = np.array([(big if strides[i] > 0 else -big) if o.EndMask() >> i & 1 else end[i] for i in range(n)], np.int64)
        shrink = [i for i in range(n) if o.ShrinkAxisMask() >> i & 1]
        for i in shrink:  # a shrunk axis takes exactly the element at `begin`
            e[i] = b[i] + 1 if b[i] != -1 else big
        sliced = self.fresh("slice") if shrink else out
        self.node("Slice", [self.ref(ins[0]), self.add_init("b", b), self.add_init("e", e),
                            self.add_init("axes", np.arange(n, dtype=np.int64)),
                            self.add_init("s", strides.astype(np.int64))], [sliced])
        if shrink:
            self.node("Squeeze", [sliced, self.add_init("sq", np.array(shrink, np.int64))], [out])

    # -- whole graph -----------------------------------------------------------------------------
    def run(self):  # -> onnx.ModelProto
        from onnx import helper, numpy_helper

        for i in range(self.g.OperatorsLength()):
            self.convert_op(self.g.Operators(i))

        def value_info(idx: int):
            return helper.make_tensor_value_info(self.name(idx), self.onnx_types[self.dtype(idx)], self.shape(idx))

        inputs = [value_info(int(i)) for i in self.g.InputsAsNumpy()]
        outputs = []
        for i in self.g.OutputsAsNumpy():
            idx = int(i)
            clean = self.g.Tensors(idx).Name().decode("utf-8", "replace")
            # Keep the original output names so callers can address outputs by name.
            self.node("Identity", [self.name(idx)], [clean])
            outputs.append(helper.make_tensor_value_info(clean, self.onnx_types[self.dtype(idx)], self.shape(idx)))
        # Also give the graph input its original name.
        renamed = []
        for vi, i in zip(inputs, self.g.InputsAsNumpy()):
            clean = self.g.Tensors(int(i)).Name().decode("utf-8", "replace")
            for node in self.nodes:
                for k, name in enumerate(node.input):
                    if name == vi.name:
                        node.input[k] = clean
            vi.name = clean
            renamed.append(vi)
        graph = helper.make_graph(self.nodes, "converted", renamed, outputs,
                                  [numpy_helper.from_array(np.ascontiguousarray(v), k) for k, v in self.inits.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)],
                                  producer_name="idkiosk-tflite-onnx")
        model.ir_version = 8
        return model


def tflite_to_onnx(src: Path, dst: Path) -> None:
    """Convert the TFLite model ``src`` to ONNX at ``dst`` (NHWC input kept as in the original)."""
    import onnx

    try:
        model = _Converter(Path(src).read_bytes()).run()
        onnx.checker.check_model(model)
    except ConversionError:
        raise
    except Exception as exc:  # the flatbuffer reader raises bare errors on damaged files
        raise ConversionError(f"cannot convert {Path(src).name}: {type(exc).__name__}: {exc}") from exc
    onnx.save(model, str(dst))
