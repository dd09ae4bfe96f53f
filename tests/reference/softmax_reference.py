#!/usr/bin/env python3
"""Plain float64 reference for one hypergrid trial: softmax regression trained by mini-batch SGD.

    softmax_reference.py --images X.npy --labels y.npy [--scale S] [--limit N]
                         --validation-fraction F --seed S --epochs E --alpha A
                         --learning-rate L --batch-size B --classes C
        prints {"val_cost": ..., "val_cross_entropy": ..., "val_accuracy": ...}

    softmax_reference.py ... --folds K (instead of --validation-fraction)
        k-fold cross-validation: fold f = examples [floor(f n / K), floor((f + 1) n / K)) validates
        the model trained on the other folds (in their order); prints {"folds": [per-fold figures],
        "val_cost": mean, "val_cross_entropy": mean, "val_accuracy": mean, "val_cost_std": std}

    softmax_reference.py --print-permutation SEED EPOCH N
        prints epoch_permutation(SEED, EPOCH, N) as space-separated integers

The shuffle is the bit-exact specification in include/hypergrid/shuffle.hpp; everything else
follows the algorithm hypergrid implements in float32, here in float64 and written for reading,
not speed.
"""
import argparse
import json
import sys

import numpy as np

MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------------------------------------
# Epoch order (include/hypergrid/shuffle.hpp), Python ints masked to 64 bits.

def mix64(z):
    """SplitMix64's finaliser."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def epoch_permutation(seed, epoch, n):
    """The order in which epoch `epoch` (from 0) visits n training examples."""
    state = mix64((seed & MASK64) ^ mix64(epoch + 1))
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        j = (mix64(state) * (i + 1)) >> 64  # Lemire's multiply-high: uniform-ish in [0, i]
        perm[i], perm[j] = perm[j], perm[i]
    return perm


# ----------------------------------------------------------------------------------------------
# Model.

def softmax(scores):
    """Row-wise softmax, stable: subtract each row's maximum first."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(scores):
    """Row-wise log-softmax via logsumexp."""
    row_max = scores.max(axis=1, keepdims=True)
    shifted = scores - row_max
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def one_hot(labels, classes):
    out = np.zeros((len(labels), classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def train(X, y, classes, seed, epochs, alpha, learning_rate, batch_size):
    """Mini-batch SGD from W = 0, b = 0; returns (W, b)."""
    n, d = X.shape
    W = np.zeros((d, classes))
    b = np.zeros(classes)
    for epoch in range(epochs):
        perm = epoch_permutation(seed, epoch, n)
        for start in range(0, n, batch_size):
            batch = perm[start:start + batch_size]  # the last partial batch is kept
            X_b = X[batch]
            y_b = y[batch]
            m = len(batch)
            P = softmax(X_b @ W + b)
            G = P - one_hot(y_b, classes)
            grad_W = X_b.T @ G / m + alpha * W  # both terms use the old W
            grad_b = G.mean(axis=0)
            W = W - learning_rate * grad_W
            b = b - learning_rate * grad_b
    return W, b


def evaluate(W, b, X, y, alpha):
    """Validation metrics: (cost, cross_entropy, accuracy)."""
    log_p = log_softmax(X @ W + b)
    cross_entropy = float(np.mean(-log_p[np.arange(len(y)), y]))
    cost = cross_entropy + alpha / 2.0 * float(np.sum(W ** 2))  # the bias is not penalised
    accuracy = float(np.mean(np.argmax(log_p, axis=1) == y))  # argmax: ties go to the lowest index
    return cost, cross_entropy, accuracy


# ----------------------------------------------------------------------------------------------
# Data.

def load_data(images_path, labels_path, scale, limit):
    X = np.load(images_path)
    y = np.load(labels_path).astype(np.int64)
    if scale is None:  # hypergrid's default: 255 for integer pixels, 1 for floats
        scale = 255.0 if np.issubdtype(X.dtype, np.integer) else 1.0
    X = X.reshape(X.shape[0], -1).astype(np.float64) / scale
    if X.shape[0] != y.shape[0]:
        sys.exit(f"error: {images_path} has {X.shape[0]} examples, {labels_path} has {y.shape[0]}")
    if limit > 0:
        X = X[:limit]
        y = y[:limit]
    return X, y


def split(X, y, validation_fraction):
    """Validation is the last floor(n * f + 0.5) examples, training the rest."""
    n = X.shape[0]
    n_val = int(np.floor(n * validation_fraction + 0.5))
    n_train = n - n_val
    if n_train <= 0 or n_val <= 0:
        sys.exit(f"error: validation_fraction {validation_fraction} leaves an empty split of {n}")
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def fold_splits(X, y, folds):
    """Each fold's (training set, validation set): the other folds in their order, and the fold."""
    n = X.shape[0]
    for f in range(folds):
        first, end = f * n // folds, (f + 1) * n // folds
        keep = np.r_[0:first, end:n]
        yield X[keep], y[keep], X[first:end], y[first:end]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--print-permutation", nargs=3, type=int, metavar=("SEED", "EPOCH", "N"))
    parser.add_argument("--images")
    parser.add_argument("--labels")
    parser.add_argument("--scale", type=float, default=None,
                        help="divide features by this (default 255 for integer files, 1 for floats)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N examples (0 = all)")
    parser.add_argument("--validation-fraction", type=float)
    parser.add_argument("--folds", type=int, default=0, help="k-fold cross-validation instead of the split")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--alpha", type=float)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--classes", type=int)
    args = parser.parse_args(argv)

    if args.print_permutation is not None:
        seed, epoch, n = args.print_permutation
        print(" ".join(str(i) for i in epoch_permutation(seed, epoch, n)))
        return 0

    required = ["images", "labels"] + ([] if args.folds else ["validation_fraction"]) + ["seed", "epochs", "alpha",
                "learning_rate", "batch_size", "classes"]
    missing = ["--" + name.replace("_", "-") for name in required if getattr(args, name) is None]
    if missing:
        parser.error("missing " + ", ".join(missing))

    X, y = load_data(args.images, args.labels, args.scale, args.limit)
    if y.min() < 0 or y.max() >= args.classes:
        sys.exit(f"error: labels must lie in [0, {args.classes})")
    if args.folds:
        figures = []
        for X_train, y_train, X_val, y_val in fold_splits(X, y, args.folds):
            W, b = train(X_train, y_train, args.classes, args.seed, args.epochs, args.alpha,
                         args.learning_rate, args.batch_size)
            figures.append(evaluate(W, b, X_val, y_val, args.alpha))
        costs = np.array([f[0] for f in figures])
        print(json.dumps({
            "folds": [{"val_cost": c, "val_cross_entropy": e, "val_accuracy": a} for c, e, a in figures],
            "val_cost": float(costs.mean()), "val_cross_entropy": float(np.mean([f[1] for f in figures])),
            "val_accuracy": float(np.mean([f[2] for f in figures])), "val_cost_std": float(costs.std())}))
        return 0
    X_train, y_train, X_val, y_val = split(X, y, args.validation_fraction)
    W, b = train(X_train, y_train, args.classes, args.seed, args.epochs, args.alpha,
                 args.learning_rate, args.batch_size)
    cost, cross_entropy, accuracy = evaluate(W, b, X_val, y_val, args.alpha)
    print(json.dumps({"val_cost": cost, "val_cross_entropy": cross_entropy, "val_accuracy": accuracy}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
