#!/usr/bin/env python3
"""ONNX Runtime's own dynamic quantisation of an attnzoo export, the reference of
OnnxQuantizerTest.matchesOnnxRuntimesQuantizedWeights.

Usage: make_int8_fixture.py FLOAT.onnx OUT.onnx [NAME_PREFIX ...]
FLOAT.onnx is attnzoo's float export of a shipped model (attnzoo export --dataset fashion-mnist
--variant V --output FLOAT.onnx). Runs onnxruntime.quantization.quantize_dynamic(per_channel=True,
weight_type=QInt8, op_types_to_quantize=["MatMul"]) and writes to OUT.onnx only the quantised
weights and their scales (initializers <weight>_quantized, <weight>_scale) whose weight name starts
with one of the prefixes (all when none is given), with no nodes: a small file of reference
tensors, not a runnable model."""
import sys
import tempfile

import onnx
import onnxruntime
from onnxruntime.quantization import QuantType, quantize_dynamic

src, out, prefixes = sys.argv[1], sys.argv[2], tuple(sys.argv[3:]) or ("",)
with tempfile.TemporaryDirectory() as tmp:
    quantize_dynamic(f"{src}", f"{tmp}/q.onnx", per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"])
    q = onnx.load(f"{tmp}/q.onnx")
keep = [t for t in q.graph.initializer
        if t.name.endswith(("_quantized", "_scale")) and t.name.startswith(prefixes)]
graph = onnx.helper.make_graph([], "reference_weights", [], [], initializer=keep)
model = onnx.helper.make_model(graph, producer_name=f"onnxruntime {onnxruntime.__version__} quantize_dynamic")
onnx.save(model, out)
print(f"{out}: {len(keep)} tensors from onnxruntime {onnxruntime.__version__}")
