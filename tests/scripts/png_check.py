"""Fails unless a PNG shows a page with content: decodes it (8-bit RGB or RGBA, no libraries beyond
the standard ones) and requires more than MIN_COLOURS distinct colours and at least MIN_INK of the
pixels away from the most common (background) colour.

Usage: png_check.py FILE.png [MIN_COLOURS=16] [MIN_INK=0.02]
"""
import struct
import sys
import zlib

path = sys.argv[1]
min_colours = int(sys.argv[2]) if len(sys.argv) > 2 else 16
min_ink = float(sys.argv[3]) if len(sys.argv) > 3 else 0.02
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{path}: not a PNG")
at, idat, header = 8, b"", None
while at < len(data):
    length, kind = struct.unpack(">I4s", data[at:at + 8])
    chunk = data[at + 8:at + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", chunk)
    elif kind == b"IDAT":
        idat += chunk
    at += 12 + length
width, height, depth, colour_type, _, _, interlace = header
if depth != 8 or colour_type not in (2, 6) or interlace:
    sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {colour_type}, interlace {interlace})")
bpp = 3 if colour_type == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
previous = bytearray(stride)
counts = {}
for y in range(height):
    kind = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = previous[x]
        c = previous[x - bpp] if x >= bpp else 0
        if kind == 1:
            line[x] = (line[x] + a) & 255
        elif kind == 2:
            line[x] = (line[x] + b) & 255
        elif kind == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 2 == 0:  # every other row is plenty to count colours
        for x in range(0, stride, bpp * 2):
            key = bytes(line[x:x + 3])
            counts[key] = counts.get(key, 0) + 1
    previous = line
total = sum(counts.values())
background = max(counts.values())
ink = 1 - background / total
print(f"{path}: {width}x{height}, {len(counts)} colours, {100 * ink:.1f}% of pixels off the background")
if len(counts) <= min_colours or ink < min_ink:
    sys.exit(f"{path}: blank page (colours {len(counts)}, ink {ink:.3f})")
