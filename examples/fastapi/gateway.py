"""The backend's two calls into spellwire: sign a connection token, publish an event (to a
user's own stream or to a channel that many users read)."""

import asyncio
import logging
import time
from typing import Any

import httpx
import jwt

log = logging.getLogger("example.gateway")


class GatewayUnavailable(Exception):
    """The gateway did not take a publish after every retry."""


class Gateway:
    """spellwire-server as the backend sees it."""

    def __init__(self, url: str, api_key: str, jwt_secret: str, token_ttl_secs: int):
        self.url = url
        self.jwt_secret = jwt_secret
        self.token_ttl_secs = token_ttl_secs
        self.http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {api_key}"}, timeout=5.0
        )

    def connection_token(self, user: str, channels: list[str]) -> str:
        """A short-lived HS256 JWT naming the user; the page hands it to the gateway.

        `channels` is what the page may join without asking the backend: exact names
        (`crew:spellbook`) or whole namespaces (`crew:*`). A channel outside it goes to the
        subscribe proxy (app.py's /spellwire/subscribe), or is refused when there is none.
        """
        now = int(time.time())
        claims = {"sub": user, "iat": now, "exp": now + self.token_ttl_secs, "channels": channels}
        return jwt.encode(claims, self.jwt_secret, algorithm="HS256")

    async def publish(
        self,
        type: str,
        data: Any,
        *,
        user: str | None = None,
        channel: str | None = None,
        topic: str | None = None,
        key: str,
        attempts: int = 8,
    ) -> int:
        """Appends an event to one user's stream (`user`) or to a channel (`channel`: every page
        that joined it gets the event) and returns its seq in that stream.

        `key` is the idempotency key: the gateway stores an event once per key and answers a
        repeat with the first seq, so a publish whose answer was lost (network error, 5xx) is
        simply sent again. A 4xx is a mistake in the request and is raised at once.
        """
        if (user is None) == (channel is None):
            raise ValueError("publish to a user or to a channel: give exactly one")
        target = {"user": user} if channel is None else {"channel": channel}
        body = {**target, "type": type, "data": data, "idempotencyKey": key}
        if topic is not None:
            body["topic"] = topic
        for attempt in range(attempts):
            try:
                response = await self.http.post(f"{self.url}/api/publish", json=body)
                if response.status_code < 500:
                    response.raise_for_status()
                    return response.json()["seq"]
                why = f"HTTP {response.status_code}"
            except httpx.TransportError as err:
                why = repr(err)
            delay = min(0.1 * 2**attempt, 2.0)
            log.warning("publish %s failed (%s); retrying in %.1f s", key, why, delay)
            await asyncio.sleep(delay)
        raise GatewayUnavailable(f"publish {key}: gave up after {attempts} attempts")

    async def close(self) -> None:
        await self.http.aclose()
