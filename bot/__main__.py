"""``python -m bot`` is the same as ``rfbot``."""

from bot.cli import main

main()
