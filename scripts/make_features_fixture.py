"""Reference feature maps of timm's features_only models, for FeatureMapsParityTest.

For each fixture model (its timm name and arguments in meta.json, its random weights in
weights.safetensors), builds the timm model as timm.create_model(..., features_only=True) builds it
(the model with the fixture's weights, wrapped in timm's FeatureListNet with the family's
feature_cfg), runs input.npy in float64 and writes features_f64.safetensors: feature0..featureN in
the layout timm returns (NCHW, or NHWC where the model declares output_fmt NHWC, as Swin does).

usage: python scripts/make_features_fixture.py zoo/src/test/resources/fixtures/models/swin_micro ...
"""
import json
import sys
from pathlib import Path

import numpy as np
import timm
import torch
from safetensors.numpy import save_file
from safetensors.torch import load_file
from timm.models._features import FeatureListNet

# timm 1.0.29's feature_cfg of these families (_create_swin_transformer, _create_edgenext).
FEATURE_CFG = {
    "swin_tiny_patch4_window7_224": dict(flatten_sequential=True, out_indices=(0, 1, 2, 3)),
    "edgenext_xx_small": dict(flatten_sequential=True, out_indices=(0, 1, 2, 3)),
}


def main(dirs):
    for d in map(Path, dirs):
        meta = json.loads((d / "meta.json").read_text())
        model = timm.create_model(meta["timm_model"], pretrained=False, **meta["kwargs"])
        model.load_state_dict(load_file(d / "weights.safetensors"))
        model = model.double().eval()
        cfg = dict(FEATURE_CFG[meta["timm_model"]])
        fmt = getattr(model, "output_fmt", None)
        if fmt is not None:
            cfg["output_fmt"] = fmt
        features = FeatureListNet(model, **cfg).eval()
        x = torch.from_numpy(np.load(d / "input.npy")).double()
        with torch.no_grad():
            maps = features(x)
        # contiguous: safetensors writes the raw buffer, and some maps come with channels-last strides
        out = {f"feature{i}": np.ascontiguousarray(m.numpy()) for i, m in enumerate(maps)}
        save_file(out, str(d / "features_f64.safetensors"))
        print(d.name, fmt or "NCHW", {k: v.shape for k, v in out.items()})


if __name__ == "__main__":
    main(sys.argv[1:])
