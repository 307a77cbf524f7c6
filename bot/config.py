"""Settings, read once from the environment and an optional ``.env`` file.

Later features add their own fields here; ``rfbot config check`` lists every field, whether it is set, and masks
secrets. Base URLs of outside services live here too so tests and proxies can point them elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/rfbot.db"
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgres")
TENANT_GUID = re.compile(r"^\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*$")


class Settings(BaseSettings):
    """Every setting of the bot. Environment variables use the field name in upper case."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="Database URL: sqlite:///path or postgresql://user@host/db (driver chosen for you).",
    )
    database_pool_size: int = Field(
        default=20, ge=1, le=500, description="PostgreSQL connections kept open per process (10 more on bursts)."
    )
    worker_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        alias="RFBOT_WORKER_CONCURRENCY",
        description="Inbox events handled at once per process (more helps when chat APIs are slow, fewer keeps "
        "acknowledgements fast when the CPU is busy).",
    )
    inbox_lease: float = Field(
        default=30.0,
        ge=3,
        le=3600,
        alias="RFBOT_INBOX_LEASE",
        description="Seconds a replica's hold on a session's events lasts without renewal (renewed every 2 s while it "
        "runs): after a replica dies, its sessions wait this long before another replica takes them over.",
    )
    push_lease: float = Field(
        default=120.0,
        ge=10,
        le=3600,
        alias="RFBOT_PUSH_LEASE",
        description="Seconds a replica's claim on PSA pushes (notes, time entries) lasts: after a replica dies, the "
        "pushes it had claimed wait this long. Keep it above the time a batch of 10 pushes to a slow PSA can take.",
    )
    card_update_delay: float = Field(
        default=1.0,
        ge=0,
        le=30,
        alias="RFBOT_CARD_UPDATE_DELAY",
        description="Seconds a session card waits for more changes before chat shows them (one update per burst of "
        "clicks; 0 updates it with every step).",
    )
    fast_loop: bool = Field(
        default=True,
        alias="RFBOT_FAST_LOOP",
        description="Serve on uvloop's event loop when it is installed (false: asyncio's own loop).",
    )
    var_dir: Path = Field(default=Path("./var"), description="Where local files (SQLite, saved notes) go.")
    default_team: str = Field(default="default", description="Team used by the console when --team is not given.")
    log_level: str = Field(default="INFO", description="Logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        alias="RFBOT_LOG_FORMAT",
        description="`json`: one JSON object per log line (time, level, logger, message, team/session/event/request "
        "ids) for log collectors; `text`: readable lines. Secrets are masked either way.",
    )
    redact_exports: bool = Field(default=True, description="Apply redaction to exports and notes.")
    secret_keys: SecretStr | None = Field(
        default=None,
        alias="RFBOT_SECRET_KEYS",
        description="Comma-separated Fernet keys for credentials at rest (first encrypts, all decrypt).",
    )

    # --- serving -----------------------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", alias="RFBOT_HOST", description="Address `rfbot serve` listens on.")
    port: int = Field(default=3000, alias="RFBOT_PORT", description="Port `rfbot serve` listens on.")
    public_url: str = Field(
        default="",
        alias="RFBOT_PUBLIC_URL",
        description="The address people reach `rfbot serve` at (https://bot.example.com), used in share and download "
        "links; default http://RFBOT_HOST:RFBOT_PORT. When set, Teams cards show flow diagrams too large to carry "
        "inline by a link to it.",
    )
    # --- Slack (exact names from the Slack docs) -------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        default=None, alias="SLACK_BOT_TOKEN", description="Bot token (xoxb-…) for a single-workspace install."
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, alias="SLACK_SIGNING_SECRET", description="Verifies that requests come from Slack."
    )
    slack_client_id: str = Field(default="", alias="SLACK_CLIENT_ID", description="OAuth client id (multi-workspace).")
    slack_client_secret: SecretStr | None = Field(
        default=None, alias="SLACK_CLIENT_SECRET", description="OAuth client secret (multi-workspace)."
    )
    slack_scopes: str = Field(
        default="commands,chat:write,chat:write.public,app_mentions:read,channels:history,groups:history,"
        "im:history,im:write,users:read,users:read.email,files:read,files:write",
        alias="SLACK_SCOPES",
        description="Bot scopes requested by the OAuth install (comma-separated).",
    )
    slack_redirect_uri: str = Field(
        default="",
        alias="SLACK_REDIRECT_URI",
        description="OAuth redirect URL registered with Slack (https://<host>/slack/oauth_redirect); optional.",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", alias="SLACK_API_URL", description="Slack Web API base URL."
    )
    # --- ConnectWise Manage for a single-team install (teams can also connect their own: `rfbot psa connect`) ---
    cw_site_url: str = Field(
        default="", alias="CW_SITE_URL", description="ConnectWise site, e.g. https://na.myconnectwise.net."
    )
    cw_company_id: str = Field(default="", alias="CW_COMPANY_ID", description="ConnectWise login company id.")
    cw_public_key: SecretStr | None = Field(default=None, alias="CW_PUBLIC_KEY", description="API member public key.")
    cw_private_key: SecretStr | None = Field(
        default=None, alias="CW_PRIVATE_KEY", description="API member private key."
    )
    cw_client_id: str = Field(default="", alias="CW_CLIENT_ID", description="ConnectWise developer clientId.")
    slash_command: str = Field(default="/rf", alias="RFBOT_SLASH_COMMAND", description="The bot's slash command.")
    # --- FlowPilot: Claude (offline copilot when no key) and Voyage embeddings (lexical retrieval when no key) ---
    anthropic_api_key: SecretStr | None = Field(
        default=None, alias="ANTHROPIC_API_KEY", description="Anthropic API key; unset = FlowPilot runs offline."
    )
    anthropic_base_url: str = Field(
        default="", alias="ANTHROPIC_BASE_URL", description="Anthropic API base URL (default: Anthropic's)."
    )
    fast_model: str = Field(
        default="claude-haiku-5-5", alias="RFBOT_FAST_MODEL", description="Model for routine turns and fact drafts."
    )
    deep_model: str = Field(
        default="claude-sonnet-5-5",
        alias="RFBOT_DEEP_MODEL",
        description="Model for documents, forks, repeated failed fixes and low confidence.",
    )
    pilot_timeout: float = Field(
        default=60.0, alias="RFBOT_PILOT_TIMEOUT", description="Seconds to wait for one model reply."
    )
    voyage_api_key: SecretStr | None = Field(
        default=None, alias="VOYAGE_API_KEY", description="Voyage AI key; unset = lexical retrieval only."
    )
    voyage_base_url: str = Field(
        default="", alias="VOYAGE_BASE_URL", description="Voyage API base URL (default: Voyage's)."
    )
    embed_model: str = Field(default="voyage-4-lite", alias="RFBOT_EMBED_MODEL", description="Voyage embedding model.")
    embed_dims: int = Field(
        default=256,
        ge=1,
        le=4096,
        alias="RFBOT_EMBED_DIMS",
        description="Embedding size (256, 512, 1024 or 2048); changing it or the model re-embeds on `rfbot index "
        "rebuild`.",
    )
    index_stats_documents: int = Field(
        default=500,
        ge=1,
        alias="RFBOT_INDEX_STATS_DOCUMENTS",
        description="The index worker refreshes the search index's word statistics after this many documents were "
        "indexed, or after RFBOT_INDEX_STATS_MINUTES, whichever comes first.",
    )
    index_stats_minutes: float = Field(
        default=60.0,
        gt=0,
        alias="RFBOT_INDEX_STATS_MINUTES",
        description="Minutes from the first indexed document after a statistics refresh to the next refresh at the "
        "latest (see RFBOT_INDEX_STATS_DOCUMENTS).",
    )
    super_admins: str = Field(
        default="",
        alias="RFBOT_SUPER_ADMINS",
        description="The bot's operators, comma-separated as platform:user id (slack:U0123ABC, teams:29:1abc…, "
        "console:alice): super admins in every team they use (see every team with `admin teams`).",
    )
    # --- scheduler (reminders, SLAs, maintenance runs, the nightly flywheel) ---------------------------------------
    scheduler_enabled: bool = Field(
        default=True,
        alias="RFBOT_SCHEDULER_ENABLED",
        description="Run stored schedules in `rfbot serve` (one replica leads on PostgreSQL; false: never fire here).",
    )
    scheduler_leader_poll: float = Field(
        default=2.0,
        gt=0,
        le=60,
        alias="RFBOT_SCHEDULER_LEADER_POLL",
        description="Seconds between leadership checks: a replica takes over this long after the leader died.",
    )
    scheduler_reload: float = Field(
        default=10.0,
        gt=0,
        alias="RFBOT_SCHEDULER_RELOAD",
        description="Seconds between the leader's reloads of the schedules table (changes made on other replicas).",
    )
    scheduler_misfire_grace: float = Field(
        default=3600.0,
        ge=0,
        alias="RFBOT_SCHEDULER_MISFIRE_GRACE",
        description="Seconds a fire missed while no leader ran may be late and still run (the latest one per "
        "schedule; older ones are skipped).",
    )
    # --- Microsoft Teams (the Microsoft 365 Agents SDK's own names; other CONNECTIONS__* variables pass through) ---
    teams_client_id: str = Field(
        default="",
        alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
        description="Azure Bot (Entra app) id; setting it enables Teams at POST /api/messages.",
    )
    teams_client_secret: SecretStr | None = Field(
        default=None,
        alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET",
        description="Client secret of the bot's Entra app.",
    )
    teams_tenant_id: str = Field(
        default="",
        alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID",
        description="Tenant id of the bot's Entra app (single-tenant registration).",
    )
    teams_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        default="MultiTenant",
        alias="RFBOT_TEAMS_APP_TYPE",
        description="The Azure Bot's type of app. SingleTenant (or UserAssignedMSI): only the tenant of TENANTID "
        "(its id, a GUID) is served, other tenants' activities are refused; MultiTenant: every tenant, each its own "
        "team.",
    )
    teams_auth_type: str = Field(
        default="",
        alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE",
        description="How the bot authenticates to Entra (SDK default: ClientSecret).",
    )
    teams_anonymous_allowed: bool = Field(
        default=False,
        alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED",
        description="LOCAL DEVELOPMENT ONLY: accept Teams requests without a token and send without one.",
    )
    teams_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams/",
        alias="RFBOT_TEAMS_SERVICE_URL",
        description="Bot Connector URL for proactive sends when no activity has named one yet (Teams' global one).",
    )

    def secret_values(self) -> list[str]:
        """Every secret setting's value (for masking them in logs)."""
        found = [getattr(self, name) for name in type(self).model_fields]
        return [v.get_secret_value() for v in found if isinstance(v, SecretStr) and v.get_secret_value()]

    @property
    def super_admin_keys(self) -> frozenset[str]:
        """RFBOT_SUPER_ADMINS as a set of ``platform:user id`` keys."""
        return frozenset(k.strip() for k in self.super_admins.split(",") if ":" in k.strip())

    @property
    def claude_enabled(self) -> bool:
        """An Anthropic key is set: FlowPilot uses Claude (else the offline copilot)."""
        return self.anthropic_api_key is not None and bool(self.anthropic_api_key.get_secret_value())

    @property
    def cw_from_env(self) -> bool:
        """The CW_* variables describe a complete ConnectWise connection."""
        return bool(self.cw_site_url and self.cw_company_id and self.cw_public_key and self.cw_private_key)

    @property
    def slack_oauth_enabled(self) -> bool:
        """Multi-workspace: the OAuth client id and secret are set."""
        return bool(self.slack_client_id) and self.slack_client_secret is not None

    @property
    def slack_enabled(self) -> bool:
        """Slack is configured (single-workspace token or OAuth app) and has a signing secret."""
        return self.slack_signing_secret is not None and (self.slack_bot_token is not None or self.slack_oauth_enabled)

    @property
    def teams_enabled(self) -> bool:
        """Teams is configured: the bot's app id (CLIENTID) is set."""
        return bool(self.teams_client_id)

    @field_validator("teams_app_type", mode="before")
    @classmethod
    def _app_type_any_case(cls, value: object) -> object:
        if isinstance(value, str):
            known = {t.lower(): t for t in ("MultiTenant", "SingleTenant", "UserAssignedMSI")}
            return known.get(value.strip().lower(), value)
        return value

    @model_validator(mode="after")
    def _single_tenant_needs_its_tenant(self) -> Settings:
        if self.teams_enabled and self.teams_app_type != "MultiTenant" and not TENANT_GUID.match(self.teams_tenant_id):
            raise ValueError(
                f"RFBOT_TEAMS_APP_TYPE={self.teams_app_type} serves one tenant: set "
                "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID to its tenant id (a GUID, the Azure Bot's App "
                "Tenant ID)"
            )
        return self

    @property
    def teams_home_tenant(self) -> str:
        """The only tenant a single-tenant Teams bot serves (lower case); "" when multi-tenant."""
        return self.teams_tenant_id.strip().lower() if self.teams_app_type != "MultiTenant" else ""

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].split("+", 1)[0].lower()
        if "://" not in value or scheme not in SUPPORTED_SCHEMES:
            raise ValueError(
                f"DATABASE_URL {value!r} is not supported; use sqlite:///path/to/file.db "
                "or postgresql://user@host:5432/dbname"
            )
        return value

    @property
    def link_base_url(self) -> str:
        """Where share and download links point: ``RFBOT_PUBLIC_URL``, else this server's own address."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def notes_dir(self) -> Path:
        """Where the console saves finished notes."""
        return self.var_dir / "notes"


@dataclass(frozen=True, slots=True)
class SettingReport:
    """One line of ``rfbot config check``."""

    name: str
    value: str
    is_set: bool
    secret: bool
    description: str


def mask(value: str) -> str:
    """Mask a secret for display: keep nothing but its length class."""
    if not value:
        return ""
    return "********"


def report(settings: Settings) -> list[SettingReport]:
    """Describe every setting: its env var name, shown value (secrets masked), whether it was set explicitly."""
    rows: list[SettingReport] = []
    explicit = settings.model_fields_set
    for name, info in type(settings).model_fields.items():
        env_name = (info.alias or name).upper()
        raw = getattr(settings, name)
        secret = isinstance(raw, SecretStr)
        if raw is None:
            shown = ""
        elif secret:
            shown = mask(raw.get_secret_value())
        elif name == "database_url":
            shown = _mask_url_password(str(raw))
        else:
            shown = str(raw)
        rows.append(SettingReport(env_name, shown, name in explicit, secret, info.description or ""))
    return rows


def _mask_url_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:****@{host}"
    return url
