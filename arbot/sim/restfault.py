"""REST misbehaviour on demand: an error status, a Retry-After, a slow answer, an answer
held back after the venue acted.

Clients must survive what real venues do under load (429 with Retry-After, 5xx, answers
that never come) and must not retry what cannot succeed; tests switch these on per venue
at runtime with `SimServer.set_rest_fault`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from arbot.sim.wire import dumps

ANSWER_LATE = web.RequestKey("answer_late_s", float)
"""Where a request carries its fault's `answer_late_s` to the signed handler."""


@dataclass(frozen=True)
class RestFault:
    """How a venue's REST endpoints misbehave; a fault with no status only delays."""

    status: int | None = None
    """Answer with this HTTP status instead of the real reply."""
    body: object = None
    """JSON body sent with `status` (e.g. the venue's error envelope); None sends a short
    text/plain page, as a proxy in front of the venue would."""
    retry_after: float | None = None
    """Sent as the Retry-After header (seconds) with `status`."""
    delay_s: float = 0.0
    """Wait this long before answering (either way)."""
    answer_late_s: float = 0.0
    """Act on a signed request at once (its stream pushes leave) but hold its answer
    this long: the venue did the work, its gateway is slow to say so."""
    times: int | None = None
    """Only the next `times` matching requests; None: every one."""
    path: str | None = None
    """Only requests to this path under the venue prefix (e.g. `/api/v3/time`); None: all."""

    def response(self) -> web.Response:
        assert self.status is not None
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        if self.body is None:
            return web.Response(status=self.status, text=f"{self.status} simulated fault",
                                headers=headers)
        return web.Response(status=self.status, body=dumps(self.body),
                            content_type="application/json", headers=headers)


class ArmedRestFault:
    """A fault in force on one venue, counting down `times`."""

    def __init__(self, fault: RestFault) -> None:
        self.fault = fault
        self.left = fault.times

    def take(self, path: str) -> RestFault | None:
        """The fault for a request to `path`, or None when it does not apply (any more)."""
        if self.fault.path is not None and self.fault.path != path:
            return None
        if self.left is not None:
            if self.left <= 0:
                return None
            self.left -= 1
        return self.fault
