#!/usr/bin/env python3
"""Writes a small synthetic classification dataset as .npy files for hypergrid's tests.

    make_dataset.py --out DIR --n N --d D --classes C --seed S [--dtype uint8|float32|float64]

produces DIR/images.npy (n x d), DIR/labels.npy (int64, n), DIR/test_images.npy and
DIR/test_labels.npy (n // 4 examples). Each class has a Gaussian mean in feature space; examples
are their class mean plus unit Gaussian noise, with centres about two noise widths apart, so
classes overlap: a linear model learns them well but not perfectly. Floats are roughly unit scale; uint8 maps them onto 0..255
(divide by 255 to get back to roughly [0, 1]). Deterministic given the seed.
"""
import argparse
import os

import numpy as np


def make_examples(rng, means, n, noise):
    classes, d = means.shape
    labels = rng.integers(0, classes, size=n)
    features = means[labels] + noise * rng.standard_normal((n, d))
    return features, labels.astype(np.int64)


def to_dtype(features, dtype):
    if dtype == "uint8":
        # About +-2.5 noise widths onto 0..255, clipped (like pixels: 0..1 after dividing by 255).
        return np.clip(np.rint(127.5 + 127.5 * features / 2.5), 0, 255).astype(np.uint8)
    return features.astype(dtype)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--d", type=int, required=True)
    parser.add_argument("--classes", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--dtype", choices=["uint8", "float32", "float64"], default="float32")
    args = parser.parse_args()
    if args.n < 4 or args.d < 1 or args.classes < 2:
        parser.error("need n >= 4, d >= 1, classes >= 2")

    rng = np.random.default_rng(args.seed)
    # Class centres about 2 noise widths apart whatever d is: overlapping classes.
    means = rng.standard_normal((args.classes, args.d)) * (1.5 / np.sqrt(args.d))
    noise = 1.0
    train_x, train_y = make_examples(rng, means, args.n, noise)
    test_x, test_y = make_examples(rng, means, args.n // 4, noise)

    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "images.npy"), to_dtype(train_x, args.dtype))
    np.save(os.path.join(args.out, "labels.npy"), train_y)
    np.save(os.path.join(args.out, "test_images.npy"), to_dtype(test_x, args.dtype))
    np.save(os.path.join(args.out, "test_labels.npy"), test_y)


if __name__ == "__main__":
    main()
