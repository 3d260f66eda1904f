#!/usr/bin/env python3
"""Golden fixtures for Orchard's PNG decoder (Sources/ImageIO).

Writes, under Tests/ImageIOTests/Fixtures/:
  *.png              tiny images from three encoders: this script's own
                     (zlib + struct, one row per filter type 0..4), Pillow, and
                     pypng (1/2/4-bit, palettes with tRNS, tRNS color keys, Adam7)
  png_golden.json    per file: width, height, channels, max_value and the samples
                     the decoder must return (palettes expanded to RGB(A), low-bit
                     gray scaled to 0..255, tRNS turned into an alpha channel)
  bad_*.png          valid chunk CRCs around broken contents (corrupt deflate,
                     too little image data, an unknown filter type, a palette
                     index past the palette, an unknown critical chunk)
and, with --mnist, docs/examples/digit-7.png: row 0 of MNIST's test CSV
(a 7) as a 28x28 8-bit grayscale PNG (the README's predict example).

Usage (a venv with `pip install pillow pypng`):
  python bench/golden/make_png_fixtures.py [--mnist ~/.cache/orchard/mnist/mnist_test.csv]
"""
import argparse
import io
import json
import os
import random
import struct
import zlib

import png  # pypng
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "ImageIOTests", "Fixtures")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def ihdr(width, height, depth, color, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, stride, filters):
    """rows: lists of raw bytes; filters[i] is row i's filter type."""
    out = bytearray()
    previous = [0] * len(rows[0])
    for row, kind in zip(rows, filters):
        out.append(kind)
        for i, value in enumerate(row):
            left = row[i - stride] if i >= stride else 0
            up = previous[i]
            up_left = previous[i - stride] if i >= stride else 0
            predictor = [0, left, up, (left + up) // 2, paeth(left, up, up_left)][kind]
            out.append((value - predictor) & 0xFF)
        previous = row
    return bytes(out)


def own_png(width, height, channels, color, rows, filters):
    data = filter_rows(rows, channels, filters)
    return SIGNATURE + ihdr(width, height, 8, color) + chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b"")


def golden(width, height, channels, max_value, samples):
    return {"width": width, "height": height, "channels": channels, "max_value": max_value, "samples": samples}


def pypng_bytes(writer, rows):
    buffer = io.BytesIO()
    writer.write(buffer, rows)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", help="MNIST test CSV (label,pixel0..pixel783) for docs/examples/digit-7.png")
    args = parser.parse_args()
    rng = random.Random(20240611)
    os.makedirs(OUT, exist_ok=True)
    files, expected = {}, {}

    # Own encoder: every filter type, gray and RGB.
    w, h = 7, 5
    rows = [[rng.randrange(256) for _ in range(w)] for _ in range(h)]
    files["gray8_filters.png"] = own_png(w, h, 1, 0, rows, [0, 1, 2, 3, 4])
    expected["gray8_filters.png"] = golden(w, h, 1, 255, sum(rows, []))
    w, h = 6, 5
    rows = [[rng.randrange(256) for _ in range(w * 3)] for _ in range(h)]
    files["rgb8_filters.png"] = own_png(w, h, 3, 2, rows, [4, 3, 2, 1, 0])
    expected["rgb8_filters.png"] = golden(w, h, 3, 255, sum(rows, []))

    # Pillow: RGBA, gray+alpha, 16-bit gray.
    w, h = 5, 4
    pixels = [tuple(rng.randrange(256) for _ in range(4)) for _ in range(w * h)]
    image = Image.new("RGBA", (w, h))
    image.putdata(pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    files["rgba8.png"] = buffer.getvalue()
    expected["rgba8.png"] = golden(w, h, 4, 255, [v for p in pixels for v in p])
    pixels = [tuple(rng.randrange(256) for _ in range(2)) for _ in range(w * h)]
    image = Image.new("LA", (w, h))
    image.putdata(pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    files["gray_alpha8.png"] = buffer.getvalue()
    expected["gray_alpha8.png"] = golden(w, h, 2, 255, [v for p in pixels for v in p])
    values = [rng.randrange(65536) for _ in range(w * h)]
    image = Image.new("I;16", (w, h))
    image.putdata(values)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    files["gray16.png"] = buffer.getvalue()
    expected["gray16.png"] = golden(w, h, 1, 65535, values)

    # pypng: low bit depths (rows whose width is not a multiple of 8 pixels).
    for depth in (1, 2, 4):
        w, h = 11, 3
        rows = [[rng.randrange(1 << depth) for _ in range(w)] for _ in range(h)]
        name = "gray%d.png" % depth
        files[name] = pypng_bytes(png.Writer(w, h, greyscale=True, bitdepth=depth), rows)
        scale = 255 // ((1 << depth) - 1)
        expected[name] = golden(w, h, 1, 255, [v * scale for row in rows for v in row])

    # pypng: a 4-bit palette with alpha (PLTE + tRNS shorter than the palette).
    palette = [(rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(5)]
    palette += [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(4)]
    w, h = 9, 4
    rows = [[rng.randrange(len(palette)) for _ in range(w)] for _ in range(h)]
    files["palette4_trns.png"] = pypng_bytes(png.Writer(w, h, palette=palette, bitdepth=4), rows)
    rgba = [entry if len(entry) == 4 else entry + (255,) for entry in palette]
    expected["palette4_trns.png"] = golden(w, h, 4, 255, [v for row in rows for i in row for v in rgba[i]])
    # An 8-bit palette without transparency.
    palette = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(200)]
    w, h = 6, 6
    rows = [[rng.randrange(len(palette)) for _ in range(w)] for _ in range(h)]
    files["palette8.png"] = pypng_bytes(png.Writer(w, h, palette=palette, bitdepth=8), rows)
    expected["palette8.png"] = golden(w, h, 3, 255, [v for row in rows for i in row for v in palette[i]])

    # pypng: an RGB color key (tRNS) becomes alpha 0 on matching pixels.
    w, h = 4, 4
    key = (10, 20, 30)
    rows = [[rng.randrange(256) for _ in range(w * 3)] for _ in range(h)]
    rows[1][3:6] = list(key)
    rows[3][0:3] = list(key)
    files["rgb8_trns.png"] = pypng_bytes(png.Writer(w, h, greyscale=False, bitdepth=8, transparent=key), rows)
    samples = []
    for row in rows:
        for x in range(w):
            pixel = row[x * 3:x * 3 + 3]
            samples += pixel + [0 if tuple(pixel) == key else 255]
    expected["rgb8_trns.png"] = golden(w, h, 4, 255, samples)

    # pypng: Adam7 interlacing (sizes that leave some passes short or empty).
    w, h = 10, 9
    rows = [[rng.randrange(256) for _ in range(w)] for _ in range(h)]
    files["gray8_interlaced.png"] = pypng_bytes(png.Writer(w, h, greyscale=True, bitdepth=8, interlace=True), rows)
    expected["gray8_interlaced.png"] = golden(w, h, 1, 255, sum(rows, []))
    w, h = 3, 2
    rows = [[rng.randrange(65536) for _ in range(w * 3)] for _ in range(h)]
    files["rgb16_interlaced.png"] = pypng_bytes(png.Writer(w, h, greyscale=False, bitdepth=16, interlace=True), rows)
    expected["rgb16_interlaced.png"] = golden(w, h, 3, 65535, sum(rows, []))

    # Broken contents with valid CRCs.
    w, h = 4, 2
    raw = bytes([0] + [1, 2, 3, 4]) * h
    good = zlib.compress(raw)
    corrupt = bytearray(good)
    corrupt[4] ^= 0xFF
    files["bad_deflate.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"IDAT", bytes(corrupt)) + chunk(b"IEND", b"")
    files["bad_short_data.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"IDAT", zlib.compress(raw[:-2])) + chunk(b"IEND", b"")
    files["bad_long_data.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"IDAT", zlib.compress(raw + b"\0")) + chunk(b"IEND", b"")
    files["bad_filter.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"IDAT", zlib.compress(bytes([7, 1, 2, 3, 4]) * h)) \
        + chunk(b"IEND", b"")
    files["bad_palette_index.png"] = SIGNATURE + ihdr(w, h, 8, 3) + chunk(b"PLTE", bytes(range(6))) \
        + chunk(b"IDAT", zlib.compress(bytes([0, 0, 1, 2, 1]) * h)) + chunk(b"IEND", b"")
    files["bad_critical_chunk.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"ZZZZ", b"x") \
        + chunk(b"IDAT", good) + chunk(b"IEND", b"")
    files["bad_bit_depth.png"] = SIGNATURE + ihdr(w, h, 4, 2) + chunk(b"IDAT", good) + chunk(b"IEND", b"")
    files["bad_no_iend.png"] = SIGNATURE + ihdr(w, h, 8, 0) + chunk(b"IDAT", good)

    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as handle:
            handle.write(data)
    # Sanity: Pillow agrees with the expected 8-bit samples where its modes map one to one.
    for name in ("gray8_filters.png", "rgb8_filters.png", "rgba8.png", "gray8_interlaced.png", "palette8.png"):
        decoded = Image.open(io.BytesIO(files[name])).convert({1: "L", 3: "RGB", 4: "RGBA"}[expected[name]["channels"]])
        flat = [v for p in decoded.getdata() for v in (p if isinstance(p, tuple) else (p,))]
        assert flat == expected[name]["samples"], name
    with open(os.path.join(OUT, "png_golden.json"), "w") as handle:
        json.dump(expected, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("wrote %d PNG files to %s" % (len(files), OUT))

    if args.mnist:
        with open(os.path.expanduser(args.mnist)) as handle:
            header = handle.readline().strip().split(",")
            first = handle.readline().strip().split(",")
        label = first[header.index("label")] if "label" in header else first[0]
        pixels = [int(v) for name, v in zip(header, first) if name != "label"]
        assert len(pixels) == 784, len(pixels)
        rows = [pixels[r * 28:(r + 1) * 28] for r in range(28)]
        target = os.path.join(ROOT, "docs", "examples", "digit-%s.png" % label)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(own_png(28, 28, 1, 0, rows, [4] * 28))
        print("wrote %s (MNIST test row 0, label %s)" % (target, label))


if __name__ == "__main__":
    main()
