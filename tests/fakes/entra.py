"""Loopback fakes of the identity services around a Teams bot, and a minter of the JWTs Teams sends.

``FakeEntra`` plays both login hosts on one port:

* Entra ID (``login.microsoftonline.com``): tenant discovery ``GET /{tenant}/v2.0/.well-known/openid-configuration``,
  the client-credentials token endpoint ``POST /{tenant}/oauth2/v2.0/token`` (what msal calls for the bot → connector
  token; the ``FakeBotConnector`` accepts exactly the tokens issued here), ``GET /{tenant}/discovery/v2.0/keys`` and
  instance discovery ``GET /common/discovery/instance``.
* The Bot Framework channel's OpenID metadata (``login.botframework.com``): ``GET /v1/.well-known/openidconfiguration``
  (alias ``/.well-known/openid-configuration``) whose ``jwks_uri`` is ``/v1/.well-known/keys`` (alias ``/keys``).
  ``channel_token`` mints the JWT Teams puts in ``Authorization`` when it POSTs to ``/api/messages`` -- valid, or with
  one ``TokenFlaw``.

It serves from its own thread and event loop: msal builds its client (tenant discovery, a blocking ``requests`` GET) on
the event loop thread that asks for the first token, so a fake served by that same loop could never answer.
``patch_sdk(monkeypatch)`` points the installed Agents SDK at it; docs/dev/teams-testing.md explains both redirects.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

import jwt
import pytest
import requests
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.authentication.msal import msal_auth
from microsoft_agents.hosting.core.authorization import _entra_issuers
from msal import ConfidentialClientApplication  # type: ignore[import-untyped]

from tests.fakes.http_fake import RECORDED, LoopbackFake

T = TypeVar("T")
TENANT_ID = "5f0c3c3e-8a52-4d2b-9f41-6c1a0e7d2b10"
APP_ID = "9a1d6c52-3e1b-4f6a-8d0e-2b7c5e4f1a90"
APP_SECRET = "fake-client-secret"
BOT_FRAMEWORK = "https://api.botframework.com"  # channel token issuer, and the connector's token audience
BOT_FRAMEWORK_TENANT = "d6d49420-f39b-4df7-a1dc-d59a935871db"  # what "botframework.com" (legacy multi-tenant) is
LOGIN_HOSTS = ("https://login.microsoftonline.com", "https://login.botframework.com")
CHANNEL_ENDORSEMENTS = ["msteams", "webchat", "directline", "emulator"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n: int) -> str:
    return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class RsaKey:
    """An RSA signing key and its public JWK (``kid`` = a thumbprint of the modulus, like Microsoft's)."""

    kid: str
    private: rsa.RSAPrivateKey
    jwk: dict[str, Any]


@functools.cache
def rsa_key(name: str) -> RsaKey:
    """A 2048-bit RSA key pair, generated once per test process for each ``name``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    kid = _b64url(hashlib.sha1(numbers.n.to_bytes(256, "big")).digest())
    jwk = {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": _uint(numbers.n), "e": _uint(numbers.e)}
    return RsaKey(kid, private, jwk)


class TokenFlaw(StrEnum):
    """What is wrong with a minted channel token (each must make the SDK's JwtTokenValidator refuse it)."""

    EXPIRED = "expired"  # exp an hour ago: beyond the validator's 300 s leeway
    NOT_YET_VALID = "not_yet_valid"  # nbf an hour ahead
    WRONG_AUDIENCE = "wrong_audience"  # aud is another bot's app id
    WRONG_KEY = "wrong_key"  # signed by an unpublished key under a published kid
    UNKNOWN_KID = "unknown_kid"  # kid not in the JWKS
    TAMPERED = "tampered"  # serviceurl edited after signing
    UNSIGNED = "unsigned"  # alg "none"


@dataclass
class IssuedToken:
    """An access token handed out by the token endpoint."""

    access_token: str
    client_id: str
    tenant: str
    audience: str
    expires_at: float
    revoked: bool = False


class LoginRedirect(requests.Session):
    """The ``http_client`` msal gets in tests: sends ``https://login.microsoftonline.com/...`` and
    ``https://login.botframework.com/...`` to the fake (plain HTTP on 127.0.0.1), with a default timeout."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        super().__init__()
        self.trust_env = False  # no proxies for loopback
        self.base_url, self.timeout = base_url, timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        for host in LOGIN_HOSTS:
            if text.startswith(host + "/"):
                text = self.base_url + text[len(host) :]
        kwargs.setdefault("timeout", self.timeout)
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, text, *args, **kwargs)


class FakeEntra(LoopbackFake):
    """Entra ID's token endpoint + the Bot Framework OpenID metadata/JWKS, with app ``APP_ID``/``APP_SECRET`` in
    tenant ``TENANT_ID`` registered. ``issued`` maps each access token handed out to its ``IssuedToken``."""

    outage_body: ClassVar[Any] = {"error": "temporarily_unavailable", "error_description": "AADSTS90033: unavailable"}

    def __init__(self, tenant_id: str = TENANT_ID, *, token_lifetime: int = 3599) -> None:
        super().__init__()
        self.tenant_id, self.token_lifetime = tenant_id, token_lifetime
        self.apps: dict[str, str] = {}
        self.issued: dict[str, IssuedToken] = {}
        self.channel_key, self.entra_key, self.stranger_key = rsa_key("channel"), rsa_key("entra"), rsa_key("other")
        self.register_app(APP_ID, APP_SECRET)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        routes = self.app.router
        routes.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        routes.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._tenant_metadata)
        routes.add_get("/{tenant}/discovery/v2.0/keys", self._entra_keys)
        routes.add_get("/common/discovery/instance", self._instance_discovery)
        for path in ("/v1/.well-known/openidconfiguration", "/.well-known/openid-configuration"):
            routes.add_get(path, self._channel_metadata)
        for path in ("/v1/.well-known/keys", "/keys"):
            routes.add_get(path, self._channel_keys)

    # ---- serving from a thread of its own ---------------------------------------------------------------------
    async def _on_server_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "FakeEntra is not started"
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    async def start(self) -> str:
        """Start serving on a background thread; return the base URL."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="fake-entra", daemon=True)
            self._thread.start()
        return await self._on_server_loop(super().start())

    async def stop(self) -> None:
        """Stop serving and end the background thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        await self._on_server_loop(super().stop())
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 5)
        loop.close()
        self._loop = self._thread = None

    async def outage(
        self, *, refuse: bool = False, status: int = 503, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """As ``LoopbackFake.outage``, run on the fake's own loop."""
        await self._on_server_loop(super().outage(refuse=refuse, status=status, body=body, headers=headers))

    async def outage_end(self) -> None:
        """As ``LoopbackFake.outage_end``, run on the fake's own loop."""
        await self._on_server_loop(super().outage_end())

    def release_stalls(self) -> None:
        """As ``LoopbackFake.release_stalls``, scheduled on the fake's own loop."""
        loop = self._loop
        if loop is not None and threading.current_thread() is not self._thread:
            loop.call_soon_threadsafe(super().release_stalls)
        else:
            super().release_stalls()

    # ---- configuration ----------------------------------------------------------------------------------------
    def register_app(self, client_id: str, secret: str) -> None:
        """Register an app registration whose client-credentials grant succeeds."""
        self.apps[client_id] = secret

    @property
    def channel_metadata_url(self) -> str:
        """The Bot Framework OpenID metadata document (``…/v1/.well-known/openidconfiguration``)."""
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def channel_jwks_url(self) -> str:
        """The Bot Framework signing keys (``…/v1/.well-known/keys``)."""
        return f"{self.base_url}/v1/.well-known/keys"

    def msal_client_class(self) -> type[ConfidentialClientApplication]:
        """A ``ConfidentialClientApplication`` whose HTTP goes to this fake (authority URLs stay the real ones)."""
        base_url = self.base_url

        class LoopbackConfidentialClientApplication(ConfidentialClientApplication):  # type: ignore[misc]
            def __init__(self, client_id: str, *args: Any, **kwargs: Any) -> None:
                kwargs.setdefault("http_client", LoginRedirect(base_url))
                super().__init__(client_id, *args, **kwargs)

        return LoopbackConfidentialClientApplication

    def patch_sdk(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point the Agents SDK here for one test: the JWKS URL its JwtTokenValidator uses for tokens issued by
        ``https://api.botframework.com``, and the msal class its MsalAuth builds (outbound tokens)."""
        assert self.base_url, "start the fake first"
        monkeypatch.setitem(_entra_issuers.BOTFRAMEWORK_JWKS_URIS, BOT_FRAMEWORK, self.channel_jwks_url)
        monkeypatch.setattr(msal_auth, "ConfidentialClientApplication", self.msal_client_class())

    # ---- access tokens (bot → connector) ----------------------------------------------------------------------
    def accepts(self, authorization: str, audience: str = BOT_FRAMEWORK) -> bool:
        """Whether an ``Authorization`` header carries an unexpired, unrevoked token issued here for ``audience``."""
        scheme, _, token = authorization.partition(" ")
        issued = self.issued.get(token) if scheme.lower() == "bearer" else None
        return bool(issued and not issued.revoked and issued.expires_at > time.time() and issued.audience == audience)

    def revoke_all(self) -> None:
        """Make every token issued so far unacceptable (as if it had expired)."""
        for issued in self.issued.values():
            issued.revoked = True

    def _tid(self, tenant: str) -> str:
        return BOT_FRAMEWORK_TENANT if tenant == "botframework.com" else tenant

    def _known_tenant(self, tenant: str) -> bool:
        return tenant in (self.tenant_id, "botframework.com", BOT_FRAMEWORK_TENANT)

    def _error(self, status: int, error: str, code: int, description: str) -> web.Response:
        trace, now = str(uuid.uuid4()), time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        body: dict[str, Any] = {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {trace} Timestamp: {now}",
        }
        body |= {"error_codes": [code], "timestamp": now, "trace_id": trace, "correlation_id": str(uuid.uuid4())}
        body["error_uri"] = f"https://login.microsoftonline.com/error?code={code}"
        return web.json_response(body, status=status)

    async def _token(self, request: web.Request) -> web.Response:
        form = request[RECORDED].data if isinstance(request[RECORDED].data, dict) else {}
        tenant, client_id = request.match_info["tenant"], str(form.get("client_id", ""))
        if not self._known_tenant(tenant):
            return self._error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if client_id not in self.apps:
            msg = f"Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            return self._error(400, "unauthorized_client", 700016, msg)
        if form.get("client_secret") != self.apps[client_id]:
            return self._error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        scope = str(form.get("scope", ""))
        if not scope.endswith("/.default") or " " in scope.strip():
            msg = f"The provided value for scope {scope} is not valid. Client credential flows must have a scope"
            return self._error(400, "invalid_scope", 1002012, msg + " value with /.default suffixed to the resource.")
        audience, now, tid = scope.removesuffix("/.default"), int(time.time()), self._tid(tenant)
        claims = {"aud": audience, "iss": f"https://sts.windows.net/{tid}/", "iat": now, "nbf": now}
        claims |= {"exp": now + self.token_lifetime, "appid": client_id, "appidacr": "1", "idtyp": "app"}
        claims |= {"tid": tid, "ver": "1.0", "jti": str(uuid.uuid4())}
        token = jwt.encode(claims, self.entra_key.private, algorithm="RS256", headers={"kid": self.entra_key.kid})
        self.issued[token] = IssuedToken(token, client_id, tenant, audience, now + self.token_lifetime)
        out = {"token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime}
        return web.json_response(out | {"access_token": token})

    async def _tenant_metadata(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if not self._known_tenant(tenant):
            return self._error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        host, tid = LOGIN_HOSTS[0], self._tid(tenant)
        doc: dict[str, Any] = {"token_endpoint": f"{host}/{tenant}/oauth2/v2.0/token"}
        doc |= {"authorization_endpoint": f"{host}/{tenant}/oauth2/v2.0/authorize", "issuer": f"{host}/{tid}/v2.0"}
        doc |= {"jwks_uri": f"{host}/{tenant}/discovery/v2.0/keys", "id_token_signing_alg_values_supported": ["RS256"]}
        doc["token_endpoint_auth_methods_supported"] = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
        return web.json_response(doc | {"tenant_region_scope": "NA", "cloud_instance_name": "microsoftonline.com"})

    async def _instance_discovery(self, request: web.Request) -> web.Response:
        """Entra's authority-alias metadata (msal asks for it after a failed client-credentials grant)."""
        aliases = ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]
        group = {"preferred_network": aliases[0], "preferred_cache": aliases[1], "aliases": aliases}
        doc = {"tenant_discovery_endpoint": f"{LOGIN_HOSTS[0]}/common/.well-known/openid-configuration"}
        return web.json_response(doc | {"api-version": "1.1", "metadata": [group]})

    async def _entra_keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.entra_key.jwk]})

    # ---- channel tokens (Teams → bot) -------------------------------------------------------------------------
    async def _channel_metadata(self, request: web.Request) -> web.Response:
        doc: dict[str, Any] = {"issuer": BOT_FRAMEWORK, "authorization_endpoint": "https://invalid.botframework.com"}
        doc |= {"jwks_uri": self.channel_jwks_url, "id_token_signing_alg_values_supported": ["RS256"]}
        return web.json_response(doc | {"token_endpoint_auth_methods_supported": ["private_key_jwt"]})

    async def _channel_keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.channel_key.jwk | {"endorsements": CHANNEL_ENDORSEMENTS}]})

    def channel_token(
        self,
        app_id: str = APP_ID,
        service_url: str = "",
        *,
        flaw: TokenFlaw | None = None,
        lifetime: int = 3600,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A JWT as the Bot Framework channel signs it for a request to the bot ``app_id``: ``iss``
        https://api.botframework.com, ``aud`` = app id, ``serviceurl``, ``nbf``/``exp``, header ``kid``/``x5t``.
        ``flaw`` spoils it in one way; ``claims`` adds or overrides claims."""
        now = int(time.time())
        body: dict[str, Any] = {"serviceurl": service_url, "nbf": now - 5, "exp": now + lifetime}
        body |= {"iss": BOT_FRAMEWORK, "aud": app_id}
        key, kid = self.channel_key, self.channel_key.kid
        if flaw is TokenFlaw.EXPIRED:
            body |= {"nbf": now - 7200, "exp": now - 3600}
        elif flaw is TokenFlaw.NOT_YET_VALID:
            body |= {"nbf": now + 3600, "exp": now + 7200}
        elif flaw is TokenFlaw.WRONG_AUDIENCE:
            body["aud"] = "0b5c7e11-0000-4000-8000-0000000000ff"
        elif flaw is TokenFlaw.WRONG_KEY:
            key = self.stranger_key
        elif flaw is TokenFlaw.UNKNOWN_KID:
            key = self.stranger_key
            kid = key.kid
        body |= claims or {}
        if flaw is TokenFlaw.UNSIGNED:
            return jwt.encode(body, "", algorithm="none", headers={"kid": kid})
        token = jwt.encode(body, key.private, algorithm="RS256", headers={"kid": kid, "x5t": kid})
        if flaw is TokenFlaw.TAMPERED:
            header, _, signature = token.split(".")
            edited = json.dumps(body | {"serviceurl": "https://attacker.example/"}, separators=(",", ":"))
            token = f"{header}.{_b64url(edited.encode())}.{signature}"
        return token
