"""What the app package is built from (``AppSpec``), parsed and checked from what an operator types.

Every parser raises ``InvalidSpec`` (a ``ValueError``) with a sentence saying what was expected, so the command line
can refuse the input before anything is written.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from bot.handlers.teams_manifest import texts

GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){LABEL}(?:\.{LABEL})+$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
LEADING_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")
NAME_LIMIT = 30  # the manifest's name.short
# Package ids are derived from the bot id in this namespace, so one bot always gets the same Teams app id and an
# upload of a newer package updates the installed app instead of adding a second one.
PACKAGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "teams-app.resolutionflow.invalid")


class InvalidSpec(ValueError):
    """An input the app package cannot be built from; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Host:
    """The public HTTPS host (and port, when not 443) where Teams reaches ``rfbot serve``."""

    name: str
    port: int | None = None

    @property
    def origin(self) -> str:
        """``https://host[:port]``."""
        return f"https://{self.name}" + (f":{self.port}" if self.port else "")


@dataclass(frozen=True, slots=True)
class AppSpec:
    """Everything the package depends on: the bot's app id, its host, the app's name and version, and the Teams
    app (package) id."""

    app_id: str
    host: Host
    name: str
    version: str
    package_id: str

    @property
    def messaging_endpoint(self) -> str:
        """Where the Azure Bot registration must send activities: ``https://<host>/api/messages``."""
        return f"{self.host.origin}/api/messages"

    @classmethod
    def parse(cls, *, app_id: str, host: str, name: str, version: str, package_id: str | None = None) -> AppSpec:
        """Check and normalise every input; the package id defaults to one derived from the app id."""
        bot_id = parse_app_id(app_id)
        return cls(
            app_id=bot_id,
            host=parse_host(host),
            name=parse_name(name),
            version=parse_version(version),
            package_id=parse_guid(package_id, texts.BAD_PACKAGE_ID) if package_id else derive_package_id(bot_id),
        )


def parse_guid(value: str, message: str) -> str:
    """A GUID, lower-cased; ``message`` (formatted with ``value``) when it is not one."""
    text = value.strip()
    if not GUID.match(text):
        raise InvalidSpec(message.format(value=value))
    return text.lower()


def parse_app_id(value: str) -> str:
    """The bot's Microsoft App ID (the Entra app registration's client id): a GUID, lower-cased."""
    return parse_guid(value, texts.BAD_APP_ID)


def derive_package_id(app_id: str) -> str:
    """The Teams app id for a bot: a name-based UUID of its app id, stable across runs and machines."""
    return str(uuid.uuid5(PACKAGE_NAMESPACE, app_id.lower()))


def parse_host(value: str) -> Host:
    """``bot.example.com``, ``bot.example.com:8443`` or ``https://bot.example.com/`` -> a ``Host``.

    Refuses other schemes (Teams calls HTTPS only), paths (the route is always ``/api/messages``) and anything that
    is not a dotted host name."""
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if sep:
        if scheme.lower() != "https":
            raise InvalidSpec(texts.HOST_SCHEME.format(scheme=scheme.lower()))
        text = rest
    text = text.removesuffix("/")
    if any(c in text for c in "/?#@"):
        raise InvalidSpec(texts.HOST_PATH)
    name, colon, port_text = text.lower().partition(":")
    if not HOSTNAME.match(name) or (colon and not port_text.isdigit()):
        raise InvalidSpec(texts.BAD_HOST.format(value=value))
    port = int(port_text) if colon else None
    if port is not None and not 0 < port < 65536:
        raise InvalidSpec(texts.BAD_PORT.format(value=port))
    return Host(name, None if port == 443 else port)


def parse_name(value: str) -> str:
    """The app's display name: 1 to 30 characters (Teams' limit for the short name)."""
    text = " ".join(value.split())
    if not 0 < len(text) <= NAME_LIMIT:
        raise InvalidSpec(texts.BAD_NAME.format(limit=NAME_LIMIT, length=len(text)))
    return text


def parse_version(value: str) -> str:
    """The app package version: ``major.minor.patch``, what Teams compares to offer an update."""
    text = value.strip()
    if not SEMVER.match(text):
        raise InvalidSpec(texts.BAD_VERSION.format(value=value))
    return text


def version_from(distribution_version: str) -> str:
    """The ``major.minor.patch`` part of a Python package version (``0.4.0.dev2`` -> ``0.4.0``); ``1.0.0`` when it
    has none."""
    match = LEADING_SEMVER.match(distribution_version.strip())
    return ".".join(str(int(part)) for part in match.groups()) if match else "1.0.0"
