#!/usr/bin/env python3
"""Check an ONNX file exported by attnzoo with the official ONNX tooling.

  python scripts/onnx_check.py model.onnx [--run]

Runs onnx.checker (full check, with shape inference), prints IR version, opset, input/output
shapes and the op histogram, and fails on ops that mobile converters reject or on tensors of rank
above 5 after shape inference. With --run (needs onnxruntime) it also runs batch 1 and batch 8 to
show that the batch axis is dynamic. Exit code 0: all checks passed; 1: a check failed; 2: the
onnx package is missing (nothing was checked).
"""
import argparse
import collections
import sys

try:
    import onnx
    from onnx import shape_inference
except ImportError:
    sys.stderr.write("onnx_check: the 'onnx' package is not installed; nothing was checked\n")
    sys.exit(2)

AVOID = {"Roll", "Einsum", "Loop", "If", "Scan", "NonZero", "Unique"}

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("--run", action="store_true", help="also run batch 1 and 8 in onnxruntime")
a = p.parse_args()

model = onnx.load(a.model)
onnx.checker.check_model(model, full_check=True)
inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)


def dims(vi):
    return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]


ops = collections.Counter(n.op_type for n in model.graph.node)
ranks = [len(vi.type.tensor_type.shape.dim) for vi in inferred.graph.value_info]
print(f"{a.model}: onnx.checker OK (full check)")
print(f"  ir_version {model.ir_version}, opset {[(o.domain or 'ai.onnx', o.version) for o in model.opset_import]}")
for vi in model.graph.input:
    print(f"  input  {vi.name} {dims(vi)}")
for vi in model.graph.output:
    print(f"  output {vi.name} {dims(vi)}")
print(f"  {len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers, max rank {max(ranks, default=0)}")
print("  ops: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
bad = sorted(set(ops) & AVOID)
failed = False
if bad:
    print(f"  FAIL: ops that mobile converters reject: {bad}")
    failed = True
if max(ranks, default=0) > 5:
    print(f"  FAIL: a tensor has rank {max(ranks)} > 5")
    failed = True
if a.run:
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    for b in (1, 8):
        shape = [b] + [int(d) for d in inp.shape[1:]]
        y = sess.run(None, {inp.name: np.random.default_rng(0).standard_normal(shape).astype(np.float32)})[0]
        print(f"  onnxruntime {ort.__version__}: batch {b} -> {list(y.shape)}")
        if y.shape[0] != b or not np.isfinite(y).all():
            print("  FAIL: wrong batch or non-finite output")
            failed = True
sys.exit(1 if failed else 0)
