#!/usr/bin/env python3
"""Make a parity fixture from the official Conv2Former code (HVision-NKU/Conv2Former, Apache-2.0).

Conv2Former is not in timm. This loads the official models/conv2former.py from a checkout, builds
Conv2Former(**kwargs) with a fixed seed, redraws every floating tensor as make_fixture.py does, runs
a fixed input in eval mode and writes the same files as make_fixture.py (weights with the official
key names, input, float32 and float64 outputs, meta.json).

Usage (with torch + timm, which the official file imports):
  python scripts/make_conv2former_fixture.py --official /path/to/Conv2Former/models/conv2former.py \
      --out /tmp/conv2former_micro \
      --kwargs '{"kernel_size": 7, "dims": [16, 32, 48, 64], "depths": [1, 1, 2, 1]}' \
      [--img-size 64] [--batch 2] [--seed 1]
"""
import argparse
import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import torch
from safetensors.torch import save_file

from make_fixture import randomise


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--official", required=True, help="path of the official models/conv2former.py")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--kwargs", required=True, help="JSON kwargs for Conv2Former(...)")
    p.add_argument("--img-size", type=int, default=64)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    warnings.filterwarnings("ignore")
    spec = importlib.util.spec_from_file_location("conv2former_official", args.official)
    official = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = official
    spec.loader.exec_module(official)

    kwargs = json.loads(args.kwargs)
    torch.manual_seed(args.seed)
    model = official.Conv2Former(**kwargs).eval()
    randomise(model, args.seed)
    chans = kwargs.get("in_chans", 3)
    gen = torch.Generator().manual_seed(args.seed)
    x = torch.randn((args.batch, chans, args.img_size, args.img_size), generator=gen)

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
        "module": "official Conv2Former (HVision-NKU/Conv2Former models/conv2former.py)",
        "kwargs": kwargs,
        "call": "out = Conv2Former(**kwargs).eval()(x)  # x [B,3,H,W], logits",
        "seed": args.seed,
        "randomization": "scripts/make_fixture.py randomise()",
        "input_shape": list(x.shape),
        "output_shape": list(y32.shape),
        "num_params": sum(t.numel() for t in model.parameters()),
        "f32_vs_f64_max_abs": float((y32.double() - y64).abs().max()),
        "versions": {"torch": torch.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
