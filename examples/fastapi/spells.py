"""A "spell": a long job that reports each step to its caster's page through the gateway, and
tells the whole crew (every logged-in page) when it starts and when it ends."""

import asyncio
import logging
import secrets

from gateway import Gateway

log = logging.getLogger("example.spells")

CREW = "crew:spellbook"
"""The channel every page joins: one log for all users, so all pages see the same lines in the
same order (the tokens grant `crew:*`, see app.py)."""


class Spells:
    """Starts casts as background tasks and keeps them referenced until they end."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.running: set[asyncio.Task] = set()

    def cast(self, user: str, steps: int, step_ms: int) -> str:
        """Starts a cast and returns its id at once; its events arrive on topic `cast:{id}`."""
        # Random, not a counter: a restarted backend must not reuse an id whose idempotency
        # keys the gateway still remembers (it would answer the old seqs and store nothing).
        cast_id = secrets.token_hex(4)
        task = asyncio.create_task(self._run(user, cast_id, steps, step_ms))
        self.running.add(task)
        task.add_done_callback(self._finished)
        return cast_id

    async def _run(self, user: str, cast_id: str, steps: int, step_ms: int) -> None:
        topic = f"cast:{cast_id}"

        async def publish(type: str, data: dict, key: str) -> None:
            data = {"castId": cast_id, "steps": steps, **data}
            await self.gateway.publish(type, data, user=user, topic=topic, key=key)

        async def tell_crew(what: str, text: str) -> None:
            data = {"castId": cast_id, "user": user, "what": what, "text": text}
            await self.gateway.publish("crew_line", data, channel=CREW, key=f"{topic}:crew:{what}")

        await tell_crew("started", f"{user} started a {steps}-step spell ({cast_id})")
        for step in range(1, steps + 1):
            await publish("step_started", {"step": step}, f"{topic}:step:{step}:started")
            await asyncio.sleep(step_ms / 1000)  # the real work would happen here
            progress = round(step / steps, 4)
            await publish("step_completed", {"step": step, "progress": progress}, f"{topic}:step:{step}")
        await publish("cast_finished", {}, f"{topic}:finished")
        await tell_crew("finished", f"{user}'s spell {cast_id} is done")

    def _finished(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        if not task.cancelled() and task.exception():
            log.error("cast failed", exc_info=task.exception())

    async def stop(self) -> None:
        for task in self.running:
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)
