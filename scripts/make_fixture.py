#!/usr/bin/env python3
"""Make a parity fixture from timm: weights, input and the reference output.

Builds a timm model with a fixed seed, draws every floating parameter and buffer anew (so a wrong
key mapping, a missing layer scale or a transposed weight shows up as a large error), runs a fixed
input in eval mode and writes:

  OUT/weights.safetensors  the state_dict with timm's key names (float32)
  OUT/input.npy            the input, float32 [B, C, H, W]
  OUT/output.npy           timm's output in float32
  OUT/output_f64.npy       the same weights and input computed in float64 (judge against this)
  OUT/meta.json            model name, kwargs, seed, versions

Usage (with torch + timm, e.g. the venv of shared/reference/setup-venv.sh):
  python scripts/make_fixture.py --model swin_tiny_patch4_window7_224 --out /tmp/swin_tiny \
      [--kwargs '{"img_size": 64}'] [--batch 2] [--seed 1]

Then compare with attnzoo:
  scripts/attnzoo run --variant swin_tiny_patch4_window7_224 --weights /tmp/swin_tiny/weights.safetensors \
      --input /tmp/swin_tiny/input.npy --output /tmp/swin_tiny/attnzoo.npy
  python scripts/compare_npy.py /tmp/swin_tiny/output_f64.npy /tmp/swin_tiny/attnzoo.npy
"""
import argparse
import json
import os
import zlib

import numpy as np
import torch
import timm
from safetensors.torch import save_file


def randomise(model, seed):
    """Draws each floating tensor of the state_dict from a distribution fitting its role."""
    state = model.state_dict()
    for key, value in state.items():
        if not value.is_floating_point():
            continue
        gen = torch.Generator().manual_seed(zlib.crc32(f"{seed}:{key}".encode()))
        shape, leaf = value.shape, key.rsplit(".", 1)[-1]
        if key.endswith("running_var"):
            new = torch.rand(shape, generator=gen) * 1.5 + 0.5
        elif key.endswith("running_mean"):
            new = torch.randn(shape, generator=gen) * 0.3
        elif "norm" in key.lower() and leaf == "weight" and value.ndim == 1:
            new = torch.rand(shape, generator=gen) * 0.8 + 0.6
        elif leaf in ("gamma",) or "layer_scale" in key or ".ls" in key:
            new = torch.rand(shape, generator=gen) * 0.7 + 0.3
        elif "temperature" in key:
            new = torch.rand(shape, generator=gen) * 1.5 + 0.5
        elif "relative_position_bias_table" in key:
            new = torch.randn(shape, generator=gen)
        elif leaf == "bias":
            new = torch.randn(shape, generator=gen) * 0.2
        elif "pos_embed" in key or "token" in key:
            new = torch.randn(shape, generator=gen) * 0.5
        elif value.ndim >= 2:
            fan_in = int(np.prod(shape[1:]))
            new = torch.randn(shape, generator=gen) / np.sqrt(fan_in)
        else:
            new = torch.randn(shape, generator=gen) * 0.5
        state[key] = new.to(value.dtype)
    model.load_state_dict(state)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="timm model name")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--kwargs", default="{}", help="JSON kwargs for timm.create_model")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    kwargs = json.loads(args.kwargs)
    torch.manual_seed(args.seed)
    model = timm.create_model(args.model, pretrained=False, **kwargs).eval()
    randomise(model, args.seed)
    cfg = model.pretrained_cfg
    size = kwargs.get("img_size", cfg.get("input_size", (3, 224, 224))[1:])
    if isinstance(size, int):
        size = (size, size)
    chans = kwargs.get("in_chans", 3)
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randn((args.batch, chans, *size), generator=gen)

    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        y32 = model(x)
        y64 = model.double()(x.double())
    state = {k: v.detach().contiguous() for k, v in model.float().state_dict().items()}
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    save_file(state, os.path.join(args.out, "weights.safetensors"))
    np.save(os.path.join(args.out, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "output.npy"), y32.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "output_f64.npy"), y64.numpy())
    meta = {
        "timm_model": args.model,
        "kwargs": kwargs,
        "seed": args.seed,
        "input_shape": list(x.shape),
        "output_shape": list(y32.shape),
        "num_params": sum(t.numel() for t in model.parameters()),
        "f32_vs_f64_max_abs": float((y32.double() - y64).abs().max()),
        "versions": {"torch": torch.__version__, "timm": timm.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
