"""Parsing what an operator types: the bot's app id, the host, the name, the version, the package id."""

from __future__ import annotations

import pytest

from bot.handlers.teams_manifest.spec import (
    AppSpec,
    Host,
    InvalidSpec,
    derive_package_id,
    parse_app_id,
    parse_host,
    parse_name,
    parse_version,
    version_from,
)

APP_ID = "00000000-0000-0000-0000-000000000001"


def test_app_id_is_a_guid_lower_cased() -> None:
    assert parse_app_id(" 0A1B2C3D-0000-4000-8000-00000000ABCD ") == "0a1b2c3d-0000-4000-8000-00000000abcd"


@pytest.mark.parametrize(
    "value", ["", "not-a-guid", "00000000000000000000000000000001", "{00000000-0000-0000-0000-000000000001}",
              "00000000-0000-0000-0000-00000000000g", "00000000-0000-0000-0000-0000000000011"],
)  # fmt: skip
def test_app_id_that_is_not_a_guid_is_refused(value: str) -> None:
    with pytest.raises(InvalidSpec, match="GUID"):
        parse_app_id(value)


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("bot.example.com", Host("bot.example.com")),
        ("https://bot.example.com", Host("bot.example.com")),
        ("HTTPS://Bot.Example.COM/", Host("bot.example.com")),
        (" bot.example.com/ ", Host("bot.example.com")),
        ("bot.example.com:8443", Host("bot.example.com", 8443)),
        ("https://bot.example.com:443", Host("bot.example.com")),
        ("rf-1.eu.tunnel.example.net", Host("rf-1.eu.tunnel.example.net")),
    ],
)
def test_host_accepts_a_name_or_an_https_origin(value: str, host: Host) -> None:
    assert parse_host(value) == host


def test_host_origin_keeps_a_non_default_port() -> None:
    assert parse_host("bot.example.com").origin == "https://bot.example.com"
    assert parse_host("bot.example.com:8443").origin == "https://bot.example.com:8443"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http://bot.example.com", "HTTPS"),
        ("ftp://bot.example.com", "HTTPS"),
        ("bot.example.com/rf", "host name only"),
        ("https://bot.example.com/api/messages", "host name only"),
        ("bot.example.com?x=1", "host name only"),
        ("user@bot.example.com", "host name only"),
        ("localhost", "public host name"),
        ("bot_1.example.com", "public host name"),
        ("-bot.example.com", "public host name"),
        ("", "public host name"),
        ("bot.example.com:abc", "public host name"),
        ("bot.example.com:0", "port"),
        ("bot.example.com:70000", "port"),
    ],
)
def test_host_refuses_other_schemes_paths_and_non_names(value: str, reason: str) -> None:
    with pytest.raises(InvalidSpec, match=reason):
        parse_host(value)


def test_name_is_trimmed_and_at_most_30_characters() -> None:
    assert parse_name("  Resolution   Flow ") == "Resolution Flow"
    assert parse_name("x" * 30) == "x" * 30
    for bad in ("", "   ", "x" * 31):
        with pytest.raises(InvalidSpec, match="1 to 30 characters"):
            parse_name(bad)


@pytest.mark.parametrize("value", ["1.0.0", "0.1.0", "10.20.30"])
def test_version_is_major_minor_patch(value: str) -> None:
    assert parse_version(value) == value


@pytest.mark.parametrize("value", ["1.0", "1.0.0.0", "01.0.0", "1.0.0-beta", "v1.0.0", ""])
def test_other_versions_are_refused(value: str) -> None:
    with pytest.raises(InvalidSpec, match="three numbers"):
        parse_version(value)


@pytest.mark.parametrize(
    ("distribution", "app"), [("0.1.0", "0.1.0"), ("0.4.0.dev2", "0.4.0"), ("2.10.03", "2.10.3"), ("2024", "1.0.0")]
)
def test_the_default_version_comes_from_the_python_package(distribution: str, app: str) -> None:
    assert version_from(distribution) == app


def test_package_id_is_derived_from_the_app_id_and_never_changes() -> None:
    # Pinned: a different id would make Teams treat a rebuilt package as a second app.
    assert derive_package_id(APP_ID) == "7d27a07c-45dc-5094-80c9-dfb88ce8e0a1"
    assert derive_package_id(APP_ID.upper()) == derive_package_id(APP_ID)
    assert derive_package_id("00000000-0000-0000-0000-000000000002") != derive_package_id(APP_ID)


def test_spec_parses_every_field_and_names_the_messaging_endpoint() -> None:
    spec = AppSpec.parse(app_id=APP_ID.upper(), host="https://bot.example.com/", name="RF", version="1.2.3")
    assert spec == AppSpec(APP_ID, Host("bot.example.com"), "RF", "1.2.3", derive_package_id(APP_ID))
    assert spec.messaging_endpoint == "https://bot.example.com/api/messages"
    explicit = AppSpec.parse(
        app_id=APP_ID,
        host="bot.example.com",
        name="RF",
        version="1.0.0",
        package_id="ABCDEF00-0000-4000-8000-000000000000",
    )
    assert explicit.package_id == "abcdef00-0000-4000-8000-000000000000"
    with pytest.raises(InvalidSpec, match="GUID"):
        AppSpec.parse(app_id=APP_ID, host="bot.example.com", name="RF", version="1.0.0", package_id="nope")
