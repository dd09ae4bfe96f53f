#!/usr/bin/env python3
"""Checks the reference's epoch_permutation against values produced once by src/shuffle.cpp.

The expected prefixes were printed by a throwaway C++ program linking src/shuffle.cpp
(hypergrid::epoch_permutation). If the specification in include/hypergrid/shuffle.hpp ever
changes, both sides and these values must change together.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from softmax_reference import epoch_permutation  # noqa: E402

EXPECTED = {
    # (seed, epoch, n): first 10 elements from the C++ implementation
    (1, 0, 1000): [598, 382, 902, 367, 809, 952, 143, 123, 595, 126],
    (42, 3, 17): [0, 1, 10, 3, 13, 16, 4, 5, 8, 7],
}

for (seed, epoch, n), expected in EXPECTED.items():
    perm = epoch_permutation(seed, epoch, n)
    assert sorted(perm) == list(range(n)), f"({seed}, {epoch}, {n}): not a permutation of range({n})"
    assert perm[:10] == expected, f"({seed}, {epoch}, {n}): got {perm[:10]}, C++ gave {expected}"

# Degenerate sizes: nothing to shuffle.
assert epoch_permutation(5, 0, 0) == []
assert epoch_permutation(5, 0, 1) == [0]
# Epochs differ from one another.
assert epoch_permutation(1, 0, 1000) != epoch_permutation(1, 1, 1000)

print("permutation check: ok")
