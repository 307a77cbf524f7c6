"""Helpers shared by the CLI commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from pydantic import ValidationError

from bot.app import App, build_app
from bot.config import Settings

T = TypeVar("T")


def load_settings() -> Settings:
    """Settings, or a clean error naming what is wrong."""
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise click.ClickException(f"Bad configuration — {problems}") from None


def run_with_app(work: Callable[[App], Awaitable[T]], settings: Settings | None = None) -> T:
    """Build the app, run ``work`` in an event loop, and always close the app."""

    async def main() -> T:
        app = build_app(settings or load_settings())
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(main())
