#!/usr/bin/env python3
"""timm eager forward latency (median over timed calls after warm-up), same CSV as attnzoo's
LatencyBenchmark: variant,batch,median_ms,p10_ms,p90_ms. Usage: bench_timm.py [--threads 2] VARIANT:BATCH..."""
import argparse
import time

import torch
import timm

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--iters", type=int, default=30)
p.add_argument("--warmup", type=int, default=10)
p.add_argument("--kwargs", default="{}", help="JSON kwargs for timm.create_model (all jobs)")
p.add_argument("jobs", nargs="+")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.set_num_interop_threads(1)
import json

for job in a.jobs:
    name, _, batch = job.partition(":")
    batch = int(batch or 1)
    model = timm.create_model(name, pretrained=False, **json.loads(a.kwargs)).eval()
    c, h, w = model.pretrained_cfg["input_size"]
    times = []
    with torch.inference_mode():
        for i in range(a.warmup + a.iters):
            x = torch.randn(batch, c, h, w)
            t0 = time.perf_counter()
            model(x)
            t1 = time.perf_counter()
            if i >= a.warmup:
                times.append((t1 - t0) * 1e3)
    times.sort()
    n = len(times)
    print(f"{name},{batch},{times[n // 2]:.3f},{times[n // 10]:.3f},{times[n * 9 // 10]:.3f}")
