"""What the trader needs from whoever fills its orders, paper or live.

`place` sends one IOC limit order (asking `check` as the last thing before it leaves) and
returns its final report when the venue gives one at once, or its acknowledgement (NEW)
when the venue only acknowledges; `status` looks an order up by client id, which is also
how an answer lost to a timeout is recovered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from arbot.domain import Balance, OrderReport, OrderRequest, Venue
from arbot.privateevents import StreamStatus
from arbot.tradekinds import TradingMode

SendCheck = Callable[[], str]
"""Asked right before an order leaves: why it must not ("" lets it go). `place` raises
`OrderNotSent` with that reason instead of sending."""


class Executor(Protocol):
    mode: TradingMode  # paper or live: recorded with every trade

    async def place(self, req: OrderRequest, check: SendCheck | None = None
                    ) -> OrderReport: ...

    async def status(self, req: OrderRequest) -> OrderReport: ...

    async def cancel(self, req: OrderRequest) -> OrderReport: ...

    async def balances(self, venue: Venue) -> dict[str, Balance]: ...

    def order_window_s(self, venue: Venue) -> float:
        """How long after an order is signed the venue may still accept it: before that,
        "no such order" may only mean "not arrived yet"."""
        ...

    def can_look_up(self, venue: Venue) -> bool:
        """Whether this executor can ask `venue` about a live order (live, with keys)."""
        ...

    def stream_epoch(self, venue: Venue) -> int | None:
        """The epoch of the venue's live private stream, None without one: an order's
        final state is then waited for on the stream (`pushed`) before REST is asked."""
        ...

    async def pushed(self, req: OrderRequest, epoch: int, wait_s: float
                     ) -> OrderReport | None:
        """The order's final report if its venue's stream pushes it within `wait_s` and
        stays on `epoch`; None (look it up) on silence or a reconnect."""
        ...

    def streams(self) -> Mapping[Venue, StreamStatus]:
        """Each venue's private stream as last reported (none on paper)."""
        ...

    def band_price(self, venue: Venue, symbol: str) -> float | None:
        """The price the venue measures its limit-price band from (its recent average),
        when a fresh one is known; None: the band is put around the book's mid."""
        ...

    def blocked(self, venue: Venue) -> str:
        """Why no order can go to `venue` now ("" when it can): no keys, rate limited."""
        ...
