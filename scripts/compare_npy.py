#!/usr/bin/env python3
"""Print the max abs error between a reference .npy and an attnzoo output .npy; exit 1 above --tol."""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("reference")
p.add_argument("candidate")
p.add_argument("--tol", type=float, default=1e-4)
a = p.parse_args()
ref, out = np.load(a.reference).astype(np.float64), np.load(a.candidate).astype(np.float64)
if ref.shape != out.shape:
    sys.exit(f"shape mismatch: reference {ref.shape}, candidate {out.shape}")
err = float(np.abs(ref - out).max())
print(f"max_abs_error {err:.3e} (tolerance {a.tol:g}) shape {ref.shape}")
sys.exit(0 if err <= a.tol else 1)
