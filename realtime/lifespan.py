"""The ASGI lifespan protocol: what a server process does when it starts and stops.

uvicorn sends ``lifespan.shutdown`` once its connections are closed (a deploy,
a rolling restart with SIGHUP, a scale-down): the room hub then leaves its
groups at once instead of leaving its channel behind in the channel layer.
"""

from __future__ import annotations

import logging

from realtime.hub import shutdown_hub

logger = logging.getLogger(__name__)


async def lifespan_app(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await shutdown_hub()
            except Exception:  # a stopping server must still stop
                logger.warning("room hub shutdown failed", exc_info=True)
            await send({"type": "lifespan.shutdown.complete"})
            return
