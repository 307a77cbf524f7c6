"""House rules from architecture.md, checked on the source: dependencies point inward, vendor SDKs stay in
their own package, adapters do not import each other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
STDLIB = set(sys.stdlib_module_names)

# package prefix -> the only first-party/third-party roots it may import (stdlib is always allowed)
PURE_CORE = {
    "bot.engine": ("bot.engine", "bot.flows", "bot.notes"),
    "bot.flows": ("bot.flows", "yaml", "PIL", "grandalf"),  # pure computation: drawing flow diagrams
    "bot.notes": ("bot.notes",),
}

# vendor module root -> packages allowed to import it (plus the composition root bot.app)
VENDORS = {
    "sqlalchemy": ("bot.store",),
    "alembic": ("bot.store",),
    "aiosqlite": ("bot.store",),
    "psycopg": ("bot.store",),
    "slack_bolt": ("bot.handlers.slack",),
    "slack_sdk": ("bot.handlers.slack", "bot.store"),
    "microsoft_agents": ("bot.handlers.teams",),
    "msal": ("bot.handlers.teams",),
    "anthropic": ("bot.pilot",),
    "voyageai": ("bot.pilot",),
    "apscheduler": ("bot.jobs",),
    "cryptography": ("bot.store",),
    "httpx": ("bot.psa", "bot.pilot"),
    "aiohttp": ("bot.web", "bot.handlers"),
    "rich": ("bot.handlers.console", "bot.cli"),
    "click": ("bot.cli",),
}

ADAPTERS = ("bot.handlers.slack", "bot.handlers.teams", "bot.handlers.console", "bot.psa", "bot.store", "bot.jobs")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = {module_name(p): imports_of(p) for p in sorted(BOT.rglob("*.py"))}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(PURE_CORE))
def test_core_packages_import_only_stdlib_and_allowed_roots(package: str) -> None:
    allowed = PURE_CORE[package]
    bad = []
    for module, imported in MODULES.items():
        if not within(module, package):
            continue
        for name in imported:
            root = name.split(".")[0]
            if root in STDLIB or root == "__future__" or any(within(name, a) for a in allowed):
                continue
            bad.append(f"{module} imports {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_vendor_sdks_stay_in_their_package(vendor: str) -> None:
    owners = (*VENDORS[vendor], "bot.app")
    bad = [
        f"{module} imports {name}"
        for module, imported in MODULES.items()
        for name in imported
        if within(name, vendor) and not any(within(module, o) for o in owners)
    ]
    assert not bad, "\n".join(bad)


def test_adapters_do_not_import_each_other() -> None:
    bad = []
    for module, imported in MODULES.items():
        mine = next((a for a in ADAPTERS if within(module, a)), None)
        if mine is None:
            continue
        for name in imported:
            other = next((a for a in ADAPTERS if within(name, a)), None)
            if other is not None and other != mine:
                bad.append(f"{module} imports {name}")
    assert not bad, "\n".join(bad)


def test_nothing_inside_imports_the_composition_root_or_the_cli() -> None:
    bad = [
        f"{module} imports {name}"
        for module, imported in MODULES.items()
        for name in imported
        if (within(name, "bot.app") or within(name, "bot.cli"))
        and not within(module, "bot.cli")
        and module not in ("bot.app", "bot.__main__")
    ]
    assert not bad, "\n".join(bad)


def test_engine_does_not_import_adapters() -> None:
    bad = [
        f"{module} imports {name}"
        for module, imported in MODULES.items()
        if within(module, "bot.engine")
        for name in imported
        if name.startswith("bot.")
        and not within(name, "bot.engine")
        and not within(name, "bot.flows")
        and not within(name, "bot.notes")
    ]
    assert not bad, "\n".join(bad)


def test_modules_stay_small() -> None:
    """House rule 10: aim under ~300 lines; 400 is the hard stop."""
    big = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in BOT.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert not big, "\n".join(big)


def test_the_engine_never_imports_sqlalchemy_even_lazily() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (BOT / "engine").rglob("*.py"))
    assert "sqlalchemy" not in text
