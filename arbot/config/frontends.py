"""The front ends' sections: [ui], [api] and [serve]. The two that listen on a port
stay on this machine unless the user opts out: both can control trading.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from arbot.config.addresses import checked_url, loopback_unless_allowed
from arbot.config.keymap import check_keymap


class UiSettings(BaseModel):
    """The terminal UI."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    refresh_ms: int = Field(200, ge=50, le=5000, description="Screen refresh interval in ms.")
    show_sizes: bool = Field(False, description="Show top-of-book sizes next to prices.")
    keymap: dict[str, str] = Field(default_factory=dict, description=(
        "Key rebinding: binding id -> key, e.g. quit = \"ctrl+q\"."))

    @field_validator("keymap")
    @classmethod
    def _known_bindings_and_keys(cls, keymap: dict[str, str]) -> dict[str, str]:
        return check_keymap(keymap)


class ApiSettings(BaseModel):
    """The local REST API."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(False, description="Serve the REST API.")
    host: str = Field("127.0.0.1", min_length=1, description="Address to listen on.")
    port: int = Field(8765, ge=1, le=65535, description="TCP port to listen on.")
    allow_non_loopback: bool = Field(False, description=(
        "Allow a host other than loopback; the API can control trading, so this is opt-in."))
    max_connections: int = Field(32, ge=1, le=1000, description=(
        "Connections served at once; one more is answered 503 and closed at once."))
    timeout_s: float = Field(10.0, gt=0, le=300, description=(
        "Seconds a connection may take to send a request head, counted from connecting or "
        "from its last answer (so also the idle keep-alive time), and again for a body."))
    metrics_open_on_loopback: bool = Field(False, description=(
        "Serve GET /metrics without the bearer token to clients on this machine (127.0.0.1, "
        "::1), so a local scraper needs no token that could also control trading."))

    @model_validator(mode="after")
    def _loopback_unless_allowed(self) -> ApiSettings:
        loopback_unless_allowed("api", self.host, self.allow_non_loopback)
        return self


class ServeSettings(BaseModel):
    """`arbot serve`: the terminal UI in a browser, through textual-serve."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    host: str = Field("127.0.0.1", min_length=1, description="Address to listen on.")
    port: int = Field(8766, ge=1, le=65535, description="TCP port to listen on.")
    allow_non_loopback: bool = Field(False, description=(
        "Allow a host other than loopback; the page is the whole UI, trading controls "
        "included, with no login of its own, so this is opt-in."))
    public_url: str | None = Field(None, description=(
        "The address the browser uses, when it is not http://host:port (a tunnel to "
        "another local port, a proxy in front)."))

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else checked_url(value, ("http", "https")).rstrip("/")

    @model_validator(mode="after")
    def _loopback_unless_allowed(self) -> ServeSettings:
        loopback_unless_allowed("serve", self.host, self.allow_non_loopback)
        return self
