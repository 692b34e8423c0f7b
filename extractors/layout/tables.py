"""Map a document's rows to the canonical cells of the proactive, applications and appeals tables.

Columns come from each table's own header text (DESIGN.md: never from the
template's name alone); the template only supplies the cells a report must
state, so that an absent cell is emitted as null with a recorded issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from extractors import codes, templates
from extractors.document import Cell, Issue
from extractors.layout import labels, near_labels
from extractors.layout.digit_runs import FlatRow, resolve
from extractors.layout.placement import keep_first, place_row
from extractors.layout.rows import Row

# A header names at least 自然人, one legal-entity column and 总计; a lone 总计 is a row label.
_MIN_HEADER_COLUMNS = 3
# A row's labels name one application row (two with a group label such as （六）其他处理); labels naming
# this many rows are a header of row names: the table is transposed (applicants down, rows across).
_TRANSPOSED_MIN_ROW_LABELS = 4
# Corner labels of the application table's header, which name no column.
_CORNER_LABELS = ("申请人情况", "申请情况", "办理情况")
# A gov2021 row that the （六）其他处理 label alone names, held under this key (no row code) until the table is
# read: alone it is gov2019's single row (`other.other`); beside its sub-rows it is a group total, not kept.
_GROUP_ROW = "（六）其他处理"


@dataclass
class _State:
    template: str
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    context: str | None = None  # the table being read
    article: str | None = None
    measures: dict[str, list[str]] = field(default_factory=dict)  # article -> header measures
    applicants: list[str] | None = None
    header_complete: bool = True  # the applicant header names no column the mapper does not know
    appeal_columns: list[tuple[str, str]] | None = None
    in_other_group: bool = False
    last_row: str | None = None  # the last application row read: a misspelt label must name the next one
    flat: list[FlatRow] = field(default_factory=list)  # digit-run rows, split together at the end

    def place(self, row: Row, columns: list[str], table: str, row_code: str, article: str | None = None) -> None:
        """A row's cells: placed now, or (a flattened row) split with the others once all are read."""
        if row.flat:
            self.flat.append(FlatRow(table, row_code, columns, row.values[0], article))
            return
        self.add(place_row(row, columns, table, row_code, self.issues, article=article))

    def add(self, cells: list[Cell]) -> None:
        keep_first(self.cells, cells, self.issues)


def map_tables(rows: list[Row], template: str) -> tuple[list[Cell], list[Issue]]:
    state = _State(template=template)
    for row in near_labels.join_broken_labels(rows, template):
        _map_row(row, state)
    one_row = _settle_other_group(state)
    _split_flat_rows(state, one_row)
    _fill_template(state, one_row)
    return list(state.cells.values()), state.issues


def _map_row(row: Row, state: _State) -> None:
    texts = [t.text for t in row.labels]
    if _read_appeal_header(texts, state) or (not texts and (state.context == "appeals" or row.flat)):
        _appeal_row(row, state)
        return
    for text in texts:
        item = labels.article_item(text)
        if item:
            state.context, state.article = "proactive", item
            state.measures[item] = [m for m in (labels.measure(t) for t in texts) if m]
    if len({labels.application_row(t) for t in texts} - {None}) >= _TRANSPOSED_MIN_ROW_LABELS:
        state.issues.append(
            Issue(
                "table.transposed",
                f"a row of {len(row.values)} values under {len(texts)} labels that name "
                "application rows: the table runs applicants down and rows across, which is not read; "
                "its cells are null",
                severity="error",
                table="applications",
                line=row.line,
                page=row.page,
            )
        )
        state.context = "transposed"
        return
    candidates = [*reversed(texts), *near_labels.broken_pairs(texts)]
    row_code = _application_row_code(candidates, state)
    if row_code:
        _application_row(row, row_code, texts, state)
        return
    category = labels.category(texts[-1]) if texts else None
    # A flattened table's captions are glued to its headers, so a flat row's category alone places it.
    if category and (state.context == "proactive" or row.flat):
        _proactive_row(row, category, state)
        return
    fuzzy = near_labels.fuzzy_row(candidates, state.template, state.last_row)
    if fuzzy:
        state.issues.append(
            Issue(
                "row.fuzzy_label",
                f"label {fuzzy[1]!r} is no known row label; read as the near label of {fuzzy[0]}, "
                "the row expected here",
                table="applications",
                row=fuzzy[0],
                line=row.line,
                page=row.page,
            )
        )
        _application_row(row, fuzzy[0], texts, state)
        return
    state.issues.append(
        Issue(
            "row.unrecognized",
            f"a row of {len(row.values)} values under labels {texts[-3:]} matches no known row",
            line=row.line,
            page=row.page,
        )
    )


def _application_row_code(candidates: list[str], state: _State) -> str | None:
    """The row the first candidate label naming one names (candidates: the labels, last first, then joined)."""
    for text in candidates:
        code = labels.application_row(text)
        if code is None and labels.is_bare_other(text) and state.in_other_group:
            code = "other.other"
        if code:
            return _other_as_one_row(code, candidates, state.template)
    return None


def _other_as_one_row(code: str, candidates: list[str], template: str) -> str:
    """A gov2021 row that the 其他处理 group label alone names is the group printed as one row, or a group total
    beside its sub-rows: which one is known once the table is read (_settle_other_group)."""
    if code != "other.other" or template != "gov2021" or any(labels.is_bare_other(t) for t in candidates):
        return code
    return _GROUP_ROW if {labels.application_row(t) for t in candidates} - {None} == {code} else code


def _application_row(row: Row, row_code: str, texts: list[str], state: _State) -> None:
    state.context, state.last_row = "applications", row_code
    header = _applicant_header(texts)
    if header and len(header) >= _MIN_HEADER_COLUMNS:
        state.applicants = header
        # Labels on the values' own line name the row (a group label's tail after a page break: 予处理).
        unknown = _unknown_header_labels([t.text for t in row.labels if t.line != row.line])
        state.header_complete = not unknown
        if unknown:
            state.issues.append(
                Issue(
                    "header.unknown_column",
                    f"the application table's header names columns {unknown} that "
                    "are no applicant column: a row with more values than known columns is null, since "
                    "where the unknown column stands cannot be told",
                    table="applications",
                    line=row.line,
                )
            )
        missing = [c for c in codes.APPLICANT_CODES if c not in header]
        if missing:
            state.issues.append(
                Issue(
                    "header.column_missing",
                    f"the application table has no column {missing}; its cells are null",
                    table="applications",
                    line=row.line,
                )
            )
    if state.applicants is None:
        state.applicants = list(codes.APPLICANT_CODES)
        state.issues.append(
            Issue(
                "header.missing",
                "application table header not found; the template's applicant columns "
                "(自然人, 商业企业, 科研机构, 社会(公益)组织, 法律服务机构, 其他, 总计) are assumed",
                table="applications",
                line=row.line,
            )
        )
    if any(labels.fold(t).startswith(labels.OTHER_GROUP_WORD) for t in texts):  # flat text glues its first row on
        state.in_other_group = row_code != "other.other"
    if row.flat:  # a flattened header is unreadable: the cells stand in the template's column order
        state.place(row, list(codes.APPLICANT_CODES), "applications", row_code)
        return
    state.add(
        place_row(row, state.applicants, "applications", row_code, state.issues, allow_unheaded=state.header_complete)
    )


def _unknown_header_labels(texts: list[str]) -> list[str]:
    """Header labels after the first applicant column that name no column: not an applicant, group or row."""
    start = next((i for i, t in enumerate(texts) if labels.applicant(t)), len(texts))
    return [
        t
        for t in texts[start:]
        if labels.fold(t)
        and labels.applicant(t) is None
        and labels.LEGAL_ENTITY_GROUP not in labels.fold(t)
        and labels.application_row(t) is None
        and not labels.is_group_label(t)
        and not any(corner in labels.fold(t) for corner in _CORNER_LABELS)
    ]


def _applicant_header(texts: list[str]) -> list[str] | None:
    """Applicant columns in table order: the 法人或其他组织 group expands to its sub-columns."""
    top: list[str] = []
    subs: list[str] = []
    group_seen = False
    for text in texts:
        if labels.LEGAL_ENTITY_GROUP in labels.fold(text):
            top.append("<group>")
            group_seen = True
            continue
        code = labels.applicant(text)
        if code is None:
            continue
        if code in {"natural_person", "total"}:
            top.append(code)
        else:
            subs.append(code)
    if not top and not subs:
        return None
    if group_seen:
        index = top.index("<group>")
        return top[:index] + subs + top[index + 1 :]
    return top[:1] + subs + top[1:]


def _read_appeal_header(texts: list[str], state: _State) -> bool:
    proceedings = [p for p in (labels.proceeding(t) for t in texts) if p]
    outcomes = [o for o in (labels.outcome(t) for t in texts) if o]
    if "admin_review" not in proceedings or not outcomes:
        return False
    ordered = list(dict.fromkeys(proceedings))
    per_proceeding = list(dict.fromkeys(outcomes))
    if len(outcomes) != len(ordered) * len(per_proceeding):
        state.issues.append(
            Issue(
                "header.irregular",
                f"appeals header has {len(outcomes)} outcome labels for {len(ordered)} proceedings",
                table="appeals",
            )
        )
    state.appeal_columns = [(p, o) for p in ordered for o in per_proceeding]
    state.context = "appeals"
    return True


def _appeal_row(row: Row, state: _State) -> None:
    columns = state.appeal_columns or [
        (p, o) for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES
    ]
    keys = [f"{p}|{o}" for p, o in columns]
    if row.flat:
        state.place(row, keys, "appeals", "appeals")
        return
    state.add(_appeal_cells(place_row(row, keys, "appeals", "appeals", state.issues)))


def _appeal_cells(cells: list[Cell]) -> list[Cell]:
    """Appeal cells placed under "proceeding|outcome" keys, as proceeding rows x outcome columns."""
    for cell in cells:
        cell.row, cell.column = cell.column.split("|")
    return cells


def _proactive_row(row: Row, category: str, state: _State) -> None:
    if row.flat:
        _flat_proactive_row(row, category, state)
        return
    article = state.article or templates.category_article(category)
    measures = state.measures.get(article) or _default_measures(state.template, category)
    state.place(row, measures, "proactive", category, article)


def _flat_proactive_row(row: Row, category: str, state: _State) -> None:
    """Flattened text glues a block's caption and header into one line (a heading, or the row's own labels),
    so the article comes from the category and the measures from the nearest glued header."""
    article = templates.category_article(category)
    measures = (
        labels.measures_in(" ".join(t.text for t in row.labels))
        or labels.measures_in(row.heading or "")
        or state.measures.get(article)
        or _default_measures(state.template, category)
    )
    state.place(row, measures, "proactive", category, article)


def _default_measures(template: str, category: str) -> list[str]:
    for _article, cat, measures in templates.proactive_rows(template) or templates.proactive_rows("gov2019"):
        if cat == category:
            return list(measures)
    return []


def _settle_other_group(state: _State) -> bool:
    """Whether the table printed the 其他处理 group as one row and none of its sub-rows (recorded as an issue):
    its values are then gov2019's `other.other`, the 2021-only sub-rows absent from the layout. A group total
    beside sub-rows is dropped with its values in an issue: the sub-rows are the leaves."""
    cells = [c for c in state.cells.values() if c.row == _GROUP_ROW]
    flat = [f for f in state.flat if f.row == _GROUP_ROW]
    if not cells and not flat:
        return False
    read_rows = {row for table, row, _c in state.cells if table == "applications"} | {f.row for f in state.flat}
    one_row = not read_rows & codes.OTHER_SUB_ROWS
    for cell in cells:
        del state.cells[(cell.table, cell.row, cell.column)]
    state.flat = [f for f in state.flat if f.row != _GROUP_ROW]
    if one_row:
        for cell in cells:
            cell.row = "other.other"
        state.add(cells)
        state.flat += [replace(f, row="other.other") for f in flat]
        message = (
            "applications: （六）其他处理 is printed as one row without its sub-rows (the 2019 form's row in a "
            f"2021 table): its values are other.other; it has no rows {', '.join(sorted(codes.GOV2021_ONLY_ROWS))}, "
            "which are null, and app.results_sum sums the 2019 form's leaves"
        )
    else:
        raw = [f"{c.column} {c.raw}" for c in cells] + [f.run.text for f in flat]
        message = (
            "applications: （六）其他处理 states a total of its own beside its sub-rows, which are the "
            f"table's leaves; the total is not kept: {', '.join(raw)}"
        )
    for issue in state.issues:
        if issue.row == _GROUP_ROW:
            issue.row = "other.other" if one_row else None
    first = cells[0] if cells else None
    state.issues.append(
        Issue(
            "row.other_as_one_row" if one_row else "row.other_group_total",
            message,
            severity="info",
            table="applications",
            row="other.other" if one_row else None,
            line=first.line if first else flat[0].run.line,
            page=first.page if first else flat[0].run.page,
        )
    )
    return one_row


def _split_flat_rows(state: _State, other_as_one_row: bool) -> None:
    """Split the flattened rows' digit runs together: the application rows constrain each other."""
    if not state.flat:
        return
    fixed = {
        row: values
        for row in codes.application_rows_of(state.template)
        if None not in (values := tuple(_value(state, row, a) for a in codes.APPLICANT_CODES))
    }
    cells, issues = resolve(state.flat, fixed, state.template, other_as_one_row)
    state.add(_appeal_cells([c for c in cells if c.table == "appeals"]) + [c for c in cells if c.table != "appeals"])
    state.issues.extend(issues)


def _value(state: _State, row: str, column: str) -> float | None:
    cell = state.cells.get(("applications", row, column))
    return cell.value if cell else None


def _fill_template(state: _State, other_as_one_row: bool) -> None:
    """Emit every cell the template holds that the document did not state, as null."""
    missing: dict[str, list[str]] = {}
    for article, category, default in templates.proactive_rows(state.template):
        measures = state.measures.get(article) or list(default)
        _fill(state, "proactive", category, measures, missing, article)
    applicants = list(dict.fromkeys([*(state.applicants or []), *codes.APPLICANT_CODES]))
    for row_code in codes.application_rows_of(state.template):
        # Sub-rows absent from the layout (the group as one row, row.other_as_one_row) are null, not missing.
        absent_by_layout = other_as_one_row and row_code in codes.GOV2021_ONLY_ROWS
        _fill(state, "applications", row_code, applicants, {} if absent_by_layout else missing)
    if codes.application_rows_of(state.template):
        for proceeding in codes.APPEAL_PROCEEDING_CODES:
            _fill(state, "appeals", proceeding, list(codes.APPEAL_OUTCOME_CODES), missing)
    for table, rows in missing.items():
        state.issues.append(
            Issue(
                "table.rows_missing",
                f"{table}: {len(rows)} rows of the {state.template} template were not "
                f"found and are null: {', '.join(rows)}",
                table=table,
            )
        )


def _fill(
    state: _State,
    table: str,
    row_code: str,
    columns: list[str],
    missing: dict[str, list[str]],
    article: str | None = None,
) -> None:
    absent = [c for c in columns if (table, row_code, c) not in state.cells]
    if len(absent) == len(columns):
        missing.setdefault(table, []).append(row_code)
    for column in absent:
        state.cells[(table, row_code, column)] = Cell(table, row_code, column, None, article=article)
