"""REST answers still on their way for orders whose final state the stream told first.

A venue answers an order's REST call and pushes the order on its private stream
independently, and either may come first. When the push comes first the fill is known
and the trade goes on, but the order request is never cancelled: its answer is awaited
to the end here (the trade is closed only after), and what it says is checked against
what the push said. The ledger books an order once, whichever told first.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from arbot.domain import OrderReport, OrderRequest
from arbot.exchanges.restspec import RestError

log = logging.getLogger("arbot.trading")


class Answers:
    """The answers of one trade's orders that are still on their way."""

    def __init__(self) -> None:
        self._pending: set[asyncio.Future[OrderReport]] = set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, req: OrderRequest, known: OrderReport | None,
            answer: asyncio.Future[OrderReport]) -> None:
        """Keep `answer` (the order's REST call, running) until it ends; `known` is what
        the stream already said of the order (None: nothing yet, the caller left)."""
        self._pending.add(answer)
        answer.add_done_callback(partial(self._done, req, known))

    async def wait(self) -> None:
        """Until every answer is in. Cancelling the caller leaves them running."""
        while self._pending:
            await asyncio.wait(list(self._pending))

    def _done(self, req: OrderRequest, known: OrderReport | None,
              answer: asyncio.Future[OrderReport]) -> None:
        self._pending.discard(answer)
        if answer.cancelled():
            return
        exc = answer.exception()
        if known is None:  # the trade stopped waiting (cancelled) before any word
            log.warning("%s on %s: the order call ended after the trade stopped waiting: "
                        "%s", req.client_id, req.venue,
                        exc if exc is not None else answer.result().status)
            return
        told = f"{known.status} {known.filled_qty:g}"
        if exc is None:
            got = answer.result()
            if got.status.final and (
                    got.status is not known.status or got.filled_qty != known.filled_qty):
                log.error("%s on %s: the venue answered %s %g but its stream said %s",
                          req.client_id, req.venue, got.status, got.filled_qty, told)
        elif isinstance(exc, RestError) and exc.kind.outcome_unknown:
            log.info("%s on %s: the answer was lost (%s); its stream said %s",
                     req.client_id, req.venue, exc, told)
        else:
            log.error("%s on %s: the order call failed (%s) after its stream said %s",
                      req.client_id, req.venue, exc, told)
