"""Slack installations in our database: slack_sdk's async SQLAlchemy stores, with tokens encrypted at rest.

``EncryptedInstallationStore`` is slack_sdk's ``AsyncSQLAlchemyInstallationStore`` with every token (and the
incoming-webhook URL, itself a credential) encrypted by a ``SecretBox`` on the way in and decrypted on the way out,
so a database dump shows no usable token. ``CachedInstallations`` keeps recent look-ups in memory for a few
minutes: bolt looks up the installation on every request, and that look-up sits before the acknowledgement.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.secrets import SecretBox
from bot.store.slack_tables import BOTS, INSTALLATIONS, OAUTH_STATES, SECRET_COLUMNS

log = logging.getLogger(__name__)
STATE_SECONDS = 600
CACHE_SECONDS = 300.0
Model = TypeVar("Model", Installation, Bot)


def _crypt(model: Model, fields: tuple[str, ...], apply: Any) -> Model:
    out = copy.copy(model)
    for name in fields:
        value = getattr(out, name, None)
        if isinstance(value, str) and value:
            setattr(out, name, apply(value))
    return out


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store over our ``slack_installations`` / ``slack_bots`` tables, tokens encrypted."""

    def __init__(self, client_id: str, engine: AsyncEngine, box: SecretBox) -> None:
        super().__init__(client_id, engine, bots_table_name=BOTS, installations_table_name=INSTALLATIONS, logger=log)
        self._box = box

    async def async_save(self, installation: Installation) -> None:
        """Store a new installation (and its bot), tokens encrypted."""
        await super().async_save(_crypt(installation, SECRET_COLUMNS[INSTALLATIONS], self._box.encrypt))

    async def async_save_bot(self, bot: Bot) -> None:
        """Store a bot, tokens encrypted (values already encrypted by ``async_save`` are kept as they are)."""
        await super().async_save_bot(_crypt(bot, SECRET_COLUMNS[BOTS], self._box.encrypt))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The newest bot of the workspace, tokens decrypted."""
        bot = await super().async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return _crypt(bot, SECRET_COLUMNS[BOTS], self._box.decrypt) if bot is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The newest installation of the workspace (or user), tokens decrypted."""
        found = await super().async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        return _crypt(found, SECRET_COLUMNS[INSTALLATIONS], self._box.decrypt) if found is not None else None


class CachedInstallations(AsyncInstallationStore):
    """A TTL cache in front of an installation store; writes and deletes go through and clear the cache."""

    def __init__(self, store: AsyncInstallationStore, seconds: float = CACHE_SECONDS) -> None:
        self._store = store
        self._seconds = seconds
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    @property
    def logger(self) -> logging.Logger:
        """The wrapped store's logger."""
        return self._store.logger

    async def _cached(self, key: tuple[Any, ...], load: Any) -> Any:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        if value is not None:
            self._cache[key] = (now + self._seconds, value)
        return value

    async def async_save(self, installation: Installation) -> None:
        """Store (and forget cached look-ups)."""
        self._cache.clear()
        await self._store.async_save(installation)

    async def async_save_bot(self, bot: Bot) -> None:
        """Store a bot (and forget cached look-ups)."""
        self._cache.clear()
        await self._store.async_save_bot(bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The newest bot of the workspace, from the cache when fresh."""
        key = ("bot", enterprise_id, team_id, is_enterprise_install)
        return await self._cached(  # type: ignore[no-any-return]
            key,
            lambda: self._store.async_find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            ),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The newest installation, from the cache when fresh."""
        key = ("installation", enterprise_id, team_id, user_id, is_enterprise_install)
        return await self._cached(  # type: ignore[no-any-return]
            key,
            lambda: self._store.async_find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot (uninstall / tokens revoked)."""
        self._cache.clear()
        await self._store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget installations of the workspace (or of one user)."""
        self._cache.clear()
        await self._store.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


def oauth_state_store(engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    """slack_sdk's OAuth state store over our ``slack_oauth_states`` table (states expire after 10 minutes)."""
    return AsyncSQLAlchemyOAuthStateStore(STATE_SECONDS, engine, table_name=OAUTH_STATES, logger=log)
