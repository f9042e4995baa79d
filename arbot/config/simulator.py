"""The `[sim]` settings: how the built-in simulator behaves under `arbot --demo` and `arbot sim`.

Why it is a settings section and not only flags: rehearsing a fault (a venue that lags,
drops or talks garbage) is something a trader sets up once and runs many times, and the
demo has no flags of its own. Plain values here; `arbot.demo.sim_config` turns them into
the simulator's own `SimConfig` (the config package never imports the simulator).

A venue's `lag_ms` and `jitter_ms` left unset mean "the profile's own value for that
venue", so they are None here and never passed on; `max_connection_age_s` unset keeps the
venue's documented cut. Every other fault is off at 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from arbot.domain import Venue
from arbot.venues import VENUES

SimProfile = Literal["steady", "market"]
DAY_S = 86_400.0


class SimVenueSettings(BaseModel):
    """One venue's faults and lag on the simulator, `[sim.<venue>]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lag_ms: float | None = Field(None, ge=0, le=60_000, allow_inf_nan=False, description=(
        "How far behind the venue's clock its frames arrive, in ms (stamped into the "
        "frames' time fields); unset: the profile's own lag for this venue."))
    jitter_ms: float | None = Field(None, ge=0, le=60_000, allow_inf_nan=False, description=(
        "Standard deviation of that lag per frame, in ms; unset: the profile's own."))
    drop_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "Cut each connection (no close frame) this many seconds after it opens; 0 never."))
    stall_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "After this many seconds of service, go silent with the socket open; 0 never."))
    stall_for_s: float = Field(5.0, gt=0, le=3_600, allow_inf_nan=False, description=(
        "How long each stall lasts, in seconds."))
    garbage_rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description=(
        "Fraction (0..1) of pushed frames replaced by malformed ones."))
    absurd_rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description=(
        "Fraction (0..1) of pushed frames that are well formed but absurd (prices no "
        "market has)."))
    shutdown_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "Send the venue's planned-shutdown notice (if it has one) and close, this many "
        "seconds after a connection opens; 0 never."))
    max_connection_age_s: float | None = Field(None, ge=0, le=7 * DAY_S, allow_inf_nan=False,
                                               description=(
        "Close each connection this many seconds after it opened, as the venue does at "
        "24 h; 0 never; unset: the venue's documented age."))
    book_gap_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "Depth channel: leave out one push (a gap in its sequence) this often; 0 never."))
    book_bad_checksum_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False,
                                             description=(
        "Depth channel with a checksum (OKX, Bitget): send a wrong one this often; 0 never."))
    book_restart_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "Depth channel (Bybit): restart the book this often, the whole book as a delta "
        "with u = 1; 0 never."))
    book_reorder_every_s: float = Field(0.0, ge=0, le=DAY_S, allow_inf_nan=False, description=(
        "Depth channel: send a push after the one that follows it, this often; 0 never."))
    account_mode: str | None = Field(None, min_length=1, max_length=32, description=(
        "The demo account's mode where the venue has modes with their own private "
        "endpoints (Bitget: \"classic\" or \"uta\", a unified trading account); each "
        "mode refuses the other's endpoints. Unset: the venue's first mode."))


    fake_coins: list[str] = Field(default_factory=list, description=(
        "Coins this venue serves as another token under the same ticker (another contract "
        "address in its coin information), e.g. [\"ETH\"]: ArBot must refuse the pairs."))
    closed_networks: list[str] = Field(default_factory=list, description=(
        "COIN:CHAIN networks whose deposits and withdrawals this venue has suspended, e.g. "
        "[\"USDT:TRX\"] (chains: ETH, TRX, SOL, BTC, XRP, ARBITRUM)."))

    @field_validator("fake_coins")
    @classmethod
    def _coins(cls, value: list[str]) -> list[str]:
        return [c.strip().upper() for c in value if c.strip()]

    @field_validator("closed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            coin, sep, chain = item.partition(":")
            if not sep or not coin.strip() or not chain.strip():
                raise ValueError(f"{item!r} is not COIN:CHAIN, e.g. USDT:TRX")
        return [item.strip().upper() for item in value]


class _SimTables(BaseModel):
    """The simulator as a whole, plus one `[sim.<venue>]` table per venue."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    profile: SimProfile = Field("market", description=(
        "\"market\": each channel pushes on change as its venue documents it, busy and "
        "quiet symbols, per-venue lag; \"steady\": every subscription re-sent round-robin "
        "at `rate` (a load generator)."))
    seed: int = Field(0, ge=0, le=2**32 - 1, description=(
        "Seed of prices, activity, dislocations and faults: one seed, one run."))
    rate: float = Field(50.0, ge=0, le=100_000, allow_inf_nan=False, description=(
        "Profile \"steady\" only: frames per second per connection, shared by its "
        "subscriptions; 0 sends as fast as it can."))

    @model_validator(mode="after")
    def _known_modes(self) -> _SimTables:
        """An account mode only where the venue has it (`VenueSpec.account_modes`)."""
        for venue, spec in VENUES.items():
            mode = self.for_venue(venue).account_mode
            if mode is not None and mode not in spec.account_modes:
                have = ", ".join(f'"{m}"' for m in spec.account_modes)
                raise ValueError(f"sim.{venue}.account_mode {mode!r}: "
                                 + (f"{spec.label} has {have}" if have else
                                    f"{spec.label} has no account modes"))
        return self

    def for_venue(self, venue: Venue) -> SimVenueSettings:
        settings: SimVenueSettings = getattr(self, venue.value)
        return settings


def _venue_field(venue: Venue) -> Any:
    return Field(default_factory=SimVenueSettings,
                 description=f"{VENUES[venue].label} on the simulator: faults and lag.")


# One table per registered venue, built from the registry as `[exchanges]` is, so a new
# venue needs no edit here. mypy sees the base, which has every method callers use.
if TYPE_CHECKING:
    SimSettings = _SimTables
else:
    SimSettings = create_model(
        "SimSettings", __base__=_SimTables, __module__=__name__, __doc__=_SimTables.__doc__,
        **{v.value: (SimVenueSettings, _venue_field(v)) for v in VENUES})
