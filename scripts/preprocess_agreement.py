#!/usr/bin/env python3
"""attnzoo vs timm on images: preprocessed tensors and top-5 classes, one variant per family.

For each variant: builds the reference model with its own initialisation (timm.create_model, or
the official Conv2Former code), seed 0, then multiplies every Linear layer with 1000 outputs (the
classifier; SwiftFormer's two heads) by a factor s chosen so that the logits of the first photo
have a standard deviation of 4 (random-init logits are nearly flat; the top-5 ranking does not
change, the printed probabilities become distinct). Saves the weights as .safetensors, then per photo:

  - timm's pipeline: create_transform(**resolve_data_config(model=m))(Image.open(f).convert('RGB')),
    the model's top-5;
  - `attnzoo preprocess`: max and mean |difference| to timm's tensor, in pixel levels (x std x 255);
  - `attnzoo predict`: its top-5 class names against timm's.

Writes a CSV (one row per variant and photo) and prints a Markdown summary per variant.

Usage (venv of shared/reference/setup-venv.sh):
  python scripts/preprocess_agreement.py --attnzoo scripts/attnzoo \
      --photos zoo/src/test/resources/preprocessing/photos --out results/preprocess-agreement.csv \
      [--conv2former-official /path/to/Conv2Former/models/conv2former.py]
"""
import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import timm
import torch
from PIL import Image
from safetensors.torch import save_file
from timm.data import create_transform, resolve_data_config

FAMILIES = ["vit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "edgenext_xx_small",
            "swiftformer_xs", "efficientvit_b0"]


def labels():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "zoo", "src", "main", "resources", "labels", "imagenet-1k.txt")
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def official_conv2former(path):
    spec = importlib.util.spec_from_file_location("conv2former_official", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["conv2former_official"] = mod
    spec.loader.exec_module(mod)
    return mod


def build(name, c2f):
    torch.manual_seed(0)
    if name.startswith("conv2former"):
        m = getattr(c2f, name)()
        cfg = resolve_data_config({}, pretrained_cfg=m.default_cfg)
    else:
        m = timm.create_model(name, pretrained=False)
        cfg = resolve_data_config({}, model=m)
    return m.eval(), cfg


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--attnzoo", required=True)
    p.add_argument("--photos", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--conv2former-official")
    p.add_argument("--variants", nargs="*", default=FAMILIES)
    a = p.parse_args()
    warnings.filterwarnings("ignore")
    names = labels()
    photos = sorted(os.path.join(a.photos, f) for f in os.listdir(a.photos))
    variants = list(a.variants)
    c2f = None
    if a.conv2former_official:
        c2f = official_conv2former(a.conv2former_official)
        variants.append("conv2former_n")
    tmp = tempfile.mkdtemp(prefix="attnzoo-agree-")
    rows = []
    for v in variants:
        model, cfg = build(v, c2f)
        t = create_transform(**cfg)
        xs = [t(Image.open(f).convert("RGB")).unsqueeze(0) for f in photos]
        heads = [mod for mod in model.modules()
                 if isinstance(mod, torch.nn.Linear) and mod.out_features == 1000]
        with torch.no_grad():
            s = 4.0 / float(model(xs[0]).std())
            for h in heads:
                h.weight.mul_(s)
                h.bias.mul_(s)
        weights = os.path.join(tmp, v + ".safetensors")
        save_file({k: t_.contiguous() for k, t_ in model.state_dict().items()}, weights)
        out = subprocess.run([a.attnzoo, "predict", "--variant", v, "--weights", weights] + photos,
                             capture_output=True, text=True, check=True).stdout.splitlines()
        for f, x, line in zip(photos, xs, out):
            npy = os.path.join(tmp, "x.npy")
            subprocess.run([a.attnzoo, "preprocess", "--variant", v, "--output", npy, f],
                           capture_output=True, check=True)
            mine = torch.from_numpy(np.load(npy))
            std = torch.tensor(cfg["std"]).view(1, 3, 1, 1)
            levels = ((mine - x).abs() * std * 255)
            with torch.no_grad():
                ref = [names[i] for i in model(x)[0].topk(5).indices.tolist()]
            parts = line.split("  ")
            assert parts[0] == os.path.basename(f), (parts[0], f)
            got = [q.rsplit(" ", 1)[0] for q in parts[1:6]]
            rows.append({
                "variant": v, "photo": os.path.basename(f), "head_scale": f"{s:.1f}",
                "max_levels": f"{float(levels.max()):.4f}", "mean_levels": f"{float(levels.mean()):.6f}",
                "top1_same": int(got[0] == ref[0]), "top5_shared": len(set(got) & set(ref)),
                "top5_same_order": int(got == ref), "timm_top5": "|".join(ref), "attnzoo_top5": "|".join(got),
            })
            print(rows[-1], flush=True)
    with open(a.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("\n| variant | photos | max diff (levels) | mean diff (levels) | top-1 same | top-5 shared | top-5 same order | head scale |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for v in variants:
        r = [x for x in rows if x["variant"] == v]
        print(f"| `{v}` | {len(r)} | {max(float(x['max_levels']) for x in r):.4g} "
              f"| {np.mean([float(x['mean_levels']) for x in r]):.4g} "
              f"| {sum(x['top1_same'] for x in r)}/{len(r)} | {sum(x['top5_shared'] for x in r)}/{5 * len(r)} "
              f"| {sum(x['top5_same_order'] for x in r)}/{len(r)} | {r[0]['head_scale']} |")


if __name__ == "__main__":
    main()
