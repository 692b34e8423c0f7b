"""Airflow plugin: the disclosure quality view, and the GX and dbt docs, inside the Airflow UI.

Registers with Airflow 3's plugin manager:

* a FastAPI app mounted by the api-server at `/disclosure`:
  - `/disclosure/quality` - the on-call home page: the numbers that matter
    now, charts (inline SVG), the errors to act on with the cells involved
    and links to the document, runbook, task log and docs, the warnings by
    check and the resolved; filters `?agency=&region=&year=&check=&severity=
    &status=&lang=`. Server-side HTML from `pipeline.quality_view`, which
    reads the PUBLISHED read-only copy of the DuckDB warehouse (never the
    file the pipeline writes), or the marts on Postgres. Without a
    warehouse it says so ("run ./dev run").
  - `/disclosure/document/<report id>` - the landed copy of its document.
  - `/disclosure/runbook` - docs/RUNBOOK.md, headings with GitHub's anchors.
  - `/disclosure/docs/gx/...` and `/disclosure/docs/dbt/...` - the GX data
    docs (`$DISCLOSURE_DOCS_DIR/gx`) and dbt docs (`$DISCLOSURE_DOCS_DIR/dbt`)
    as static files.
  - `/disclosure/health` - JSON: is there a warehouse to show.
  Every page needs an Airflow login (the UI's `_token` cookie or an
  `Authorization: Bearer` token), like the rest of the UI.
* an external view "Disclosure quality" in the UI's navigation, which shows
  `/disclosure/quality` inside Airflow (`/plugin/disclosure-quality`).

The module imports nothing heavy: the DAG processor and task processes load
plugins too. The FastAPI app is built on its first request; DuckDB and the
view's code are imported then.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/disclosure"
QUALITY_PATH = f"{URL_PREFIX}/quality"


def create_app() -> Any:
    """The FastAPI app of the quality view and the docs (built lazily by `_LazyApp`)."""
    from pathlib import Path

    from fastapi import FastAPI, Header, HTTPException, Request
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

    from pipeline import quality_view
    from pipeline.settings import Settings

    app = FastAPI(title="Disclosure quality", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def require_login(request: Request, call_next: Any) -> Any:
        try:
            await _authenticate(request)
        except HTTPException as exc:
            return HTMLResponse(_login_page(exc.detail), status_code=exc.status_code)
        return await call_next(request)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(QUALITY_PATH)

    @app.get("/quality", response_class=HTMLResponse)
    def quality(
        agency: str = "",
        region: str = "",
        year: str = "",
        check: str = "",
        severity: str = "",
        status: str = "",
        lang: str = "",
        accept_language: str = Header(default=""),
    ) -> HTMLResponse:
        settings = Settings.from_env()
        try:
            data = quality_view.load(settings)
        except quality_view.NoWarehouse as exc:
            return HTMLResponse(quality_view.render_no_warehouse(str(exc), URL_PREFIX))
        filters = quality_view.Filters(
            agency=agency.strip(),
            region=region.strip(),
            year=int(year) if year.strip().isdigit() else None,
            check=check.strip(),
            severity=severity if severity in ("error", "warning") else "",
            status=status if status in quality_view.STATES else "",
            lang=quality_view.language(lang, accept_language),
        )
        return HTMLResponse(quality_view.render(data, settings, URL_PREFIX, filters))

    @app.get("/document/{report_id}", include_in_schema=False)
    def document(report_id: str) -> Any:
        """The landed copy of the report's document, shown inline under its original file name."""
        import mimetypes

        try:
            found = quality_view.landed_document(Settings.from_env(), report_id)
        except quality_view.NoWarehouse as exc:
            raise HTTPException(404, str(exc)) from exc
        if found is None:
            raise HTTPException(404, f"no landed document for report {report_id}")
        path, name = found
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if isinstance(path, Path):
            return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="inline")
        return Response(path.read_bytes(), media_type=media_type)

    @app.get("/runbook", response_class=HTMLResponse, include_in_schema=False)
    def runbook() -> HTMLResponse:
        from pipeline.runbook_page import RUNBOOK_PATH, render_runbook

        if not RUNBOOK_PATH.is_file():
            raise HTTPException(404, f"no runbook at {RUNBOOK_PATH}")
        return HTMLResponse(render_runbook())

    @app.get("/health")
    def health() -> JSONResponse:
        settings = Settings.from_env()
        try:
            data = quality_view.load(settings)
        except quality_view.NoWarehouse as exc:
            return JSONResponse({"warehouse": False, "reason": str(exc)})
        return JSONResponse(
            {"warehouse": True, "source": data.source, "failed": len(data.failures), "reports": data.reports}
        )

    @app.get("/docs/{kind}/{path:path}", include_in_schema=False)
    def docs(kind: str, path: str = "") -> Any:
        settings = Settings.from_env()
        roots = {"gx": settings.gx_docs_dir, "dbt": settings.dbt_docs_dir}
        if kind not in roots:
            raise HTTPException(404)
        root = Path(roots[kind]).resolve()
        target = (root / (path or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            if not root.is_dir():
                return HTMLResponse(
                    quality_view.render_no_warehouse(f"no {kind} docs at {root} yet", URL_PREFIX), status_code=404
                )
            raise HTTPException(404, f"{path} not found in the {kind} docs")
        return FileResponse(target)

    return app


async def _authenticate(request: Any) -> None:
    """Raise HTTPException unless the request carries a valid Airflow token (bearer or UI cookie)."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    await resolve_user_from_token(token)


def _login_page(detail: Any) -> str:
    import html

    return (
        '<!doctype html><meta charset="utf-8"><title>Disclosure quality: login needed</title>'
        '<body style="font-family:system-ui,sans-serif;padding:24px">'
        f"<h1>Login needed</h1><p>{html.escape(str(detail))}. "
        f'<a href="/auth/login/?next={QUALITY_PATH}" target="_top">Log in to Airflow</a>, then reload.</p></body>'
    )


class _LazyApp:
    """An ASGI app that builds the FastAPI app on its first request (the plugin import stays light)."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


class DisclosureQualityPlugin(AirflowPlugin):
    name = "disclosure_quality"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": _LazyApp(), "url_prefix": URL_PREFIX, "name": "Disclosure quality"},
    ]
    external_views: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "Disclosure quality",
            "href": QUALITY_PATH,
            "destination": "nav",
            "url_route": "disclosure-quality",
            "nav_top_level": True,
        },
    ]
