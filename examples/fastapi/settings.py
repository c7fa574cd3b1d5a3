"""The example's configuration, all from environment variables (scripts/example.sh sets them)."""

import os
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    gateway_url: str
    """spellwire-server's HTTP address, e.g. http://127.0.0.1:8080 (SPELLWIRE_URL)."""
    api_key: str
    """Bearer key for the gateway's POST /api/publish (SPELLWIRE_API_KEY)."""
    jwt_secret: str
    """HS256 key shared with the gateway; connection tokens are signed with it (SPELLWIRE_JWT_SECRET)."""
    proxy_secret: str
    """Bearer secret the gateway presents when it forwards a page's send (SPELLWIRE_PROXY_SECRET)."""
    token_ttl_secs: int
    """Lifetime of a connection token (TOKEN_TTL_SECS, default 600); the page renews it."""
    db_path: str
    """SQLite file of applied chat messages (EXAMPLE_DB, default messages.sqlite3 here)."""
    pkg_dir: Path
    """The built npm package, served at /pkg (EXAMPLE_PKG_DIR, default the repo's pkg/)."""
    test_hooks: bool
    """EXAMPLE_TEST_HOOKS=1 mounts /test/* for tests/example/run.mjs."""

    @property
    def ws_url(self) -> str:
        """The WebSocket address the page connects to."""
        return self.gateway_url.replace("http", "ws", 1).rstrip("/") + "/ws"


def from_env() -> Settings:
    """Reads the settings; a missing secret stops the app at start, not at the first request."""
    return Settings(
        gateway_url=_required("SPELLWIRE_URL").rstrip("/"),
        api_key=_required("SPELLWIRE_API_KEY"),
        jwt_secret=_required("SPELLWIRE_JWT_SECRET"),
        proxy_secret=_required("SPELLWIRE_PROXY_SECRET"),
        token_ttl_secs=int(os.environ.get("TOKEN_TTL_SECS", "600")),
        db_path=os.environ.get("EXAMPLE_DB", str(HERE / "messages.sqlite3")),
        pkg_dir=Path(os.environ.get("EXAMPLE_PKG_DIR", HERE.parent.parent / "pkg")),
        test_hooks=os.environ.get("EXAMPLE_TEST_HOOKS") == "1",
    )


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"set {name} (scripts/example.sh shows every variable)")
    return value
