"""What every venue's private stream provides, and the parsing all of them share.

A venue's `private` module holds a `StreamProtocol`: its production URL, heartbeat and
limits as data, the login frames it signs (pure, from the keys and the venue's clock),
the subscribe frames sent once logged in, and a `PrivateParser` turning its pushes into
`arbot.privateevents`. The private feed (`arbot.exchanges.privatefeed`) runs them over
the one feed loop and never asks which venue it is.

A login answer is a `LoginResult`: refused logins are sorted into the few problems a
user can act on (key, signature, passphrase, timestamp), which gives the one clear
message per venue that pauses its trading.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from typing import ClassVar

import msgspec

from arbot.domain import Pong, Quote, Venue
from arbot.exchanges.drops import Drop, DropCounter
from arbot.exchanges.feedadapter import Heartbeat, Limits
from arbot.exchanges.frameparser import FrameParser
from arbot.exchanges.orderwire import num
from arbot.exchanges.signing import Credentials, hmac_b64, prehash
from arbot.privateevents import PrivateEvent


class LoginProblem(enum.StrEnum):
    KEY = "key"  # unknown, invalid or revoked API key
    SIGNATURE = "signature"  # the secret does not match the key
    PASSPHRASE = "passphrase"
    TIMESTAMP = "timestamp"  # the login's timestamp is outside the venue's window
    OTHER = "other"


_ADVICE = {
    LoginProblem.KEY: "the API key is invalid or revoked",
    LoginProblem.SIGNATURE: "the signature does not match (wrong API secret)",
    LoginProblem.PASSPHRASE: "the passphrase is wrong",
    LoginProblem.TIMESTAMP: "the login timestamp expired (the clocks disagree)",
    LoginProblem.OTHER: "the login failed",
}


class LoginResult(msgspec.Struct, frozen=True, kw_only=True):
    """The venue's answer to our login: accepted, or refused with its code and words."""

    venue: Venue
    ok: bool
    code: str = ""
    message: str = ""
    problem: LoginProblem = LoginProblem.OTHER

    def text(self) -> str:
        """The one message a user reads when the venue refuses the keys."""
        said = f"{self.code} {self.message}".strip()
        return (f"{self.venue} refused the private stream's login: "
                f"{_ADVICE[self.problem]} ({said or 'no reason given'})")


Deliver = Callable[[PrivateEvent], None]
OnLogin = Callable[[LoginResult], None]


class PrivateParser(FrameParser):
    """One socket's private frames. `quote` never yields a quote: order, fill and balance
    events go to `deliver`, login answers to `on_login`, acks, pongs, errors and notices
    to `events` for the feed loop, and unreadable frames are counted, never raised."""

    venue: ClassVar[Venue]

    def __init__(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin) -> None:
        super().__init__(lambda venue_id: venue_id, drops)
        self.deliver = deliver
        self.on_login = on_login

    def quote(self, frame: str | bytes, recv_ns: int) -> Quote | None:
        try:
            self.read(frame, recv_ns)
        except msgspec.ValidationError:  # a DecodeError too: first
            self.drops.add(Drop.INVALID_FRAME)
        except msgspec.DecodeError:
            self.drops.add(Drop.INVALID_JSON)
        except (ValueError, TypeError, ArithmeticError):
            self.drops.add(Drop.INVALID_FRAME)
        return None

    @abc.abstractmethod
    def read(self, frame: str | bytes, recv_ns: int) -> None:
        """Parse one frame; raise ValueError (or a msgspec error) on anything malformed."""

    def refused(self, code: object, message: object, problems: dict[str, LoginProblem]
                ) -> None:
        """A refused login, its problem found by the venue's code in `problems`."""
        code_text, text = str(code or ""), str(message or "")
        self.on_login(LoginResult(venue=self.venue, ok=False, code=code_text, message=text,
                                  problem=problems.get(code_text, LoginProblem.OTHER)))

    def accepted(self) -> None:
        self.on_login(LoginResult(venue=self.venue, ok=True))

    def text_pong(self, frame: str | bytes) -> bool:
        """Whether `frame` is the bare text "pong" with which some venues answer a text
        "ping"; it is handed to the feed loop as the venue's Pong."""
        if frame not in ("pong", b"pong"):
            return False
        self.events.append(Pong(venue=self.venue))
        return True


class StreamProtocol(abc.ABC):
    """One venue's private stream as data plus pure functions. `account_mode` tells,
    when asked (at each connect), the mode the venue's REST client found the account in
    (None where the venue has no modes): a venue may serve one mode on a stream of its
    own (`url`)."""

    venue: ClassVar[Venue]
    heartbeat: ClassVar[Heartbeat]
    limits: ClassVar[Limits] = Limits(args_per_frame=10, frame_bytes=4096,
                                      streams_per_connection=10)
    max_connection_age_s: ClassVar[float | None] = None
    ack_per_arg: ClassVar[bool] = False

    def __init__(self, account_mode: Callable[[], str | None] = lambda: None) -> None:
        self.account_mode = account_mode

    def url(self, configured: str) -> str:
        """The stream to connect to, given the configured one (the venue's classic
        private stream, or a stand-in's)."""
        return configured

    @abc.abstractmethod
    def login_frames(self, creds: Credentials, ts_ms: int) -> list[str]:
        """The signed login, `ts_ms` being the venue's clock now."""

    @abc.abstractmethod
    def subscribe_frames(self) -> list[str]:
        """What to subscribe once logged in ([] where the login subscribes too); each
        frame is acknowledged once."""

    @abc.abstractmethod
    def new_parser(self, drops: DropCounter, deliver: Deliver, on_login: OnLogin
                   ) -> PrivateParser:
        """A parser for one socket."""


def verify_login(creds: Credentials, ts_ms: int, verify_path: str) -> str:
    """`{"op":"login",...}` of the venues that sign, in Base64 HMAC-SHA256, the timestamp
    in seconds + "GET" + a fixed verify path, and send the passphrase beside it."""
    ts = str(ts_ms // 1000)
    sign = hmac_b64(creds.secret, prehash(ts, "GET", verify_path, b""))
    return msgspec.json.encode({"op": "login", "args": [{
        "apiKey": creds.key, "passphrase": creds.passphrase, "timestamp": ts,
        "sign": sign}]}).decode()


def one_per_frame(args: Sequence[object], **fields: str) -> list[str]:
    """`{"op":"subscribe","args":[arg]}` per arg, for venues that acknowledge each arg
    on its own: one ack per frame keeps the count the feed expects."""
    return [msgspec.json.encode({**fields, "op": "subscribe", "args": [arg]}).decode()
            for arg in args]


def stamp_ms(text: str) -> int | None:
    """A venue's millisecond timestamp written as text; None when it sent none."""
    return int(text) if text else None


def amount(value: str | float | None) -> float:
    """A venue amount that must be finite and not negative; ValueError otherwise."""
    out = num(value)
    if not 0.0 <= out < float("inf"):
        raise ValueError(f"amount {value!r} out of range")
    return out


__all__ = ["Deliver", "LoginProblem", "LoginResult", "OnLogin", "PrivateParser",
           "StreamProtocol", "amount", "one_per_frame", "stamp_ms", "verify_login"]
