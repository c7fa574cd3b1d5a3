"""A FastAPI backend behind spellwire-server (the gateway).

The page connects to the gateway's WebSocket; this app never holds a socket. It
  - logs a user in (a name in a cookie, standing in for your real sessions),
  - signs the page's connection token (GET /token),
  - runs long jobs that publish their progress through the gateway (POST /cast, spells.py),
    and a line to the crew channel every page reads when one starts and when it ends,
  - answers the messages the page sends, which the gateway forwards (POST /spellwire/send),
  - says who may join the channels the token does not grant (POST /spellwire/subscribe).

Run it with ./scripts/example.sh, which starts both servers with matching secrets.
"""

import hmac
import logging
import re
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

import settings as config
from gateway import Gateway, GatewayUnavailable
from messages import Messages
from spells import CREW, Spells

settings = config.from_env()
gateway = Gateway(settings.gateway_url, settings.api_key, settings.jwt_secret, settings.token_ttl_secs)
spells = Spells(gateway)
messages = Messages(settings.db_path)
logging.basicConfig(level=logging.INFO)
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per publish otherwise


@asynccontextmanager
async def lifespan(_: FastAPI):
    yield
    await spells.stop()
    await gateway.close()
    messages.close()


app = FastAPI(title="spellwire FastAPI example", lifespan=lifespan)
# The built npm package. A real app would `npm install spellwire` and bundle it with its own
# JavaScript; here the repo's pkg/ (what npm would install) is served as it is, and the page's
# import map resolves 'spellwire' to /pkg/index.js.
app.mount("/pkg", StaticFiles(directory=settings.pkg_dir), name="pkg")
app.mount("/static", StaticFiles(directory=config.HERE / "static"), name="static")

USER_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # what the gateway accepts as a token's `sub`
CHANNELS = ["crew:*"]
"""The channels every token grants: the crew namespace (spells.CREW). Others are asked of
/spellwire/subscribe."""
ROOMS = {"room:lobby"}
"""Channels /spellwire/subscribe grants to everyone logged in; your app would look in its data."""


def current_user(user: str | None = Cookie(default=None)) -> str:
    if user is None or not USER_NAME.fullmatch(user):
        raise HTTPException(401, "log in first")
    return user


class Login(BaseModel):
    name: str = Field(pattern=USER_NAME.pattern)


class Cast(BaseModel):
    steps: int = Field(default=5, ge=1, le=100)
    stepMs: int = Field(default=400, ge=0, le=5000)


class Subscribe(BaseModel):
    """What the gateway asks for each `client.channel(name)` that the token does not grant."""

    user: str
    channel: str


class Send(BaseModel):
    """What the gateway forwards for each `client.send(type, data, { topic })`."""

    user: str
    id: str
    type: str
    topic: str | None = None
    data: Any = None


@app.get("/")
def index() -> FileResponse:
    return FileResponse(config.HERE / "static" / "index.html")


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/login")
def login(body: Login, response: Response) -> dict:
    response.set_cookie("user", body.name, httponly=True, samesite="strict")
    return {"user": body.name}


@app.post("/logout")
def logout(response: Response) -> dict:
    response.delete_cookie("user")
    return {}


@app.get("/me")
def me(user: str = Depends(current_user)) -> dict:
    """Who is logged in, where the page finds the gateway, and the crew channel it joins."""
    return {"user": user, "wsUrl": settings.ws_url, "crew": CREW}


@app.get("/token")
def token(user: str = Depends(current_user)) -> dict:
    """The page's token function calls this before each connection and before the token expires."""
    return {"token": gateway.connection_token(user, CHANNELS)}


@app.post("/cast")
async def cast(body: Cast, user: str = Depends(current_user)) -> dict:
    return {"castId": spells.cast(user, body.steps, body.stepMs)}


@app.get("/messages")
async def list_messages(user: str = Depends(current_user)) -> list[dict]:
    """The user's chat messages as stored, with how often each send id was applied and
    received: the test reads it, and a page could reload its history from it."""
    return [m for m in messages.listing() if m["user"] == user]


@app.post("/spellwire/send")
async def on_send(msg: Send, authorization: str = Header(default="")) -> JSONResponse:
    """The gateway's send proxy. `{"result": ...}` resolves the page's send() promise; an
    `error` (or any 4xx) rejects it; a 5xx or no answer makes the page resend the same id
    later, so a message is applied once per id and a repeat gets the first answer."""
    check_gateway(authorization)
    if msg.type != "chat":
        return refuse("unknown_type", f"no handler for messages of type {msg.type!r}")
    text = msg.data.get("text") if isinstance(msg.data, dict) else None
    if not isinstance(text, str) or not 0 < len(text) <= 500:
        return refuse("bad_message", "a chat message is {text: 1-500 characters}")
    result = messages.apply_once(msg.user, msg.id, text)
    # Published on every receipt, under a key made from the send id: the gateway stores the
    # reply once even if an earlier attempt published it and then lost its answer.
    reply = {"id": msg.id, "text": text, "reply": result["reply"]}
    await gateway.publish("chat_reply", reply, user=msg.user, topic=msg.topic, key=f"chat:{msg.user}:{msg.id}", attempts=2)
    if lost_answers.take():
        return JSONResponse({"error": "answer lost (test hook)"}, status_code=503)
    return JSONResponse({"result": result})


@app.post("/spellwire/subscribe")
def on_subscribe(req: Subscribe, authorization: str = Header(default="")) -> dict:
    """The gateway's subscribe proxy (--subscribe-proxy-url), same secret as the send proxy.
    `result` lets the page join; `error` refuses it (`forbidden`, with this message)."""
    check_gateway(authorization)
    if req.channel in ROOMS:
        return {"result": {}}
    return {"error": {"code": "forbidden", "message": f"{req.channel} is not open to {req.user}"}}


def check_gateway(authorization: str) -> None:
    """Both proxies: the request must carry the secret the gateway was given."""
    if not hmac.compare_digest(authorization, f"Bearer {settings.proxy_secret}"):
        raise HTTPException(401, "not the gateway")


@app.exception_handler(GatewayUnavailable)
def gateway_unavailable(_, err: GatewayUnavailable) -> JSONResponse:
    """503: for the send proxy a temporary failure, so the page resends the message later."""
    return JSONResponse({"detail": str(err)}, status_code=503)


def refuse(code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=400)


class LostAnswers:
    """Test hook (EXAMPLE_TEST_HOOKS=1): the next `count` sends are applied, then answered with
    503, as when the backend crashes right after committing. The gateway has the page resend."""

    count = 0

    def take(self) -> bool:
        if self.count <= 0:
            return False
        self.count -= 1
        return True


lost_answers = LostAnswers()
if settings.test_hooks:

    @app.post("/test/lose-answers")
    def lose_answers(count: int = 1) -> dict:
        lost_answers.count = count
        return {"count": count}
