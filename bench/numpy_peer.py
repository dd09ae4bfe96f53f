#!/usr/bin/env python3
"""The peer hypergrid is measured against: the same grid search written the way a numpy user would.

Softmax regression trained by mini-batch SGD, each mini-batch gathered by index (X[idx]: the faster
of the two forms a numpy user writes; permuting all of X every epoch copies it), one trial per
hyperparameter combination, trials dealt round-robin over MPI ranks (mpi4py). Rank 0 gathers the validation results, picks the lowest
validation cost (ties: lowest trial id), retrains on training + validation data with the winning
hyperparameters and reports the test set's unregularised cross-entropy and accuracy as one JSON line.

    mpirun -np 4 python3 bench/numpy_peer.py [--dtype float32] [--limit-train 10000]

BLAS threading is left to the environment (e.g. OPENBLAS_NUM_THREADS=1 for one thread per rank).
"""
import argparse
import gzip
import itertools
import json
import math
import sys
import time

import numpy as np
from mpi4py import MPI

DATA_DIR = "/usr/share/datasets/fashion-mnist"
IDX_UBYTE = 0x08


def read_idx(path, ndim):
    """An IDX file of unsigned bytes (optionally gzip-compressed) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != IDX_UBYTE or raw[3] != ndim:
        raise ValueError(f"{path}: not an IDX file of {ndim}-D unsigned bytes (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if len(raw) - header != math.prod(shape):
        raise ValueError(f"{path}: {len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load(images_path, labels_path, dtype, limit=0):
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images_path}: {images.shape[0]} images but {labels_path}: {labels.shape[0]} labels")
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    X = images.reshape(images.shape[0], -1).astype(dtype) / dtype(255)
    return X, labels.astype(np.intp)


def train(X, y, classes, seed, epochs, alpha, learning_rate, batch_size):
    n, d = X.shape
    W = np.zeros((d, classes), dtype=X.dtype)
    b = np.zeros(classes, dtype=X.dtype)
    for epoch in range(epochs):
        perm = np.random.default_rng([seed, epoch]).permutation(n)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]  # gather the batch by index: no copy of the whole set
            Xb, yb = X[idx], y[idx]
            m = len(yb)
            G = Xb @ W + b
            G -= G.max(axis=1, keepdims=True)
            np.exp(G, out=G)
            G /= G.sum(axis=1, keepdims=True)
            G[np.arange(m), yb] -= 1  # softmax - one-hot
            grad_W = Xb.T @ G / m + alpha * W
            grad_b = G.mean(axis=0)
            W -= learning_rate * grad_W
            b -= learning_rate * grad_b
    return W, b


def evaluate(W, b, X, y):
    """(cross-entropy, accuracy), both unregularised."""
    S = X @ W + b
    S -= S.max(axis=1, keepdims=True)
    log_p = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    cross_entropy = float(-log_p[np.arange(len(y)), y].mean())
    accuracy = float((S.argmax(axis=1) == y).mean())
    return cross_entropy, accuracy


def csv_list(kind):
    return lambda text: [kind(v) for v in text.split(",") if v.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", default=f"{DATA_DIR}/train-images-idx3-ubyte.gz")
    parser.add_argument("--labels", default=f"{DATA_DIR}/train-labels-idx1-ubyte.gz")
    parser.add_argument("--test-images", default=f"{DATA_DIR}/t10k-images-idx3-ubyte.gz")
    parser.add_argument("--test-labels", default=f"{DATA_DIR}/t10k-labels-idx1-ubyte.gz")
    parser.add_argument("--epochs", type=csv_list(int), default=[10, 20, 35])
    parser.add_argument("--alpha", type=csv_list(float), default=[1e-4, 1e-3, 1e-2])
    parser.add_argument("--learning-rate", type=csv_list(float), default=[0.01, 0.05, 0.1])
    parser.add_argument("--batch-size", type=csv_list(int), default=[32, 64, 128])
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-train", type=int, default=0, help="use only the first N training examples")
    parser.add_argument("--validation-fraction", type=float, default=0.2)
    args = parser.parse_args()

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    t_start = time.perf_counter()
    dtype = np.dtype(args.dtype).type

    X, y = load(args.images, args.labels, dtype, args.limit_train)
    X_test, y_test = load(args.test_images, args.test_labels, dtype)
    classes = int(max(y.max(), y_test.max())) + 1
    n_val = int(math.floor(len(y) * args.validation_fraction + 0.5))
    n_train = len(y) - n_val
    X_train, y_train, X_val, y_val = X[:n_train], y[:n_train], X[n_train:], y[n_train:]

    trials = list(itertools.product(args.epochs, args.alpha, args.learning_rate, args.batch_size))
    comm.Barrier()
    t_sweep = time.perf_counter()
    mine = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # diverged trials give NaN
        for trial in range(rank, len(trials), size):
            epochs, alpha, learning_rate, batch_size = trials[trial]
            W, b = train(X_train, y_train, classes, args.seed, epochs, alpha, learning_rate, batch_size)
            cross_entropy, accuracy = evaluate(W, b, X_val, y_val)
            cost = cross_entropy + alpha / 2 * float(np.sum(W.astype(np.float64) ** 2))
            mine.append((trial, cost, cross_entropy, accuracy))
    gathered = comm.gather(mine, root=0)
    if rank != 0:
        return 0
    seconds_sweep = time.perf_counter() - t_sweep

    results = sorted(r for part in gathered for r in part)
    finished = [r for r in results if math.isfinite(r[1])]
    if not finished:
        print("numpy_peer: every trial diverged", file=sys.stderr)
        comm.Abort(1)
    best = min(finished, key=lambda r: (r[1], r[0]))
    trial, cost, cross_entropy, accuracy = best
    epochs, alpha, learning_rate, batch_size = trials[trial]

    t_final = time.perf_counter()
    W, b = train(X, y, classes, args.seed, epochs, alpha, learning_rate, batch_size)
    test_cross_entropy, test_accuracy = evaluate(W, b, X_test, y_test)
    t_end = time.perf_counter()

    print(json.dumps({
        "best": {"trial": trial, "epochs": epochs, "alpha": alpha, "learning_rate": learning_rate,
                 "batch_size": batch_size, "val_cost": cost, "val_cross_entropy": cross_entropy,
                 "val_accuracy": accuracy},
        "test_accuracy": test_accuracy,
        "test_cross_entropy": test_cross_entropy,
        "seconds_sweep": seconds_sweep,
        "seconds_final": t_end - t_final,
        "seconds_total": t_end - t_start,
        "ranks": size,
        "dtype": args.dtype,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
