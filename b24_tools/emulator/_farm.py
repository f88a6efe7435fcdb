"""`EmulatorFarm`: many emulated portals in one server, one application installed on them, one OAuth server.

    farm = EmulatorFarm(3, install_url="http://127.0.0.1:8080/install", handler_url="http://127.0.0.1:8080/events")
    with farm.serve():                       # one socket per portal + one for the OAuth server
        farm.install_all()                   # calls the app's install URL, then sends ONAPPINSTALL
        farm.uninstall(2)                    # revokes the tokens, then sends ONAPPUNINSTALL

Each portal is a full `Emulator` with its own data, bucket, operating time, webhook, member_id and its own copy
of the application (same client_id and secret, as a marketplace application has; its own application_token).
The OAuth server (`oauth.bitrix.info` on a real deployment) answers `/oauth/token/` for every portal: it finds
the portal a refresh token or code belongs to (settings/oauth/auto-renewal.md, settings/oauth/index.md).
Requests are routed by the `Host` they are sent to, so the farm runs in process (`transport()`) or on sockets.

Install and uninstall follow api-reference/app-installation/*/installation-callback.md (a POST with the OAuth
data to the install URL), api-reference/common/events/on-app-install.md (`ONAPPINSTALL`: data VERSION, ACTIVE,
INSTALLED, LANGUAGE_ID; auth without tokens but with `application_token`) and on-app-uninstall.md (data
LANGUAGE_ID, CLEAN; sent after the application's access was removed).
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from ..client._phpquery import encode
from ._config import EmulatorConfig
from ._emulator import Emulator
from ._events import is_loopback_url
from ._request import read_params
from ._transport import AsyncASGITransport, LoopThread, SyncASGITransport

__all__ = ["EmulatorFarm"]


class EmulatorFarm:
    """Several emulated portals behind one router, with one OAuth server and one application."""

    def __init__(
        self,
        portals: int,
        *,
        config: EmulatorConfig | None = None,
        db_dir: str | Path | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        scopes: set[str] | None = None,
        install_url: str | None = None,
        handler_url: str | None = None,
        app_transport: httpx.BaseTransport | None = None,
        base_port: int = 20000,
    ) -> None:
        if portals < 1:
            raise ValueError("an emulator farm needs at least one portal")
        base = config or EmulatorConfig()
        self.client_id = client_id or f"app.{secrets.token_hex(6)}.{secrets.randbelow(10**8):08d}"
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.scopes = scopes
        self.install_url = install_url
        self.handler_url = handler_url
        self.app_transport = app_transport
        self.refreshes: dict[str, int] = {}  # member_id -> refresh grants the OAuth server answered
        self._refresh_lock = threading.Lock()
        self.portals: list[Emulator] = []
        for i in range(1, portals + 1):
            cfg = replace(
                base,
                member_id=f"emu{i:04d}{secrets.token_hex(12)}",
                webhook_code=f"{base.webhook_code}-{i}",
                portal_domain=f"127.0.0.1:{base_port + i}",
                extra_webhooks=dict(base.extra_webhooks),
            )
            db = Path(db_dir) / f"portal-{i}.sqlite" if db_dir is not None else ":memory:"
            if db_dir is not None:
                Path(db_dir).mkdir(parents=True, exist_ok=True)
            emu = Emulator(db, cfg)
            emu.set_base_url(f"http://{cfg.portal_domain}")
            if emu.oauth.app(self.client_id) is None:
                emu.oauth.register_app(scopes, client_id=self.client_id, client_secret=self.client_secret)
            self.portals.append(emu)
        self.oauth_url = f"http://127.0.0.1:{base_port}"
        self._loop = LoopThread()
        self._routes: dict[str, Any] = {}
        self._route_all()

    # -- addresses and routing -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.portals)

    def __getitem__(self, n: int) -> Emulator:
        """Portal `n`, counted from 1 as the CLI prints them."""
        if not 1 <= n <= len(self.portals):
            raise IndexError(f"portal {n} does not exist (1..{len(self.portals)})")
        return self.portals[n - 1]

    def member_id(self, n: int) -> str:
        return self[n].config.member_id

    def by_member(self, member_id: str) -> Emulator:
        for emu in self.portals:
            if emu.config.member_id == member_id:
                return emu
        raise KeyError(member_id)

    def _route_all(self) -> None:
        routes: dict[str, Any] = {_netloc(self.oauth_url): self._oauth_app}
        for emu in self.portals:
            routes[_netloc(emu.base_url)] = emu.app
        self._routes = routes

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The farm's ASGI app: the `Host` header picks the portal (or the OAuth server)."""
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        host = ""
        for key, value in scope.get("headers", []):
            if key == b"host":
                host = value.decode("latin-1").lower()
        target = self._routes.get(host)
        if target is None:
            await _send_json(send, 404, b'{"error":"NOT_FOUND","error_description":"no such portal"}')
            return
        await target(scope, receive, send)

    async def _oauth_app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from starlette.requests import Request

        request = Request(scope, receive)
        path = request.url.path.rstrip("/")
        if path.startswith("/_farm/") and request.method == "POST":
            await self._admin(path, send)
            return
        if path != "/oauth/token":
            await _send_json(send, 404, b'{"error":"NOT_FOUND","error_description":"Not found"}')
            return
        params, _ = await read_params(request)
        status, body = self.token_endpoint(params)
        await _send_json(send, status, json.dumps(body).encode())

    async def _admin(self, path: str, send: Any) -> None:
        """`POST /_farm/install/N` and `/_farm/uninstall/N` on the OAuth server's address: run the lifecycle of
        portal N from a shell. They run on a worker thread: the application confirms an install with this server."""
        from starlette.concurrency import run_in_threadpool

        _, _, action, number = (path.split("/") + ["", ""])[:4]
        if (
            action not in ("install", "uninstall")
            or not number.isdigit()
            or not 1 <= int(number) <= len(self)
        ):
            await _send_json(
                send, 404, b'{"error":"NOT_FOUND","error_description":"no such portal or action"}'
            )
            return
        try:
            if action == "install":
                answers = await run_in_threadpool(self.install, int(number))
                body = {k: {"status": v.status_code} for k, v in answers.items()}
            else:
                answer = await run_in_threadpool(self.uninstall, int(number))
                body = {"event": {"status": answer.status_code if answer is not None else None}}
        except (ValueError, httpx.HTTPError) as exc:
            await _send_json(
                send, 502, json.dumps({"error": "DELIVERY_FAILED", "error_description": str(exc)}).encode()
            )
            return
        await _send_json(send, 200, json.dumps({"portal": int(number), action: body}).encode())

    def token_endpoint(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The OAuth server: the portal that holds this refresh token (or code) answers."""
        answer: tuple[int, dict[str, Any]] = (
            400,
            {"error": "invalid_grant", "error_description": "Invalid refresh token"},
        )
        for emu in self.portals:
            status, body = emu.oauth.token_endpoint(params)
            if status == 200:
                if params.get("grant_type") == "refresh_token":
                    with self._refresh_lock:
                        member = emu.config.member_id
                        self.refreshes[member] = self.refreshes.get(member, 0) + 1
                return status, body
            if body.get("error") == "invalid_client":
                answer = (status, body)
        return answer

    # -- transports ------------------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """A synchronous in-process transport to every portal and the OAuth server."""
        return SyncASGITransport(self.app, self._loop)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncASGITransport(self.app)

    def use_app_transport(self, transport: httpx.BaseTransport | None) -> None:
        """Deliver installs and events to the application through `transport` (in process) instead of sockets."""
        self.app_transport = transport
        for emu in self.portals:
            emu.events.transport = transport

    @contextmanager
    def serve(self, host: str = "127.0.0.1", *, ports: list[int] | None = None) -> Iterator[str]:
        """Serve on real sockets: one for the OAuth server, one per portal. Yields the OAuth server URL."""
        from .._settings import is_loopback_host

        if not is_loopback_host(host):
            raise ValueError(f"{host} is not a loopback address")
        socks = _bind(host, ports or [0] * (len(self.portals) + 1))
        previous = (self.oauth_url, [emu.base_url for emu in self.portals])
        self._readdress(host, [s.getsockname()[1] for s in socks])
        server, thread = _start_uvicorn(self.app, socks)
        try:
            yield self.oauth_url
        finally:
            server.should_exit = True
            thread.join(timeout=5)
            for s in socks:
                s.close()
            self.oauth_url = previous[0]
            for emu, url in zip(self.portals, previous[1], strict=True):
                emu.set_base_url(url)
                emu.config.portal_domain = _netloc(url)
            self._route_all()

    def _readdress(self, host: str, ports: list[int]) -> None:
        self.oauth_url = f"http://{host}:{ports[0]}"
        for emu, port in zip(self.portals, ports[1:], strict=True):
            emu.config.portal_domain = f"{host}:{port}"
            emu.set_base_url(f"http://{host}:{port}")
        self._route_all()

    # -- the lifecycle ---------------------------------------------------------------------------------
    def _post(self, url: str | None, payload: dict[str, Any], what: str, query: str = "") -> httpx.Response:
        if not url:
            raise ValueError(f"the farm has no {what} URL; pass install_url= / handler_url=")
        if not is_loopback_url(url):
            raise ValueError(f"{url} is not on loopback; the emulator does not reach the network")
        with httpx.Client(transport=self.app_transport, timeout=30.0, follow_redirects=False) as http:
            return http.post(
                url + (("&" if "?" in url else "?") + query if query else ""),
                content=encode(payload).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )

    def _auth(self, emu: Emulator, *, tokens: dict[str, Any] | None = None) -> dict[str, Any]:
        base = emu.base_url.rstrip("/")
        auth: dict[str, Any] = {}
        if tokens is not None:
            auth.update(access_token=tokens["access_token"], expires_in=str(tokens["expires_in"]),
                        scope=tokens["scope"], refresh_token=tokens["refresh_token"])  # fmt: skip
        auth.update(
            domain=emu.config.portal_domain, server_endpoint=f"{self.oauth_url}/rest/", status="L",
            client_endpoint=f"{base}/rest/", member_id=emu.config.member_id,
            application_token=emu.oauth.application_token(self.client_id),
        )  # fmt: skip
        return auth

    def _tokens(self, emu: Emulator, user_id: int) -> dict[str, Any]:
        tokens = emu.oauth.issue_tokens(self.client_id, user_id)
        tokens["server_endpoint"] = f"{self.oauth_url}/rest/"
        return tokens

    def install(self, n: int, *, via: str = "callback", user_id: int = 1) -> dict[str, Any]:
        """Install the application on portal `n` → the app server's answers.

        via="callback": POST the install form (AUTH_ID, AUTH_EXPIRES, REFRESH_ID, member_id, status; DOMAIN,
        APP_SID, … in the query) to the install URL, then send ONAPPINSTALL (no tokens) to the handler URL.
        via="event": POST an ONAPPINSTALL whose auth carries the tokens to the install URL.
        """
        emu = self[n]
        if emu.oauth.app(self.client_id) is None:  # installed again after an uninstall
            emu.oauth.register_app(self.scopes, client_id=self.client_id, client_secret=self.client_secret)
        tokens = self._tokens(emu, user_id)
        answers: dict[str, Any] = {}
        data = {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "en"}
        if via == "event":
            payload = {"event": "ONAPPINSTALL", "data": data, "ts": str(int(time.time())),
                       "auth": self._auth(emu, tokens=tokens)}  # fmt: skip
            answers["install"] = self._post(self.install_url, payload, "install")
        else:
            form = {
                "AUTH_ID": tokens["access_token"], "AUTH_EXPIRES": str(tokens["expires_in"]),
                "REFRESH_ID": tokens["refresh_token"], "member_id": emu.config.member_id, "status": "L",
                "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": "{}",
                "SERVER_ENDPOINT": tokens["server_endpoint"], "client_endpoint": tokens["client_endpoint"],
            }  # fmt: skip
            scheme = "1" if emu.base_url.startswith("https") else "0"
            query = encode({"DOMAIN": emu.config.portal_domain, "PROTOCOL": scheme, "LANG": "en",
                            "APP_SID": secrets.token_hex(16)})  # fmt: skip
            answers["install"] = self._post(self.install_url, form, "install", query)
            if self.handler_url:
                event = {"event": "ONAPPINSTALL", "data": data, "ts": str(int(time.time())),
                         "auth": self._auth(emu)}  # fmt: skip
                answers["event"] = self._post(self.handler_url, event, "handler")
        if self.handler_url:
            for name in ("ONAPPUNINSTALL",):
                if not any(b["event"] == name for _, b in emu.events.bindings(self.client_id)):
                    emu.events.bind(name, self.handler_url, client_id=self.client_id)
        return answers

    def install_all(self, **kw: Any) -> list[dict[str, Any]]:
        return [self.install(n, **kw) for n in range(1, len(self.portals) + 1)]

    def uninstall(self, n: int, *, clean: bool = True) -> httpx.Response | None:
        """Remove the application from portal `n`: its tokens and bindings go, then ONAPPUNINSTALL is sent."""
        emu = self[n]
        auth = self._auth(emu)
        handlers = [
            b["handler"] for _, b in emu.events.bindings(self.client_id) if b["event"] == "ONAPPUNINSTALL"
        ]
        store = emu.store
        with store.lock:
            for row_id, rec in store.select("oauth_token"):
                if rec.get("client_id") == self.client_id:
                    store.delete("oauth_token", row_id)
            for row_id, _ in emu.events.bindings(self.client_id):
                store.delete("event_binding", row_id)
            apps = store.kv_get("oauth_apps", {})
            apps.pop(self.client_id, None)
            store.kv_set("oauth_apps", apps)
        payload = {"event": "ONAPPUNINSTALL", "data": {"LANGUAGE_ID": "en", "CLEAN": "1" if clean else "0"},
                   "ts": str(int(time.time())), "auth": auth}  # fmt: skip
        answer = None
        for url in handlers or ([self.handler_url] if self.handler_url else []):
            answer = self._post(url, payload, "handler")
        return answer

    def close(self) -> None:
        for emu in self.portals:
            emu.close()
        self._loop.close()

    def __enter__(self) -> EmulatorFarm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _netloc(url: str) -> str:
    return httpx.URL(url).netloc.decode().lower()


async def _send_json(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _bind(host: str, ports: list[int]) -> list[socket.socket]:
    socks = []
    try:
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(2048)
            s.setblocking(False)
            socks.append(s)
    except OSError:
        for s in socks:
            s.close()
        raise
    return socks


def _start_uvicorn(app: Any, socks: list[socket.socket]) -> tuple[Any, threading.Thread]:
    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", http="h11", access_log=False, interface="asgi3"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": socks}, name="b24-farm-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator farm did not start")
        time.sleep(0.01)
    return server, thread
