"""Builds the link signer of share and download links from the settings.

The signing key is derived (``bot.engine.sharing.signing.derive_key``, its own label) from the first key of
``RFBOT_SECRET_KEYS``, so every replica signs alike and links survive restarts; putting a new key first (rotation)
ends the signed links in flight, which last 15 minutes to 8 hours. Without ``RFBOT_SECRET_KEYS`` a random key is
made for this process: team and download links then stop working at restart and differ between replicas (public
links are unaffected: they are random tokens checked against their stored hash). The key is never logged.
"""

from __future__ import annotations

import logging
import secrets

from bot.config import Settings
from bot.engine.sharing.signing import LinkSigner

log = logging.getLogger(__name__)


def build_link_signer(settings: Settings) -> LinkSigner:
    """The signer for ``settings.link_base_url``."""
    keys = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    first = next((k.strip() for k in keys.split(",") if k.strip()), "")
    if first:
        return LinkSigner.from_material(first, settings.link_base_url)
    log.warning(
        "RFBOT_SECRET_KEYS is not set: team and download links are signed with a key made for this process only "
        "(they stop working at restart); set it with `rfbot keys generate`"
    )
    return LinkSigner(secrets.token_bytes(32), settings.link_base_url)
