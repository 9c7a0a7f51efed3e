#!/usr/bin/env python3
"""The Python half of scripts/bench_paths.sh: forward latency of one model along four paths, in one
process, calls interleaved.

  bench_paths.py time --dir DIR [--threads 2] [--iters 15] [--warmup 3] VARIANT:BATCH...
      DIR holds PathsExport's files (V.safetensors, V.onnx, V-int8.onnx, same weights). Sides:
      timm         timm eager, the weights loaded from V.safetensors, torch.inference_mode
      torch_ort    the same timm model through torch.onnx.export (TorchScript exporter, opset 17)
                   on ONNX Runtime
      attnzoo_ort  attnzoo's float ONNX export on ONNX Runtime
      attnzoo_int8 attnzoo's dynamic int8 export on ONNX Runtime
      Each round calls every side once on the same input, in a random order drawn every round, so
      a change of load hits all sides alike; ORT's threads do not spin between calls. Prints side,variant,batch,median_ms,p10_ms,p90_ms and a
      "check" line per job: max |attnzoo_ort - timm| (the weights are the same model's).

  bench_paths.py summarize CSV OUT_MD
      The table of bench_paths.sh's CSV: per side, variant and batch the median over the passes.
"""
import argparse
import csv
import os
import random
import statistics
import sys
import time


def time_paths(a):
    import numpy as np
    import onnxruntime as ort
    import timm
    import torch
    from safetensors.torch import load_file

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # ORT's intra-op threads spin after each run by default; in a process that interleaves other
    # work the spinning threads take the cores from the next call (measured here: timm eager 2-3x
    # slower after an ORT call, and whichever ORT session ran second ~20% slower). Off for all.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")

    def session(path):
        return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

    for job in a.jobs:
        name, _, batch = job.partition(":")
        batch = int(batch or 1)
        model = timm.create_model(name, pretrained=False).eval()
        model.load_state_dict(load_file(os.path.join(a.dir, name + ".safetensors")))
        c, h, w = model.pretrained_cfg["input_size"]
        x = torch.randn(batch, c, h, w, generator=torch.Generator().manual_seed(batch))
        torch_onnx = os.path.join(a.dir, name + "-torch.onnx")
        if not os.path.exists(torch_onnx):
            torch.onnx.export(model, x, torch_onnx, opset_version=17, input_names=["input"],
                              output_names=["output"], dynamo=False,
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        sessions = {
            "torch_ort": session(torch_onnx),
            "attnzoo_ort": session(os.path.join(a.dir, name + ".onnx")),
            "attnzoo_int8": session(os.path.join(a.dir, name + "-int8.onnx")),
        }
        xn = x.numpy()

        def eager():
            with torch.inference_mode():
                return model(x).numpy()

        calls = {"timm": eager}
        for side, s in sessions.items():
            calls[side] = lambda s=s: s.run(None, {s.get_inputs()[0].name: xn})[0]
        ref = eager()
        diff = float(np.abs(calls["attnzoo_ort"]() - ref).max())
        int8 = float(np.abs(calls["attnzoo_int8"]() - ref).max())
        print(f"check,{name},{batch},attnzoo_ort_vs_timm={diff:.2e},attnzoo_int8_vs_timm={int8:.2e}",
              flush=True)
        sides = list(calls)
        times = {s: [] for s in sides}
        order = random.Random(batch)
        for r in range(a.warmup + a.iters):
            # A fresh random order each round: every side follows every other equally often in
            # expectation (a fixed rotation put attnzoo_ort after torch_ort in 3 rounds of 4).
            for side in order.sample(sides, len(sides)):
                t0 = time.perf_counter()
                calls[side]()
                t1 = time.perf_counter()
                if r >= a.warmup:
                    times[side].append((t1 - t0) * 1e3)
        for side in sides:
            t = sorted(times[side])
            n = len(t)
            print(f"{side},{name},{batch},{t[n // 2]:.3f},{t[n // 10]:.3f},{t[n * 9 // 10]:.3f}",
                  flush=True)


def summarize(csv_path, out_md):
    rows = list(csv.DictReader(open(csv_path)))
    by = {}
    for r in rows:
        by.setdefault((r["variant"], int(r["batch"])), {}).setdefault(r["side"], []).append(
            float(r["median_ms"]))
    sides = ["timm", "torch_ort", "attnzoo_pytorch", "attnzoo_ort", "attnzoo_int8"]
    # The ratios the speed targets are stated in: attnzoo's ONNX against torch.onnx's on the same
    # runtime; the default path (--engine auto: the faster of attnzoo's two engines, as AutoEngine
    # picks from these measurements) and the PyTorch engine against timm eager; int8 against float.
    ratios = [("attnzoo_ort / torch_ort", "attnzoo_ort", "torch_ort"),
              ("auto / timm", "auto", "timm"),
              ("attnzoo_pytorch / timm", "attnzoo_pytorch", "timm"),
              ("int8 / float ORT", "attnzoo_int8", "attnzoo_ort")]
    head = ["variant", "batch"] + [s + " ms" for s in sides] + [r[0] for r in ratios]
    lines = ["| " + " | ".join(head) + " |",
             "|---|---:|" + "---:|" * (len(sides) + len(ratios))]
    nan = float("nan")
    for (variant, batch), per in sorted(by.items()):
        med = {s: statistics.median(v) for s, v in per.items()}
        med["auto"] = min(med.get("attnzoo_pytorch", nan), med.get("attnzoo_ort", nan))
        cells = [f"`{variant}`", str(batch)] + [f"{med[s]:.1f}" if s in med else "-" for s in sides]
        cells += [f"{med.get(a, nan) / med.get(b, nan):.2f}" for _, a, b in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    with open(out_md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("time")
    t.add_argument("--dir", required=True)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--iters", type=int, default=15)
    t.add_argument("--warmup", type=int, default=3)
    t.add_argument("jobs", nargs="+")
    s = sub.add_parser("summarize")
    s.add_argument("csv")
    s.add_argument("out_md")
    a = p.parse_args()
    if a.cmd == "time":
        time_paths(a)
    else:
        summarize(a.csv, a.out_md)


if __name__ == "__main__":
    sys.exit(main())
