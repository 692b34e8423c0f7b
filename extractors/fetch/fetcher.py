"""Fetch one URL politely and safely into the landing zone; every attempt ends as a FetchResult.

What a government website gets from us: a User-Agent naming the project and
a contact URL, robots.txt honoured, at most `max_concurrency_per_host`
requests at a time and one start per `min_interval_per_host` seconds per host
(across processes: parallel fetch tasks share the budget, see host_limiter),
retries with exponential backoff only on 5xx/429 and network errors, and a
conditional GET (If-None-Match / If-Modified-Since) for a document we already
hold, so an unchanged report costs one 304; and a document we hold is asked
for only on its day of the revalidation cycle (extractors.fetch.revalidation),
`not_due` and no request on the other days.

What we refuse: non-http(s) URLs, hosts that resolve to private, loopback,
link-local or reserved addresses (unless the source is marked `local`, and
then only for its own host and port), more than `max_redirects` redirects,
bodies over `max_bytes` (counted as they are decoded, so a compression bomb
stops at the cap), stacked or unknown content encodings, and exchanges over
`total_timeout` (connect and headers included). Network and data problems never
raise: they are a FetchResult with a status and an `error` that starts with
a stable code (`fetch.too_large`, `fetch.timeout` ...).

How: `Fetcher.fetch` is a coroutine on httpx's AsyncClient, so one event loop
progresses many hosts at once without a thread per host (pipeline.fetch_step
runs a coroutine per host). Nothing on the way blocks the loop for long: the
address guard resolves names in the loop's executor, the per-host limiter
polls its lock files between `asyncio.sleep`s, and the whole exchange runs
under `asyncio.timeout(total_timeout)`, which cancels it wherever it is
(httpx's own timeouts are per socket operation: a server trickling a byte
a second never trips them). Landing the bytes and the state files are local
disk writes of a few ms, made on the loop. A sync caller runs the coroutine
with asyncio.run.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import ssl
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import tenacity

from extractors.fetch.address_guard import UnresolvableHost, host_of, origin_of, refusal
from extractors.fetch.body import BodyTooLarge, RefusedEncoding, read_capped
from extractors.fetch.host_limiter import HostSlots
from extractors.fetch.host_locks import LOCK_FILES, host_limiter
from extractors.fetch.revalidation import Revalidation
from extractors.fetch.robots_store import RobotsAnswer, RobotsStore
from extractors.fetch.state import ConditionalStore, Validators
from extractors.landing import land, landing_path
from extractors.storage import StorageConfig

log = logging.getLogger(__name__)

PROJECT_NAME = "disclosure-warehouse"
PROJECT_VERSION = "0.1"
# Placeholder: operators set `contact_url` in FetchConfig to a page that says who runs the crawl.
DEFAULT_CONTACT_URL = "https://example.org/disclosure-warehouse/crawler"

FETCHED = "fetched"
NOT_MODIFIED = "not_modified"
FAILED = "failed"
REFUSED = "refused"
TOO_LARGE = "too_large"
ROBOTS_DISALLOWED = "robots_disallowed"
NOT_DUE = "not_due"  # held, and not on its revalidation day: no request made, not in raw.fetch_attempts
STATUSES = (FETCHED, NOT_MODIFIED, FAILED, REFUSED, TOO_LARGE, ROBOTS_DISALLOWED, NOT_DUE)

SELECTED_HEADERS = ("content-type", "etag", "last-modified", "content-length")
_REDIRECTS = {301, 302, 303, 307, 308}
_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB


@dataclass(frozen=True)
class FetchConfig:
    """How hard and how politely to fetch. Tests shrink the timeouts and the backoff."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # between two reads of the body
    total_timeout: float = 300.0  # one exchange, connect and headers included: a trickling server cannot hold a worker
    retries: int = 3  # further tries after the first, on 5xx/429, timeouts and connection errors
    backoff_initial: float = 2.0  # seconds before the first retry; doubles each time
    backoff_max: float = 60.0
    max_bytes: int = 50 * 1024 * 1024  # reports are a few MB; a scanned one rarely above 30 MB
    max_redirects: int = 5
    min_interval_per_host: float = 1.0  # seconds between request starts on one host
    max_concurrency_per_host: int = 1  # across every process that fetches (extractors.fetch.host_limiter)
    respect_robots: bool = True
    contact_url: str = DEFAULT_CONTACT_URL

    @classmethod
    def from_options(cls, text: str) -> FetchConfig:
        """A config from `DISCLOSURE_FETCH_OPTIONS`: space-separated `field=value` (`read_timeout=5 retries=2`).

        Unknown fields and values of the wrong type raise ValueError naming them.
        """
        defaults = cls()
        values: dict[str, Any] = {}
        for item in text.split():
            name, sep, raw = item.partition("=")
            if not sep or name not in {f.name for f in fields(cls)}:
                raise ValueError(
                    f"DISCLOSURE_FETCH_OPTIONS: {item!r} is not field=value with a field of "
                    f"FetchConfig ({', '.join(f.name for f in fields(cls))})"
                )
            kind = type(getattr(defaults, name))
            try:
                values[name] = _boolean(raw) if kind is bool else kind(raw)
            except ValueError as exc:
                raise ValueError(f"DISCLOSURE_FETCH_OPTIONS: {name}={raw!r} is not a {kind.__name__}") from exc
        return cls(**values)

    @property
    def contact_warning(self) -> str | None:
        """Why the User-Agent does not yet say who runs the crawl (a site owner has no one to ask), or None."""
        if self.contact_url != DEFAULT_CONTACT_URL:
            return None
        return (
            f"the User-Agent's contact is the placeholder {DEFAULT_CONTACT_URL}: set "
            "DISCLOSURE_FETCH_OPTIONS=contact_url=<a page saying who runs the crawl>"
        )

    @property
    def user_agent(self) -> str:
        # ASCII only: header values are latin-1 on the wire.
        return (
            f"{PROJECT_NAME}/{PROJECT_VERSION} (+{self.contact_url}; collects annual government "
            "information disclosure reports)"
        )


@dataclass
class FetchResult:
    """One fetch attempt of one URL (retries and redirects included), as logged in raw.fetch_attempts."""

    url: str
    status: str  # one of STATUSES
    final_url: str | None = None
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # SELECTED_HEADERS present in the last response
    size: int | None = None
    sha256: str | None = None  # of the landed bytes; for not_modified and not_due, of the copy we already hold
    landing_path: str | None = None
    fetched_at: datetime = field(default_factory=lambda: _now())  # when the server answered (or we gave up)
    error: str | None = None  # "<code>: <detail>", e.g. "fetch.too_large: more than 1048576 bytes"
    tries: int = 0  # HTTP requests made, retries and redirect hops included
    source: str | None = None
    agency: str | None = None
    report_year: int | None = None
    step: str | None = None  # the run step that made the request: discover / fetch
    attempt_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    content: bytes | None = field(default=None, repr=False, compare=False)  # body kept for the caller to read

    @property
    def ok(self) -> bool:
        return self.status in (FETCHED, NOT_MODIFIED, NOT_DUE)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def text(self) -> str:
        """The body decoded (GBK/GB2312 pages included); empty when there is none."""
        return decode_page(self.content or b"", self.content_type)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (an Airflow XCom between the fetch and log tasks); the page body is left out."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "content"}
        data["headers"] = dict(self.headers)
        data["fetched_at"] = self.fetched_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FetchResult:
        values = dict(data)
        values["fetched_at"] = datetime.fromisoformat(values["fetched_at"])
        return cls(**values)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb18030", "cp936", "csgb2312"}


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Decode an HTML page: declared charset (header, then <meta>), GB family read as GB18030."""
    from extractors.encoding import decode

    declared = None
    if content_type:
        match = re.search(r"charset\s*=\s*[\"']?([\w\-]+)", content_type, re.IGNORECASE)
        declared = match.group(1) if match else None
    if not declared:
        match = _CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii") if match else None
    if declared:
        # GB18030 is a superset: pages labelled GB2312 routinely use GBK-only characters.
        encoding = "gb18030" if declared.lower() in _GB_FAMILY else declared
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong label is common; let detection decide
    return decode(data)[0]


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(text)
    return text.lower() == "true"


class _RetryableStatus(Exception):
    """A 5xx or 429 response: worth another try after a pause."""

    def __init__(self, status_code: int, headers: dict[str, str]) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.headers = headers


class _DeadlineExceeded(Exception):
    """One exchange (connect, headers, body) took longer than total_timeout: a retry would be as slow."""


@dataclass
class _Response:
    status_code: int
    headers: dict[str, str]
    location: str | None = None
    body: bytes = b""
    too_large: bool = False


class Fetcher:
    """Fetches URLs under one FetchConfig on the running event loop; its coroutines may share one.

    Open it with `async with` inside the loop that uses it (its client's connections belong to that loop).
    `revalidation` says which documents already held are asked for this run; by default all of them.
    `limiter` spaces and caps the requests to each host; by default the lock-file HostLimiter of the
    fetch state, where `hosts_at_once` caps the requests in flight to distinct hosts across every
    process sharing it (DISCLOSURE_FETCH_HOSTS; host_limiter.HostsAtOnce); None: no cap beyond each host's.
    """

    def __init__(
        self,
        storage: StorageConfig,
        config: FetchConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        state: ConditionalStore | None = None,
        revalidation: Revalidation | None = None,
        hosts_at_once: int | None = None,
        limiter: HostSlots | None = None,
    ) -> None:
        self.storage = storage
        self.config = config or FetchConfig()
        self.state = state or ConditionalStore(storage)
        self.revalidation = revalidation or Revalidation(days=1)
        self.limiter = limiter or host_limiter(LOCK_FILES, storage.fetch_state_dir, self.config, hosts_at_once)
        self.robots_store = RobotsStore(storage.fetch_state_dir)
        self._robots: dict[str, RobotFileParser | str] = {}  # origin -> parser, or why it blocks all
        self._robots_locks: dict[str, asyncio.Lock] = {}  # origin -> held while its robots.txt is read
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.read_timeout, connect=self.config.connect_timeout),
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "identity"},
            follow_redirects=False,  # every hop is checked here, not trusted to the client
            trust_env=False,  # a proxy from the environment would connect on our behalf, past the guard
            verify=_tls_context(),
            transport=transport,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        local: bool = False,
        conditional: bool = True,
        land_bytes: bool = True,
        keep_content: bool = False,
        source: str | None = None,
        agency: str | None = None,
        report_year: int | None = None,
        step: str | None = None,
    ) -> FetchResult:
        """Fetch `url`; land the bytes unless `land_bytes` is False (listing pages keep them in `content`).

        `keep_content` also keeps a landed document's bytes in `content` (the
        landed copy's for a 304), so that discovery reads the document it lands.

        `local` allows a private/loopback address for the URL's own host and port
        only (sources marked `local: true`); redirects elsewhere are checked as usual.
        """
        result = FetchResult(url=url, status=FAILED, source=source, agency=agency, report_year=report_year, step=step)
        allowed = frozenset({origin_of(url)}) if local else frozenset()
        validators = self.state.get(url) if conditional and land_bytes else None
        if validators is not None and not self.revalidation.due(url, validators.checked):
            # The held copy's validators stand in for response headers (its Last-Modified dates a bare file).
            result.headers = {
                k: v for k, v in (("etag", validators.etag), ("last-modified", validators.last_modified)) if v
            }
            return _finish(self._held(result, validators, keep_content), NOT_DUE, None)
        headers = validators.request_headers() if validators else {}
        try:
            response = await self._follow(url, allowed, headers, self.config.max_bytes, result, check_robots=True)
        except _DeadlineExceeded:
            return _finish(
                result,
                FAILED,
                f"fetch.timeout: the exchange (connect, headers, body) took over {self.config.total_timeout}s",
            )
        if response is None:
            return result  # refused, disallowed or failed, already described
        result.http_status = response.status_code
        result.headers = response.headers
        if response.too_large:
            return _finish(result, TOO_LARGE, f"fetch.too_large: more than {self.config.max_bytes} bytes")
        if response.status_code == 304:
            if validators is None or not headers:
                return _finish(result, FAILED, "fetch.http_status: 304 to an unconditional request")
            self.state.put(replace(validators, checked_on=self.revalidation.today.isoformat()))
            return _finish(self._held(result, validators, keep_content), NOT_MODIFIED, None)
        if not 200 <= response.status_code < 300:
            return _finish(result, FAILED, f"fetch.http_status: HTTP {response.status_code}")
        result.size = len(response.body)
        if land_bytes:
            sha256, path = land(self.storage, response.body)
            result.sha256, result.landing_path = sha256, str(path)
            etag, last_modified = response.headers.get("etag"), response.headers.get("last-modified")
            self.state.put(Validators(url, sha256, etag, last_modified, self.revalidation.today.isoformat()))
        if keep_content or not land_bytes:
            result.content = response.body
        return _finish(result, FETCHED, None)

    def _held(self, result: FetchResult, validators: Validators, keep_content: bool) -> FetchResult:
        """`result` pointing at the copy already landed (the store checked it exists)."""
        held = landing_path(self.storage, validators.sha256)
        result.sha256, result.landing_path = validators.sha256, str(held)
        if keep_content:
            result.content = held.read_bytes()
        return result

    async def _follow(
        self,
        url: str,
        allowed: frozenset[str],
        headers: dict[str, str],
        max_bytes: int,
        result: FetchResult,
        check_robots: bool,
    ) -> _Response | None:
        """Request `url`, following redirects one checked hop at a time; None when `result` says why not."""
        current = url
        for _hop in range(self.config.max_redirects + 1):
            result.final_url = current
            try:
                reason = await refusal(current, allowed)
            except UnresolvableHost as exc:
                _finish(result, FAILED, f"fetch.dns: {exc}")
                return None
            if reason:
                _finish(result, REFUSED, f"fetch.refused_address: {reason}")
                return None
            if check_robots and self.config.respect_robots:
                blocked = await self._robots_block(current, allowed)
                if blocked:
                    _finish(result, ROBOTS_DISALLOWED, f"fetch.robots: {blocked}")
                    return None
            try:
                response = await self._request(current, headers, max_bytes, result)
            except _RetryableStatus as exc:
                result.http_status, result.headers = exc.status_code, exc.headers
                _finish(result, FAILED, f"fetch.http_status: HTTP {exc.status_code} after {result.tries} tries")
                return None
            except httpx.TimeoutException as exc:
                _finish(result, FAILED, f"fetch.timeout: {type(exc).__name__} after {result.tries} tries")
                return None
            except RefusedEncoding as exc:
                _finish(result, REFUSED, f"fetch.refused_encoding: {exc}")
                return None
            except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
                _finish(result, FAILED, f"fetch.network: {type(exc).__name__}: {exc}")
                return None
            if response.status_code in _REDIRECTS and response.location:
                current = urljoin(current, response.location)
                continue
            return response
        _finish(result, FAILED, f"fetch.too_many_redirects: more than {self.config.max_redirects}")
        return None

    async def _request(self, url: str, headers: dict[str, str], max_bytes: int, result: FetchResult) -> _Response:
        """One GET with retries (tenacity, pausing in asyncio.sleep) on 5xx/429, timeouts and connection errors."""
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.config.retries + 1),
            wait=tenacity.wait_exponential(multiplier=self.config.backoff_initial, max=self.config.backoff_max),
            retry=tenacity.retry_if_exception_type(
                (_RetryableStatus, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
            ),
            before_sleep=lambda state: log.info("%s: retrying after %s", url, state.outcome.exception()),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                result.tries += 1
                return await self._request_once(url, headers, max_bytes)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _request_once(self, url: str, headers: dict[str, str], max_bytes: int) -> _Response:
        async with self.limiter.slot(host_of(url)):
            deadline = asyncio.timeout(self.config.total_timeout)  # cancels the exchange wherever it is
            try:
                async with deadline:
                    return await self._exchange(url, headers, max_bytes)
            except TimeoutError:
                if deadline.expired():  # not a socket's own timeout (httpx reports those as its TimeoutException)
                    raise _DeadlineExceeded(url) from None
                raise

    async def _exchange(self, url: str, headers: dict[str, str], max_bytes: int) -> _Response:
        """One request on a fresh connection, the body read under the cap."""
        # No idle keep-alive connections to thousands of hosts, each asked once a second at most.
        headers = headers | {"Connection": "close"}
        async with self.client.stream("GET", url, headers=headers) as response:
            selected = {k: response.headers[k] for k in SELECTED_HEADERS if k in response.headers}
            status = response.status_code
            if status >= 500 or status == 429:
                raise _RetryableStatus(status, selected)
            if status in _REDIRECTS or status == 304 or not 200 <= status < 300:
                return _Response(status, selected, location=response.headers.get("location"))
            declared = selected.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                return _Response(status, selected, too_large=True)  # refused before reading a byte
            try:
                # Raw bytes, decoded by us: httpx would inflate a whole chunk before any cap could apply.
                body = await read_capped(response.aiter_raw(), response.headers.get("content-encoding"), max_bytes)
            except BodyTooLarge:
                return _Response(status, selected, too_large=True)  # leaving `with` drops the connection
            return _Response(status, selected, body=body)

    async def _robots_block(self, url: str, allowed: frozenset[str]) -> str | None:
        """Why robots.txt forbids `url` for us, or None. Parsed once per origin and Fetcher, stored for a day."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_locks.setdefault(origin, asyncio.Lock()):  # one request per origin, not one per waiter
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._robots[origin] = await self._load_robots(origin, allowed)
        if isinstance(rules, str):
            return rules
        if not rules.can_fetch(PROJECT_NAME, url):
            return f"{origin}/robots.txt disallows {parts.path or '/'}"
        return None

    async def _load_robots(self, origin: str, allowed: frozenset[str]) -> RobotFileParser | str:
        stored = self.robots_store.get(origin)
        if stored is not None:
            return _robots_rules(origin, stored.http_status, stored.body)
        probe = FetchResult(url=origin + "/robots.txt", status=FAILED)
        try:
            response = await self._follow(probe.url, allowed, {}, _ROBOTS_MAX_BYTES, probe, check_robots=False)
        except _DeadlineExceeded:
            response = None
        if response is None or response.too_large:
            if probe.http_status is not None and 400 <= probe.http_status < 500:
                return _robots_rules(origin, probe.http_status, "")  # 429 after the retries; not stored
            # RFC 9309 2.3.1.4: an unreachable robots.txt means "assume everything is disallowed".
            return f"robots.txt unreachable ({probe.error or 'too large'})"
        body = response.body.decode("utf-8", errors="replace") if 200 <= response.status_code < 300 else ""
        self.robots_store.put(RobotsAnswer(origin, response.status_code, body, time.time()))
        return _robots_rules(origin, response.status_code, body)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification, built once a process: loading the CA bundle costs about 40 ms, and a
    fetch task opens a Fetcher per source (100 a task in bench.nationwide)."""
    return httpx.create_ssl_context(trust_env=False)


def _robots_rules(origin: str, http_status: int, body: str) -> RobotFileParser:
    """The rules of an answer: a 2xx body's, else none (RFC 9309: 4xx means no rules)."""
    parser = RobotFileParser(origin + "/robots.txt")
    if 200 <= http_status < 300:
        parser.parse(body.splitlines())
    else:
        parser.allow_all = True
    return parser


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC


def _finish(result: FetchResult, status: str, error: str | None) -> FetchResult:
    result.status, result.error = status, error
    result.fetched_at = _now()  # the answer's time, not the queueing's: first_seen_at reads it
    if error:
        log.warning("%s: %s (%s)", result.url, status, error)
    else:
        log.info("%s: %s (%s bytes, sha256 %s)", result.url, status, result.size, (result.sha256 or "")[:12])
    return result


def result_row(result: FetchResult) -> dict[str, Any]:
    """The raw.fetch_attempts row of a result (headers flattened into their own columns)."""
    return {
        "attempt_id": result.attempt_id,
        "source": result.source,
        "agency": result.agency,
        "report_year": result.report_year,
        "step": result.step,
        "url": result.url,
        "final_url": result.final_url,
        "status": result.status,
        "http_status": result.http_status,
        "content_type": result.headers.get("content-type"),
        "etag": result.headers.get("etag"),
        "last_modified": result.headers.get("last-modified"),
        "content_length": result.headers.get("content-length"),
        "size_bytes": result.size,
        "sha256": result.sha256,
        "landing_path": result.landing_path,
        "tries": result.tries,
        "fetched_at": result.fetched_at,
        "error": result.error,
    }
