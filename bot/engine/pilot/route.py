"""Confidence tiers and model routing (domain §6): which model answers a copilot call.

The fast model takes routine turns and fact drafts; the deep model takes documents, forks, detailed status
updates, sessions where fixes keep failing, and sessions still at low confidence after several turns. A team can pin
a tier per service in its settings: ``{"pilot": {"services": {"turn": {"model_tier": "deep"}}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.engine.copilot import Brief, ModelTier, Purpose
from bot.engine.model import ConfidenceTier

DISCOVERY_BELOW = 0.4
GUIDED_FROM = 0.8
LOW_CONFIDENCE_TURNS = 4  # from this turn on, a session still in discovery gets the deep model
FAILED_FIXES_FOR_DEEP = 2


def tier_of(confidence: float) -> ConfidenceTier:
    """discovery (< 0.4), exploring (0.4-0.8), guided (>= 0.8)."""
    if confidence < DISCOVERY_BELOW:
        return ConfidenceTier.DISCOVERY
    if confidence < GUIDED_FROM:
        return ConfidenceTier.EXPLORING
    return ConfidenceTier.GUIDED


def service_settings(settings: Mapping[str, Any], purpose: Purpose) -> dict[str, Any]:
    """The team's ``{model_tier, tools_enabled}`` for one service (``{}`` when not set)."""
    pilot = settings.get("pilot") if isinstance(settings, Mapping) else None
    services = pilot.get("services") if isinstance(pilot, Mapping) else None
    found = services.get(purpose.value) if isinstance(services, Mapping) else None
    return dict(found) if isinstance(found, Mapping) else {}


def route(
    brief: Brief, purpose: Purpose, settings: Mapping[str, Any], *, fork: bool = False, detailed: bool = False
) -> ModelTier:
    """The model tier for one call."""
    pinned = str(service_settings(settings, purpose).get("model_tier", "")).lower()
    if pinned in (ModelTier.FAST.value, ModelTier.DEEP.value):
        return ModelTier(pinned)
    if purpose in (Purpose.DOCUMENT, Purpose.FLOW):
        return ModelTier.DEEP
    if purpose is Purpose.FACT:
        return ModelTier.FAST
    if purpose is Purpose.STATUS:
        return ModelTier.DEEP if detailed else ModelTier.FAST
    if fork or brief.failed_fixes >= FAILED_FIXES_FOR_DEEP:
        return ModelTier.DEEP
    if brief.turn >= LOW_CONFIDENCE_TURNS and brief.confidence < DISCOVERY_BELOW:
        return ModelTier.DEEP
    return ModelTier.FAST


def tools_enabled(settings: Mapping[str, Any], purpose: Purpose) -> bool:
    """Whether the team lets this service use external tools (documents never do)."""
    if purpose is Purpose.DOCUMENT:
        return False
    return bool(service_settings(settings, purpose).get("tools_enabled", False))
