"""The icons Teams requires: a 192x192 colour icon and a 32x32 white-on-transparent outline, read back from the
PNG bytes."""

from __future__ import annotations

from bot.handlers.teams_manifest.icons import ACCENT, color_icon, encode_png, outline_icon
from tests.unit.handlers.teams_manifest.png import read_png


def test_color_icon_is_192_square_opaque_rgba_on_the_accent_colour() -> None:
    png = read_png(color_icon())
    assert (png.width, png.height, png.bit_depth, png.color_type) == (192, 192, 8, 6)
    assert all(alpha == 255 for *_, alpha in png.pixels)
    corners = [png.pixels[i] for i in (0, 191, 191 * 192, 192 * 192 - 1)]
    assert corners == [(*ACCENT, 255)] * 4
    assert (255, 255, 255, 255) in png.pixels  # the mark


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    png = read_png(outline_icon())
    assert (png.width, png.height, png.bit_depth, png.color_type) == (32, 32, 8, 6)
    drawn = [p for p in png.pixels if p[3] > 0]
    assert all(p[:3] == (255, 255, 255) for p in drawn), "outline icons may only use white"
    assert png.pixels[0] == (0, 0, 0, 0)  # transparent background
    assert sum(p[3] == 255 for p in png.pixels) > 50  # a solid mark, not a faint one
    assert 0.1 < len(drawn) / len(png.pixels) < 0.6


def test_icons_are_the_same_bytes_every_time() -> None:
    assert color_icon() == color_icon.__wrapped__() and outline_icon() == outline_icon.__wrapped__()


def test_encoder_round_trips_pixels() -> None:
    pixels = bytes(range(2 * 3 * 4))
    png = read_png(encode_png(2, 3, pixels))
    assert (png.width, png.height) == (2, 3)
    assert [v for p in png.pixels for v in p] == list(pixels)
