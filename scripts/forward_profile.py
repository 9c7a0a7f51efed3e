#!/usr/bin/env python3
"""Operator-level profile of one inference forward: timm eager against attnzoo on DJL's PyTorch
engine (bench ForwardProfile writes its libtorch traces), same variant, batch and threads.

  forward_profile.py timm --out DIR --batch B --calls K [--threads 2] VARIANT...
      writes DIR/<variant>-b<B>-timm.json (torch.profiler chrome trace, inference_mode)
  forward_profile.py compare DIR VARIANT... [--batch B] [--calls K]
      per variant: ATen operators per forward and their time, attnzoo vs timm; top-level ops only
      (an op called inside another, such as aten::addmm inside aten::linear, counts in its parent)
"""
import argparse
import collections
import json
import os
import sys

# Ops that move or allocate memory without computing anything the model needs.
OVERHEAD = ("aten::copy_", "aten::contiguous", "aten::clone", "aten::to", "aten::_to_copy",
            "aten::empty", "aten::empty_strided", "aten::zeros", "aten::ones", "aten::full",
            "aten::scalar_tensor", "aten::lift_fresh", "aten::detach", "aten::expand",
            "aten::as_strided", "aten::view", "aten::reshape", "aten::_unsafe_view",
            "aten::transpose", "aten::permute", "aten::slice", "aten::select", "aten::unbind",
            "aten::split", "aten::chunk", "aten::squeeze", "aten::unsqueeze", "aten::t",
            "aten::flatten", "aten::narrow", "aten::item", "aten::_local_scalar_dense")


def timm_trace(a):
    import timm
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    for name in a.variants:
        model = timm.create_model(name, pretrained=False).eval()
        c, h, w = model.pretrained_cfg["input_size"]
        with torch.inference_mode():
            for _ in range(10):
                model(torch.randn(a.batch, c, h, w))
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                        record_shapes=True) as prof:
                for _ in range(a.calls):
                    model(torch.randn(a.batch, c, h, w))
        path = os.path.join(a.out, f"{name}-b{a.batch}-timm.json")
        prof.export_chrome_trace(path)
        print("wrote", path)


def top_level_ops(path):
    """(name, duration_us) of every operator event not nested in another on the same thread."""
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    ops = [e for e in events if e.get("ph") == "X" and str(e.get("name", "")).startswith("aten::")]
    by_thread = collections.defaultdict(list)
    for e in ops:
        by_thread[e.get("tid")].append(e)
    out = []
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        end = -1.0
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            if ts >= end:  # not inside the last top-level op
                out.append((e["name"], dur))
                end = ts + dur
    return out


def compare(a):
    rows = []
    for name in a.variants:
        sides = {}
        for side in ("timm", "attnzoo"):
            path = os.path.join(a.dir, f"{name}-b{a.batch}-{side}.json")
            ops = top_level_ops(path)
            count = collections.Counter(n for n, _ in ops)
            time = collections.Counter()
            for n, d in ops:
                time[n] += d
            sides[side] = (count, time)
        tc, tt = sides["timm"]
        ac, at = sides["attnzoo"]
        k = a.calls
        print(f"\n## {name}, batch {a.batch} (per forward; {k} forwards profiled)\n")
        print("| op | timm calls | attnzoo calls | timm ms | attnzoo ms |")
        print("|---|---:|---:|---:|---:|")
        names = sorted(set(tc) | set(ac), key=lambda n: -(at[n] + tt[n]))
        for n in names[:25]:
            print(f"| `{n}` | {tc[n] / k:.0f} | {ac[n] / k:.0f} | {tt[n] / k / 1e3:.2f} | "
                  f"{at[n] / k / 1e3:.2f} |")
        def summary(c, t):
            ops = sum(c.values()) / k
            over = sum(c[n] for n in OVERHEAD) / k
            over_ms = sum(t[n] for n in OVERHEAD) / k / 1e3
            total = sum(t.values()) / k / 1e3
            return ops, over, over_ms, total
        s_t, s_a = summary(tc, tt), summary(ac, at)
        print(f"\ntop-level ops per forward: timm {s_t[0]:.0f}, attnzoo {s_a[0]:.0f}; layout/copy/"
              f"allocation ops: timm {s_t[1]:.0f} ({s_t[2]:.2f} ms), attnzoo {s_a[1]:.0f} "
              f"({s_a[2]:.2f} ms); time inside ops: timm {s_t[3]:.2f} ms, attnzoo {s_a[3]:.2f} ms")
        rows.append((name, *s_t, *s_a))
    print("\n| variant | ops timm | ops attnzoo | layout/copy ops timm | attnzoo | their ms timm | "
          "attnzoo | ms in ops timm | attnzoo |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| `{r[0]}` | {r[1]:.0f} | {r[5]:.0f} | {r[2]:.0f} | {r[6]:.0f} | {r[3]:.2f} | "
              f"{r[7]:.2f} | {r[4]:.2f} | {r[8]:.2f} |")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("timm")
    t.add_argument("--out", required=True)
    t.add_argument("--batch", type=int, default=1)
    t.add_argument("--calls", type=int, default=5)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("variants", nargs="+")
    c = sub.add_parser("compare")
    c.add_argument("dir")
    c.add_argument("variants", nargs="+")
    c.add_argument("--batch", type=int, default=1)
    c.add_argument("--calls", type=int, default=5)
    a = p.parse_args()
    timm_trace(a) if a.cmd == "timm" else compare(a)


if __name__ == "__main__":
    sys.exit(main())
