"""Read back the PNGs the package holds (enough of the format for 8-bit RGBA images, filter 0, as we write)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    bit_depth: int
    color_type: int
    pixels: list[tuple[int, int, int, int]]  # RGBA, row by row


def read_png(data: bytes) -> Png:
    """Parse ``data``, checking the signature, chunk order and every CRC."""
    assert data[:8] == SIGNATURE
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * 4
    pixels = []
    for row in range(height):
        line = raw[row * (stride + 1) : (row + 1) * (stride + 1)]
        assert line[0] == 0  # no filter
        pixels += [tuple(line[1 + i : 5 + i]) for i in range(0, stride, 4)]
    return Png(width, height, depth, color, pixels)  # type: ignore[arg-type]
