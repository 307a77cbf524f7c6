"""Slack's OAuth tables, in the shapes slack_sdk's SQLAlchemy installation and OAuth-state stores use.

Built with slack_sdk's own table builders so the shapes cannot drift, on our metadata so migrations and the
model/migration check cover them. Token columns are widened to ``Text``: we store them encrypted
(``bot.store.secrets``), and ciphertext is longer than Slack's 200-character column allows.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, Text

INSTALLATIONS, BOTS, OAUTH_STATES = "slack_installations", "slack_bots", "slack_oauth_states"
SECRET_COLUMNS = {
    INSTALLATIONS: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url"),
    BOTS: ("bot_token", "bot_refresh_token"),
}


def add_slack_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """Define the three tables on ``metadata``; returns (installations, bots, oauth_states)."""
    installations = SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS)
    bots = SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS)
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES)
    for table in (installations, bots):
        for name in SECRET_COLUMNS[table.name]:
            table.c[name].type = Text()
    return installations, bots, states
