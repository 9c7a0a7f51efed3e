#!/usr/bin/env python3
"""Compare attnzoo's ONNX export with torch.onnx.export of the same weights: ORT fusions and speed.

  python scripts/onnx_fusions.py torch-export --model VARIANT --weights W.safetensors --out F.onnx
      [--official conv2former.py]      # conv2former_*: the official code (not in timm)
  python scripts/onnx_fusions.py fusions --csv OUT.csv NAME=A.onnx NAME=B.onnx ...
  python scripts/onnx_fusions.py bench --csv OUT.csv --threads 2 --repeats 40 \
      VARIANT ATTNZOO.onnx TORCH.onnx [VARIANT ATTNZOO.onnx TORCH.onnx ...]

torch-export builds the timm model (or the official Conv2Former), loads the safetensors state dict
and writes torch.onnx.export's default graph (the dynamo exporter) with a dynamic batch axis.

fusions loads each file in ONNX Runtime with ORT_ENABLE_ALL, writes the optimised graph
(optimized_model_filepath, next to a temporary copy) and prints, per file, the op histogram of the
file and of the optimised graph; the CSV has one row per (file, stage, op).

bench times both files of a variant in one process, interleaved (A, B, A, B, ...), with
intra_op_num_threads as given and ORT_ENABLE_ALL, at batch 1 and 8; it prints medians and the ratio
attnzoo / torch, and the load average before and after.
"""
import argparse
import collections
import csv
import os
import sys
import tempfile
import time


def torch_export(args):
    import torch
    from safetensors.torch import load_file

    if args.official:
        import importlib.util

        spec = importlib.util.spec_from_file_location("conv2former_official", args.official)
        official = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = official
        spec.loader.exec_module(official)
        model = getattr(official, args.model)()
    else:
        import timm

        model = timm.create_model(args.model, pretrained=False)
    model.load_state_dict(load_file(args.weights))
    model.eval()
    # the variant's input size (timm's data config), which attnzoo's graph fixes
    size = args.size or getattr(model, "pretrained_cfg", {}).get("input_size", (3, 224, 224))[-1]
    x = torch.randn(2, 3, size, size)
    batch = torch.export.Dim("batch", min=1, max=1024)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (x,),
            args.out,
            input_names=["input"],
            output_names=["output"],
            dynamic_shapes={"x": {0: batch}},
            external_data=False,
        )
    import onnx

    m = onnx.load(args.out)
    print(f"{args.out}: torch {torch.__version__}, ir {m.ir_version}, "
          f"opset {[(o.domain or 'ai.onnx', o.version) for o in m.opset_import]}, "
          f"{len(m.graph.node)} nodes")


def session(path, threads, optimized=None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    if optimized:
        so.optimized_model_filepath = optimized
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def histogram(path):
    import onnx

    m = onnx.load(path)
    return collections.Counter(
        (n.domain or "ai.onnx") + ":" + n.op_type if n.domain not in ("", "ai.onnx") else n.op_type
        for n in m.graph.node
    )


def fusions(args):
    import onnxruntime as ort

    rows = []
    for spec in args.files:
        name, path = spec.split("=", 1)
        with tempfile.TemporaryDirectory() as tmp:
            opt = os.path.join(tmp, "optimized.onnx")
            session(path, 1, opt)
            before, after = histogram(path), histogram(opt)
        print(f"== {name} ({path}); onnxruntime {ort.__version__}")
        print(f"  file:      {sum(before.values())} nodes: " + ", ".join(f"{k} {v}" for k, v in sorted(before.items())))
        print(f"  optimised: {sum(after.values())} nodes: " + ", ".join(f"{k} {v}" for k, v in sorted(after.items())))
        for stage, hist in (("file", before), ("optimized", after)):
            rows.append((name, stage, "TOTAL", sum(hist.values())))
            rows.extend((name, stage, op, count) for op, count in sorted(hist.items()))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["model", "stage", "op", "count"])
            w.writerows(rows)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def bench(args):
    import numpy as np
    import onnxruntime as ort

    if len(args.triples) % 3:
        sys.exit("bench: give VARIANT ATTNZOO.onnx TORCH.onnx triples")
    out = []
    for i in range(0, len(args.triples), 3):
        variant, a_path, t_path = args.triples[i : i + 3]
        a, t = session(a_path, args.threads), session(t_path, args.threads)
        shape = [int(d) for d in a.get_inputs()[0].shape[1:]]
        for b in args.batches:
            x = np.random.default_rng(0).standard_normal([b] + shape).astype(np.float32)
            feeds = [(a, {a.get_inputs()[0].name: x}), (t, {t.get_inputs()[0].name: x})]
            ya, yt = (s.run(None, f)[0] for s, f in feeds)
            diff = float(np.abs(ya.astype(np.float64) - yt).max())
            for s, f in feeds * args.warmup:
                s.run(None, f)
            times = ([], [])
            load0 = loadavg()
            for _ in range(args.repeats):
                for k, (s, f) in enumerate(feeds):
                    t0 = time.perf_counter()
                    s.run(None, f)
                    times[k].append((time.perf_counter() - t0) * 1e3)
            ma, mt = (float(np.median(v)) for v in times)
            row = dict(variant=variant, batch=b, threads=args.threads, repeats=args.repeats,
                       attnzoo_ms=round(ma, 2), torch_ms=round(mt, 2), ratio=round(ma / mt, 3),
                       max_abs_diff=f"{diff:.2e}", load_before=load0, load_after=loadavg(),
                       onnxruntime=ort.__version__)
            out.append(row)
            print(",".join(str(v) for v in row.values()), flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(out[0]))
            w.writeheader()
            w.writerows(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("torch-export")
    e.add_argument("--model", required=True)
    e.add_argument("--weights", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--size", type=int, help="input side (default: the model's data config, else 224)")
    e.add_argument("--official", help="official conv2former.py (model = its function --model)")
    f = sub.add_parser("fusions")
    f.add_argument("--csv")
    f.add_argument("files", nargs="+", metavar="NAME=FILE")
    b = sub.add_parser("bench")
    b.add_argument("--csv")
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--repeats", type=int, default=40)
    b.add_argument("--warmup", type=int, default=5)
    b.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    b.add_argument("triples", nargs="+")
    args = p.parse_args()
    {"torch-export": torch_export, "fusions": fusions, "bench": bench}[args.cmd](args)


if __name__ == "__main__":
    main()
