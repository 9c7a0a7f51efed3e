#!/usr/bin/env python3
"""Reference run: the attnzoo Fashion-MNIST recipe in PyTorch/timm, for comparison with
`attnzoo train`. Same architecture (timm VisionTransformer with the variant's img_size, patch_size, width and depth,
in_chans=1), same data pipeline (bilinear resize 28->img_size when it differs, normalise,
pad-and-crop, horizontal flip), same recipe (AdamW with
no decay for ndim<=1 and tokens, cosine schedule with linear warm-up per step, label smoothing,
global-norm clipping). Writes a CSV of per-epoch metrics.

  /work/.refvenv/bin/python scripts/train_fashion_mnist_timm.py --epochs 20 --threads 2
  (vit_micro_patch4_32, the defaults)
  /work/.refvenv/bin/python scripts/train_fashion_mnist_timm.py --img-size 28 --depth 6 \
      --epochs 30 --lr 2e-3 --warmup-epochs 2 --padding 2   (vit_mini_patch4_28)
"""
import argparse
import csv
import gzip
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from timm.models.vision_transformer import VisionTransformer


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, path
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(root, split, size):
    prefix = "train" if split == "train" else "t10k"
    def find(kind):
        for ext in (".gz", ""):
            p = os.path.join(root, f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}-ubyte{ext}")
            if os.path.exists(p):
                return p
        raise FileNotFoundError(f"{prefix}-{kind} in {root}")
    x = torch.from_numpy(read_idx(find("images")).copy()).float().div_(255.0)
    y = torch.from_numpy(read_idx(find("labels")).astype(np.int64))
    x = x[:, None]
    if size != x.shape[-1]:
        # bilinear, half-pixel centres: as ImageSet.fit and the zoo translator's Resize
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        x = x.mul(255).round().clamp(0, 255).div(255)  # ImageSet stores 8-bit pixels
    return (x - 0.2860) / 0.3530, y


def augment(x, gen, pad):
    n, s = x.shape[0], x.shape[-1]
    background = (0 - 0.2860) / 0.3530  # zero padding before normalisation, as Augment
    padded = F.pad(x, (pad, pad, pad, pad), value=background)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    idx = torch.arange(s)
    rows = (dy[:, None] + idx[None]).view(n, 1, s, 1).expand(n, 1, s, s + 2 * pad)
    out = padded.gather(2, rows)
    cols = (dx[:, None] + idx[None]).view(n, 1, 1, s).expand(n, 1, s, s)
    out = out.gather(3, cols)
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-5)
    ap.add_argument("--warmup-epochs", type=float, default=1)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--drop-path", type=float, default=0.0)
    ap.add_argument("--img-size", type=int, default=32)
    ap.add_argument("--patch-size", type=int, default=4)
    ap.add_argument("--padding", type=int, default=4, help="pad-and-crop padding")
    ap.add_argument("--embed-dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--mlp-ratio", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-train", type=int, default=0, help="use only the first N training images")
    ap.add_argument("--csv", default="timm_fashion_mnist.csv")
    ap.add_argument("--count-only", action="store_true", help="print the parameter count and exit")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = VisionTransformer(img_size=args.img_size, patch_size=args.patch_size, in_chans=1, num_classes=10,
                              embed_dim=args.embed_dim, depth=args.depth, num_heads=args.heads,
                              mlp_ratio=args.mlp_ratio, drop_path_rate=args.drop_path)
    print("params", sum(p.numel() for p in model.parameters()))
    if args.count_only:
        return
    xtr, ytr = load(args.data, "train", args.img_size)
    xte, yte = load(args.data, "test", args.img_size)
    if args.max_train:
        xtr, ytr = xtr[: args.max_train], ytr[: args.max_train]
    no_decay_names = {"pos_embed", "cls_token", "dist_token"}
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 or name in no_decay_names else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = math.ceil(len(xtr) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warm = int(round(args.warmup_epochs * steps_per_epoch))

    def lr_at(step):
        if step < warm:
            return args.lr * (step + 1) / warm
        t = (step - warm) / max(1, total - warm)
        return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * t))

    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    rows = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        t0 = time.time()
        seen, loss_sum, correct = 0, 0.0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch_size : (i + 1) * args.batch_size]
            x, y = augment(xtr[idx], gen, args.padding), ytr[idx]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            out = model(x)
            loss = F.cross_entropy(out, y, label_smoothing=args.smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            step += 1
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == y).sum().item()
        train_s = time.time() - t0
        model.eval()
        test_correct, test_loss = 0, 0.0
        t1 = time.time()
        with torch.no_grad():
            for i in range(0, len(xte), 500):
                out = model(xte[i : i + 500])
                test_loss += F.cross_entropy(out, yte[i : i + 500], reduction="sum").item()
                test_correct += (out.argmax(1) == yte[i : i + 500]).sum().item()
        eval_s = time.time() - t1
        row = dict(epoch=epoch + 1, lr=lr_at(step - 1), train_loss=loss_sum / seen,
                   train_acc=correct / seen, test_loss=test_loss / len(xte),
                   test_acc=test_correct / len(xte), train_images_per_s=seen / train_s,
                   eval_images_per_s=len(xte) / eval_s, seconds=train_s + eval_s)
        rows.append(row)
        print(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
              flush=True)
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(row))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
