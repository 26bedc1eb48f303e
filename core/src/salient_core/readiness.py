"""What an orchestrator's probes ask a server over HTTP: is it alive, and should it get traffic now.

- `/livez`: the process serves requests. A failing liveness probe restarts the container, so this asks nothing of
  the database: a database outage must not restart every replica.
- `/readyz`: the database answers and its schema is current for this version (core's and the server's migrations),
  and the warm-up is done (warm_up.py). Until then a load balancer sends the replica nothing. It costs one query: the
  same one `upgrade` starts with (migrate.py).
- `/healthz`: what `salient up` has always waited on: 503 while warming up, 200 after.

During a rolling upgrade the new version's migration Job may run while the old replicas still serve: they report
not ready once the schema is past theirs, so they are not sent traffic they might get wrong.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from salient_core.db import Database
from salient_core.migrate import MigrationSet, is_current
from salient_core.warm_up import WarmUp

CHECK_WITHIN = 3.0  # seconds; a probe's own timeout is longer, so a hung database reads as "not ready", not a timeout


@dataclass
class Readiness:
    """The state `/readyz` reads: the server's database while it is open, its migrations and its warm-up."""

    migrations: tuple[MigrationSet, ...]
    warm: WarmUp
    db: Database | None = field(default=None)

    async def check(self) -> tuple[bool, str]:
        """(ready, why): why is `ok` when ready, else what it waits for."""
        db = self.db
        if db is None:
            return False, "the database is not open yet"
        try:
            current = await asyncio.wait_for(is_current(db, *self.migrations), CHECK_WITHIN)
        except (TimeoutError, DBAPIError, OSError) as exc:
            return False, f"the database does not answer ({type(exc).__name__})"
        if not current:
            return False, "the database schema is not this version's (migrations pending, or newer)"
        if not self.warm.done:
            return False, "warming up"
        return True, "ok"
