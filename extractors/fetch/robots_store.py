"""robots.txt answers kept per origin in the fetch state for at most a day, shared by every fetching process.

RFC 9309 section 2.4 lets a crawler cache robots.txt for up to 24 hours. A
`Fetcher` lives for one source, so without this every source (and every
fetch task) asked its host again; with it a host's robots.txt is asked at
most once a day. Only answers are kept (a 2xx body, or the status of a 4xx:
no rules); an unreachable robots.txt is not, so the next fetcher tries again
as before. One small JSON file per origin under `<fetch_state_dir>/robots/`,
replaced atomically like the validators.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from extractors.fetch.state import write_json

MAX_AGE = 24 * 3600.0  # seconds: RFC 9309 section 2.4


@dataclass(frozen=True)
class RobotsAnswer:
    origin: str  # scheme://host[:port]
    http_status: int
    body: str  # the robots.txt text of a 2xx, empty otherwise
    fetched_at: float  # epoch seconds


class RobotsStore:
    def __init__(self, fetch_state_dir: Path, max_age: float = MAX_AGE) -> None:
        self.root = fetch_state_dir / "robots"
        self.max_age = max_age

    def _path(self, origin: str) -> Path:
        return self.root / f"{hashlib.sha256(origin.encode('utf-8')).hexdigest()}.json"

    def get(self, origin: str) -> RobotsAnswer | None:
        """The origin's answer if fetched less than `max_age` ago."""
        try:
            answer = RobotsAnswer(**json.loads(self._path(origin).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None  # absent or unreadable: one more robots.txt request, nothing worse
        fresh = 0 <= time.time() - answer.fetched_at < self.max_age
        return answer if answer.origin == origin and fresh else None

    def put(self, answer: RobotsAnswer) -> None:
        write_json(self._path(answer.origin), asdict(answer))
