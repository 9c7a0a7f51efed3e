#!/usr/bin/env python3
"""Block fixtures for the padded cases of Swin (timm 1.0.29), in the format of make_fixture.py.

  blocks/swin_block_pad            SwinTransformerBlock(dim=16, input_resolution=(6, 10), num_heads=2,
                                   window_size=4, shift_size=2): padded to 8x12 after the shift
  blocks/swin_patch_merging_odd    PatchMerging(dim=16) on a 5x7 map: zero-padded to 6x8

Usage: python scripts/swin_block_fixtures.py OUT_ROOT   (e.g. zoo/src/test/resources/fixtures)
"""
import json
import os
import sys

import numpy as np
import torch
import timm
from safetensors.torch import save_file
from timm.models.swin_transformer import PatchMerging, SwinTransformerBlock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixture import randomise  # noqa: E402


def write(root, name, module, x, kwargs, call, seed):
    out = os.path.join(root, "blocks", name)
    os.makedirs(out, exist_ok=True)
    module.eval()
    randomise(module, seed)
    with torch.no_grad():
        y64 = module.double()(x.double())
    state = {k: v.detach().float().contiguous() for k, v in module.float().state_dict().items()}
    save_file(state, os.path.join(out, "weights.safetensors"))
    np.save(os.path.join(out, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, "output_f64.npy"), y64.numpy())
    meta = {
        "id": name,
        "module": type(module).__module__ + "." + type(module).__name__,
        "kwargs": kwargs,
        "call": call,
        "seed": seed,
        "input_shape": list(x.shape),
        "output_shape": list(y64.shape),
        "made_by": "scripts/swin_block_fixtures.py (randomisation of scripts/make_fixture.py)",
        "versions": {"torch": torch.__version__, "timm": timm.__version__},
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(name, list(y64.shape))


def main():
    root = sys.argv[1]
    gen = torch.Generator().manual_seed(11)
    kw = dict(dim=16, input_resolution=(6, 10), num_heads=2, window_size=4, shift_size=2)
    write(root, "swin_block_pad", SwinTransformerBlock(**kw), torch.randn((2, 6, 10, 16), generator=gen),
          {**kw, "input_resolution": [6, 10]}, "out = module(x)  # x [B,H,W,C] channels-last", 11)
    write(root, "swin_patch_merging_odd", PatchMerging(dim=16), torch.randn((2, 5, 7, 16), generator=gen),
          {"dim": 16}, "out = module(x)  # x [B,H,W,C] -> [B,ceil(H/2),ceil(W/2),2C]", 12)


if __name__ == "__main__":
    main()
