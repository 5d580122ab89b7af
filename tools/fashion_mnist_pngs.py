#!/usr/bin/env python3
"""Writes the first N Fashion-MNIST test images as 28x28 grayscale PNG files named by index and class.

Standard library only. Reads Debian's dataset-fashion-mnist files by default.

    python3 tools/fashion_mnist_pngs.py 2000 /tmp/fashion-pngs
"""
import gzip
import struct
import sys
import zlib
from pathlib import Path

CLASSES = ["t_shirt_top", "trouser", "pullover", "dress", "coat",
           "sandal", "shirt", "sneaker", "bag", "ankle_boot"]


def png(width, height, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fashion_mnist_pngs.py COUNT OUT_DIR [DATA_DIR]")
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    data = Path(sys.argv[3] if len(sys.argv) == 4 else "/usr/share/datasets/fashion-mnist")
    images = gzip.open(data / "t10k-images-idx3-ubyte.gz").read()
    labels = gzip.open(data / "t10k-labels-idx1-ubyte.gz").read()
    magic, n, h, w = struct.unpack(">IIII", images[:16])
    if magic != 2051 or count > n:
        sys.exit(f"{data}: not an IDX image file with {count} images")
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        start = 16 + i * h * w
        rows = [images[start + r * w:start + (r + 1) * w] for r in range(h)]
        (out / f"fashion_mnist-test{i:04d}-{CLASSES[labels[8 + i]]}.png").write_bytes(png(w, h, rows))


if __name__ == "__main__":
    main()
