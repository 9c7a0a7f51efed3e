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

Other input sizes:
  --img-size H [W]        the model's img_size (H x W, or square); same as kwargs img_size
  --input-size H [W]      the input's size, for models without img_size (e.g. edgenext at 288)
  --weights-from JSON     the weights are drawn for the model built with these kwargs instead (e.g.
                          '{"img_size": 32}' or '{"img_size": 224, "window_size": 7}') and loaded
                          into the model through timm's checkpoint_filter_fn of the model's module,
                          as timm.create_model(..., pretrained=True) does; weights.safetensors holds
                          the un-resampled source weights
  --pos-embed S H W       no model: writes input.npy, a position embedding [1, 1 + S*S, C] (C from
                          --embed-dim) and timm.layers.resample_abs_pos_embed(x, (H, W)) with
                          antialias True (timm's checkpoint filter default) and False:
                          output_aa.npy, output_noaa.npy (float32), *_f64.npy (in float64)

Then compare with attnzoo:
  scripts/attnzoo run --variant swin_tiny_patch4_window7_224 --weights /tmp/swin_tiny/weights.safetensors \
      --input /tmp/swin_tiny/input.npy --output /tmp/swin_tiny/attnzoo.npy
  python scripts/compare_npy.py /tmp/swin_tiny/output_f64.npy /tmp/swin_tiny/attnzoo.npy
"""
import argparse
import json
import os
import sys
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
    p.add_argument("--model", help="timm model name (required unless --pos-embed)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--kwargs", default="{}", help="JSON kwargs for timm.create_model")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--img-size", type=int, nargs="+", help="H [W]: the model's img_size")
    p.add_argument("--input-size", type=int, nargs="+", help="H [W]: the input's size")
    p.add_argument("--weights-from", help="JSON kwargs of the model the weights are drawn for")
    p.add_argument("--pos-embed", type=int, nargs=3, metavar=("S", "H", "W"))
    p.add_argument("--embed-dim", type=int, default=8, help="channels of --pos-embed")
    args = p.parse_args()
    if args.pos_embed:
        return pos_embed_fixture(args)
    if not args.model:
        p.error("--model is required")

    kwargs = json.loads(args.kwargs)
    if args.img_size:
        if len(args.img_size) > 2:
            p.error("--img-size takes H or H W")
        kwargs["img_size"] = args.img_size[0] if len(args.img_size) == 1 else args.img_size
    torch.manual_seed(args.seed)
    model = timm.create_model(args.model, pretrained=False, **kwargs).eval()
    source = None
    if args.weights_from:
        source_kwargs = {**kwargs, **json.loads(args.weights_from)}
        torch.manual_seed(args.seed)
        source = timm.create_model(args.model, pretrained=False, **source_kwargs).eval()
        randomise(source, args.seed)
        filter_fn = sys.modules[type(model).__module__].checkpoint_filter_fn
        model.load_state_dict(filter_fn(source.state_dict(), model))
    else:
        randomise(model, args.seed)
    cfg = model.pretrained_cfg
    size = kwargs.get("img_size", cfg.get("input_size", (3, 224, 224))[1:])
    if args.input_size:
        size = args.input_size
    if isinstance(size, int) or len(size) == 1:
        size = (size, size) if isinstance(size, int) else (size[0], size[0])
    chans = kwargs.get("in_chans", 3)
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randn((args.batch, chans, *size), generator=gen)

    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        y32 = model(x)
        y64 = model.double()(x.double())
    saved = (source if source is not None else model).float()
    state = {k: v.detach().contiguous() for k, v in saved.state_dict().items()}
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
    save_file(state, os.path.join(args.out, "weights.safetensors"))
    np.save(os.path.join(args.out, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "output.npy"), y32.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "output_f64.npy"), y64.numpy())
    meta = {
        "timm_model": args.model,
        "kwargs": kwargs,
        "weights_from": json.loads(args.weights_from) if args.weights_from else None,
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


def pos_embed_fixture(args):
    """timm's resample_abs_pos_embed on a random [1, 1 + S*S, C] embedding with one prefix token."""
    from timm.layers import resample_abs_pos_embed

    side, h, w = args.pos_embed
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randn((1, 1 + side * side, args.embed_dim), generator=gen) * 0.5
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "input.npy"), x.numpy())
    outputs = {}
    for name, aa in (("output_aa", True), ("output_noaa", False)):
        y = resample_abs_pos_embed(x, new_size=[h, w], num_prefix_tokens=1, antialias=aa)
        np.save(os.path.join(args.out, name + ".npy"), y.numpy())
        # timm casts to float32 before interpolating: the same steps in float64 for the judge
        grid = x.double()[:, 1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
        grid = torch.nn.functional.interpolate(grid, size=(h, w), mode="bicubic", antialias=aa)
        y64 = torch.cat([x.double()[:, :1], grid.permute(0, 2, 3, 1).reshape(1, h * w, -1)], dim=1)
        np.save(os.path.join(args.out, name + "_f64.npy"), y64.numpy())
        outputs[name] = {"antialias": aa, "shape": list(y.shape),
                         "f32_vs_f64_max_abs": float((y.double() - y64).abs().max())}
    meta = {
        "call": f"resample_abs_pos_embed(x, new_size=[{h}, {w}], num_prefix_tokens=1,"
        " interpolation='bicubic', antialias=...)",
        "seed": args.seed,
        "input_shape": list(x.shape),
        "outputs": outputs,
        "versions": {"torch": torch.__version__, "timm": timm.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
