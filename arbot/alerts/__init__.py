"""Alerts through Apprise: what happened (`alert`), whether to send it now (`gate`), where
to (`destinations`, from ARBOT_ALERT_URLS only), from which events (`sink`, on the event
loop; `watch`, a thread that notices stalls even when the loop is stuck), all put together
by `service.Alerts`. Nothing here may block or crash trading: events are only queued on the
loop, and every delivery happens on the destinations' own threads.
"""
