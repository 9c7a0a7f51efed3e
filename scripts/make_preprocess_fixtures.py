#!/usr/bin/env python3
"""Make the preprocessing and decoding fixtures from timm 1.0.29 / torchvision / PIL.

Writes under zoo/src/test/resources/preprocessing/ (default OUT):

  data_configs.csv       every published variant's pretrained_cfg as timm resolves it
                         (resolve_data_config), plus test_input_size / test_crop_pct where the
                         pretrained_cfg has them; Conv2Former from its official code, which sets
                         `model.default_cfg = _cfg()` with timm's vision_transformer._cfg
  photos/*               the photos the transform is tested on (copied / cropped from SRC, the
                         skimage sample data, plus synthetic ones)
  transform.npz          per photo and per (size, crop_pct): the uint8 [3, H, W] image that
                         timm's eval transform hands to ToTensor (its transforms minus the last two);
                         the script checks that timm's full float output equals
                         (x / 255 - mean) / std of it, so the uint8 array is the tensor
  normalize.npz          ToTensor + Normalize of the 256 byte values, for each mean/std in use
  training/.../preprocess the `attnzoo preprocess` test: one photo, timm's float32 tensor (.npy.gz)
                         for vit_tiny_patch16_224, and for edgenext_xx_small at its test size
                         (resolve_data_config(use_test_size=True): 288, crop_pct 1.0)
  decode/*               small files in many formats (YCCK made by patching PIL's CMYK output), and decode.npz with PIL's
                         Image.open(f).convert('RGB') of each (and exif_transpose for the EXIF one)

Usage (venv of shared/reference/setup-venv.sh; SRC holds chelsea.png, rocket.jpg, coffee.png,
astronaut.png from Debian's python3-skimage, e.g. `apt-get download python3-skimage; dpkg -x`):
  python scripts/make_preprocess_fixtures.py --src /tmp/skimage/data [--out DIR]
Without --src, only data_configs.csv and the `attnzoo preprocess` fixtures are rewritten (from the
committed photos).
"""
import argparse
import csv
import io
import os
import struct
import zlib

import numpy as np
import timm
import torch
from PIL import Image, ImageOps
from timm.data import create_transform, resolve_data_config
from timm.models.vision_transformer import _cfg as vit_cfg

PUBLISHED = [
    "vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224",
    "swin_tiny_patch4_window7_224", "swin_small_patch4_window7_224", "swin_base_patch4_window7_224",
    "edgenext_xx_small", "edgenext_x_small", "edgenext_small", "edgenext_base",
    "swiftformer_xs", "swiftformer_s", "swiftformer_l1", "swiftformer_l3",
    "efficientvit_b0", "efficientvit_b1", "efficientvit_b2", "efficientvit_b3",
]
# The fine-tuned-size rows: in data_configs.csv, not in transform.npz (the transform at crop 1.0 is
# checked by the edgenext_xx_small test-size fixture of `attnzoo preprocess`).
FINE_TUNED = [
    "vit_tiny_patch16_384", "vit_small_patch16_384", "vit_base_patch16_384",
    "swin_base_patch4_window12_384",
]
CONV2FORMER = ["conv2former_n", "conv2former_t", "conv2former_s", "conv2former_b"]


def data_configs():
    rows = []
    for name in PUBLISHED + FINE_TUNED:
        m = timm.create_model(name, pretrained=False)
        rows.append((name, resolve_data_config({}, model=m), m.pretrained_cfg))
    for name in CONV2FORMER:
        cfg = vit_cfg()
        rows.append((name, resolve_data_config({}, pretrained_cfg=cfg), cfg))
    return rows


def write_configs(out, rows):
    with open(os.path.join(out, "data_configs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["variant", "input_size", "crop_pct", "crop_mode", "interpolation", "mean", "std",
                    "num_classes", "test_input_size", "test_crop_pct"])
        for name, dc, cfg in rows:
            test = cfg.get("test_input_size")
            w.writerow([name, " ".join(map(str, dc["input_size"])), repr(dc["crop_pct"]),
                        dc["crop_mode"], dc["interpolation"], " ".join(map(repr, dc["mean"])),
                        " ".join(map(repr, dc["std"])), cfg["num_classes"],
                        " ".join(map(str, test)) if test else "",
                        repr(cfg["test_crop_pct"]) if test else ""])


def photos(src, out):
    d = os.path.join(out, "photos")
    os.makedirs(d, exist_ok=True)
    files = {}
    # Real photos of odd sizes, both orientations, down- and upscaled.
    Image.open(os.path.join(src, "chelsea.png")).save(os.path.join(d, "chelsea_451x300.png"))
    with open(os.path.join(src, "rocket.jpg"), "rb") as f, \
            open(os.path.join(d, "rocket_427x640.jpg"), "wb") as g:
        g.write(f.read())  # portrait JPEG with an ICC profile
    Image.open(os.path.join(src, "coffee.png")).crop((211, 97, 308, 158)).save(
        os.path.join(d, "coffee_97x61.png"))  # upscaled about 4x
    Image.open(os.path.join(src, "astronaut.png")).convert("RGB").crop((150, 40, 323, 341)).save(
        os.path.join(d, "astronaut_173x301.png"))  # mild upscale, portrait
    # Synthetic: uniform noise overshoots the bicubic's negative lobes (clipping paths).
    rng = np.random.RandomState(16)
    Image.fromarray(rng.randint(0, 256, (67, 129, 3), dtype=np.uint8)).save(
        os.path.join(d, "noise_129x67.png"))
    for name in sorted(os.listdir(d)):
        files[name] = os.path.join(d, name)
    return files


def transforms(out, files, rows):
    rows = [r for r in rows if r[0] not in FINE_TUNED]
    configs = sorted({(dc["input_size"][1], dc["crop_pct"], dc["interpolation"], dc["crop_mode"])
                      for _, dc, _ in rows})
    arrays, norms = {}, {}
    for size, pct, interp, mode in configs:
        for mean, std in sorted({(dc["mean"], dc["std"]) for _, dc, _ in rows}):
            t = create_transform(input_size=(3, size, size), crop_pct=pct, interpolation=interp,
                                 crop_mode=mode, mean=mean, std=std)
            pre, post = t.transforms[:-2], t.transforms[-2:]
            for name, path in files.items():
                img = Image.open(path).convert("RGB")
                u8 = img
                for step in pre:
                    u8 = step(u8)
                u8 = np.asarray(u8, dtype=np.uint8).transpose(2, 0, 1).copy()
                full = t(img).numpy()
                mine = ((torch.from_numpy(u8).float() / 255 - torch.tensor(mean).view(3, 1, 1))
                        / torch.tensor(std).view(3, 1, 1)).numpy()
                assert np.array_equal(full, mine), (name, size, pct)
                key = f"{os.path.splitext(name)[0]}__{size}_{pct}_{interp}"
                if key in arrays:
                    assert np.array_equal(arrays[key], u8)
                arrays[key] = u8
            levels = np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2)
            norms[f"mean_{mean[0]}_{mean[1]}_{mean[2]}__std_{std[0]}_{std[1]}_{std[2]}"] = \
                post[1](post[0](Image.fromarray(levels))).numpy()
    np.savez_compressed(os.path.join(out, "transform.npz"), **arrays)
    np.savez_compressed(os.path.join(out, "normalize.npz"), **norms)
    return arrays


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png16(path, a, color_type):
    """PIL cannot write 16-bit RGB/RGBA/LA PNGs: a minimal writer (filter 0 on every row)."""
    h, w = a.shape[:2]
    raw = b"".join(b"\0" + a[y].astype(">u2").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
                + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def ycck_jpeg(path, rgb):
    """A YCCK JPEG (Adobe transform 2), which neither PIL nor ImageIO writes: PIL stores CMYK
    inverted (CMYK;I) under an Adobe marker with transform 0, so a CMYK image of 255 - (Y, Cb, Cr,
    K) stores Y, Cb, Cr, K; setting the marker's transform byte to 2 makes decoders read it as
    YCCK. The expected pixels are PIL's decoding of the result, as for every other file."""
    f = rgb.astype(np.float64)
    y = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    cb = 128 - 0.168736 * f[..., 0] - 0.331264 * f[..., 1] + 0.5 * f[..., 2]
    cr = 128 + 0.5 * f[..., 0] - 0.418688 * f[..., 1] - 0.081312 * f[..., 2]
    k = np.linspace(0, 160, f.shape[1])[None, :].repeat(f.shape[0], 0)
    stored = np.clip(np.rint(np.stack([y, cb, cr, k], 2)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(255 - stored, "CMYK").save(buf, "JPEG", quality=92)
    b = bytearray(buf.getvalue())
    i = b.find(b"\xff\xee")
    assert b[i + 4:i + 9] == b"Adobe" and b[i + 15] == 0, "no Adobe marker with transform 0"
    b[i + 15] = 2
    with open(path, "wb") as fh:
        fh.write(bytes(b))
    with Image.open(path) as im:
        assert im.info.get("adobe_transform") == 2


def decode_fixtures(src, out):
    d = os.path.join(out, "decode")
    os.makedirs(d, exist_ok=True)
    base = Image.open(os.path.join(src, "chelsea.png")).convert("RGB").crop((180, 60, 237, 103))
    rgb = np.asarray(base)  # 57x43
    icc = Image.open(os.path.join(src, "rocket.jpg")).info["icc_profile"]
    rng = np.random.RandomState(3)
    wide = (rgb.astype(np.uint32) * 257 + rng.randint(0, 257, rgb.shape)).astype(np.uint16)
    base.save(os.path.join(d, "rgb8.png"))
    base.convert("RGBA").save(os.path.join(d, "rgba8.png"))
    base.convert("L").save(os.path.join(d, "gray8.png"))
    base.convert("LA").save(os.path.join(d, "la8.png"))
    base.quantize(37).save(os.path.join(d, "palette.png"))
    base.convert("1").save(os.path.join(d, "gray1.png"))
    base.save(os.path.join(d, "rgb8_icc.png"), icc_profile=icc)
    Image.fromarray((wide[..., 1] // 64).astype(np.uint16), "I;16").save(
        os.path.join(d, "gray16_low.png"))  # 0..1023: PIL clamps above 255
    Image.fromarray(wide[..., 1], "I;16").save(os.path.join(d, "gray16.png"))
    png16(os.path.join(d, "rgb16.png"), wide, 2)
    png16(os.path.join(d, "rgba16.png"),
          np.concatenate([wide, np.full(wide.shape[:2] + (1,), 40000, np.uint16)], 2), 6)
    png16(os.path.join(d, "la16.png"), np.stack([wide[..., 0], wide[..., 2]], 2), 4)
    for sub, name in ((2, "jpeg420.jpg"), (1, "jpeg422.jpg"), (0, "jpeg444.jpg")):
        base.save(os.path.join(d, name), quality=90, subsampling=sub)
    base.save(os.path.join(d, "jpeg_progressive.jpg"), quality=85, progressive=True)
    base.convert("L").save(os.path.join(d, "jpeg_gray.jpg"), quality=90)
    base.convert("CMYK").save(os.path.join(d, "jpeg_cmyk.jpg"), quality=90)
    base.save(os.path.join(d, "jpeg_icc.jpg"), quality=90, icc_profile=icc)
    ycck_jpeg(os.path.join(d, "jpeg_ycck.jpg"), rgb)
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        base.save(os.path.join(d, f"jpeg_exif{orientation}.jpg"), quality=90, exif=exif.tobytes())
    expected = {}
    for name in sorted(os.listdir(d)):
        with Image.open(os.path.join(d, name)) as im:
            expected[name] = np.asarray(im.convert("RGB"))
            if name.startswith("jpeg_exif"):
                expected[name + ".transposed"] = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    np.savez_compressed(os.path.join(out, "decode.npz"), **expected)


def cli_fixture(out_dir, photo):
    """`attnzoo preprocess` test: a photo and timm's whole float32 tensor for vit_tiny, gzipped."""
    import gzip
    import shutil
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, os.path.basename(photo))
    shutil.copyfile(photo, target)
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False)
    t = create_transform(**resolve_data_config({}, model=m))
    x = t(Image.open(target).convert("RGB")).unsqueeze(0).numpy()
    buf = io.BytesIO()
    np.save(buf, x)
    with gzip.GzipFile(target + ".vit_tiny_patch16_224.npy.gz", "wb", mtime=0) as f:
        f.write(buf.getvalue())
    # `attnzoo preprocess --test-size`: timm's eval transform at the test size (288, crop 1.0).
    m = timm.create_model("edgenext_xx_small", pretrained=False)
    dc = resolve_data_config({}, model=m, use_test_size=True)
    assert dc["input_size"] == (3, 288, 288) and dc["crop_pct"] == 1.0, dc
    x = create_transform(**dc)(Image.open(target).convert("RGB")).unsqueeze(0).numpy()
    buf = io.BytesIO()
    np.save(buf, x)
    with gzip.GzipFile(target + ".edgenext_xx_small.test_size.npy.gz", "wb", mtime=0) as f:
        f.write(buf.getvalue())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", help="skimage sample data; without it only data_configs.csv and"
                   " the CLI fixtures are written")
    p.add_argument("--out", default="zoo/src/test/resources/preprocessing")
    p.add_argument("--cli-out", default="training/src/test/resources/preprocess")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = data_configs()
    write_configs(a.out, rows)
    if a.src is None:
        cli_fixture(a.cli_out, os.path.join(a.out, "photos", "coffee_97x61.png"))
        return
    files = photos(a.src, a.out)
    transforms(a.out, files, rows)
    decode_fixtures(a.src, a.out)
    cli_fixture(a.cli_out, files["coffee_97x61.png"])


if __name__ == "__main__":
    main()
