#!/usr/bin/env python3
"""Reference for vit_tiny_patch16_224_hydra (timm has no Hydra ViT): timm's ViT with every
attention replaced by the Hydra paper's listing (Bolya et al., 2022; F.normalize, eps 1e-12),
loaded with the random weights of a make_fixture.py ViT fixture whose attn.proj is renamed
attn.out (attnzoo's HydraAttention layout), run in float64.

  python scripts/make_fixture.py --model vit_tiny_patch16_224 --out SRC --batch 8
  python scripts/hydra_vit_reference.py SRC OUT
writes OUT/weights.safetensors, OUT/input.npy, OUT/input1.npy, OUT/ref_f64.npy, OUT/ref1_f64.npy.
"""
import os
import sys

import numpy as np
import timm
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file


class Hydra(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, **kwargs):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        return self.out(q * (k * v).sum(dim=-2, keepdim=True))


def main(src, out):
    os.makedirs(out, exist_ok=True)
    sd = load_file(os.path.join(src, "weights.safetensors"))
    sd = {k.replace(".attn.proj.", ".attn.out."): v for k, v in sd.items()}
    save_file(sd, os.path.join(out, "weights.safetensors"))
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False)
    for block in model.blocks:
        block.attn = Hydra(model.embed_dim)
    model.load_state_dict(sd)
    model = model.double().eval()
    x = np.load(os.path.join(src, "input.npy"))
    with torch.no_grad():
        y = model(torch.from_numpy(x).double()).numpy()
    np.save(os.path.join(out, "input.npy"), x)
    np.save(os.path.join(out, "input1.npy"), x[:1])
    np.save(os.path.join(out, "ref_f64.npy"), y)
    np.save(os.path.join(out, "ref1_f64.npy"), y[:1])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
