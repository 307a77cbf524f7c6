"""The app's two icons, drawn in code (standard library only): a check mark in a ring — a resolved step.

* ``color.png``: 192x192, the mark in white on the accent colour, fully opaque.
* ``outline.png``: 32x32, the mark in white on a transparent background (Teams tints it).

Shapes are drawn from their signed distance in pixels, which gives anti-aliased edges without supersampling;
images are encoded as 8-bit RGBA PNG. The output is deterministic (same bytes on every run).
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from functools import cache

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
COLOR_MARK = 120  # the mark's box inside the colour icon; the rest is accent-coloured margin
OUTLINE_MARK = 30
WHITE = (255, 255, 255)
ACCENT = (0x1E, 0x3A, 0x8A)

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Ring:
    """A circle outline; coordinates and widths in units of the mark's box (0..1)."""

    centre: Point
    radius: float
    width: float

    def distance(self, x: float, y: float) -> float:
        """Signed distance from (x, y) to the ring's edge (negative inside the stroke)."""
        return abs(math.hypot(x - self.centre[0], y - self.centre[1]) - self.radius) - self.width / 2


@dataclass(frozen=True, slots=True)
class Stroke:
    """A polyline with round caps and joins."""

    points: tuple[Point, ...]
    width: float

    def distance(self, x: float, y: float) -> float:
        """Signed distance from (x, y) to the stroke's edge."""
        return min(_to_segment(x, y, a, b) for a, b in zip(self.points, self.points[1:], strict=False)) - self.width / 2


Shape = Ring | Stroke
MARK: tuple[Shape, ...] = (
    Ring((0.5, 0.5), 0.45, 0.1),
    Stroke(((0.29, 0.52), (0.44, 0.67), (0.72, 0.37)), 0.1),
)


def _to_segment(x: float, y: float, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


def coverage(size: int, mark: int) -> list[float]:
    """How much of each pixel (row by row) the mark covers, 0..1, with the mark's box centred in the image."""
    offset = (size - mark) / 2
    values = []
    for row in range(size):
        for col in range(size):
            x, y = (col + 0.5 - offset) / mark, (row + 0.5 - offset) / mark
            distance = min(shape.distance(x, y) for shape in MARK) * mark  # in pixels
            values.append(max(0.0, min(1.0, 0.5 - distance)))
    return values


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit RGBA PNG of ``rgba`` (rows top to bottom, 4 bytes a pixel)."""
    stride = width * 4
    raw = b"".join(b"\x00" + rgba[row * stride : (row + 1) * stride] for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@cache
def color_icon() -> bytes:
    """``color.png``: the white mark on the accent colour, 192x192, opaque."""
    pixels = bytearray()
    for c in coverage(COLOR_SIZE, COLOR_MARK):
        pixels += bytes(round(bg + (fg - bg) * c) for fg, bg in zip(WHITE, ACCENT, strict=True)) + b"\xff"
    return encode_png(COLOR_SIZE, COLOR_SIZE, bytes(pixels))


@cache
def outline_icon() -> bytes:
    """``outline.png``: the white mark on transparency, 32x32."""
    pixels = bytearray()
    for c in coverage(OUTLINE_SIZE, OUTLINE_MARK):
        pixels += bytes((*WHITE, round(255 * c))) if c > 0 else b"\x00\x00\x00\x00"
    return encode_png(OUTLINE_SIZE, OUTLINE_SIZE, bytes(pixels))
