"""GX expectation suites built from the identity registry, one suite per table group.

Every identity of `expectations.identities` becomes one
`ExpectColumnPairValuesToBeEqual(expected, observed)` restricted to its own
rows of `intermediate.int_check_inputs` (`check_id == <id>`), with the id,
severity and bilingual description in `meta`. Rows with an absent input are
ignored by GX (`ignore_row_if='either_value_is_missing'`); the runner marks
them `not_evaluable`.

GX is imported inside the functions only, never at module import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.context import import_gx
from expectations.identities import IDENTITIES, Identity

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import ExpectColumnPairValuesToBeEqual

SUITE_PREFIX = "identities"

# Table groups in registry order: applications, appeals, legacy, narrative, cells, reports, sections, reuse,
# publication.
TABLES: tuple[str, ...] = tuple(dict.fromkeys(identity.table for identity in IDENTITIES))


def identities_for(table: str) -> tuple[Identity, ...]:
    """The identities of one table group, in registry order."""
    found = tuple(identity for identity in IDENTITIES if identity.table == table)
    if not found:
        raise KeyError(f"no identity checks table {table!r}; known tables: {', '.join(TABLES)}")
    return found


def suite_name(table: str) -> str:
    return f"{SUITE_PREFIX}.{table}"


def identity_meta(identity: Identity) -> dict[str, str]:
    return {
        "check_id": identity.check_id,
        "severity": identity.severity,
        "description_en": identity.description_en,
        "description_zh": identity.description_zh,
    }


def build_expectation(identity: Identity) -> ExpectColumnPairValuesToBeEqual:
    """expected == observed on the rows of this identity; rows with a missing side are skipped."""
    gx = import_gx()
    from great_expectations.expectations.row_conditions import Column

    return gx.expectations.ExpectColumnPairValuesToBeEqual(
        column_A="expected",
        column_B="observed",
        ignore_row_if="either_value_is_missing",
        row_condition=Column("check_id") == identity.check_id,
        description=f"{identity.check_id}: {identity.description_en} / {identity.description_zh}",
        meta=identity_meta(identity),
    )


def build_suite(table: str) -> ExpectationSuite:
    """One suite for a table group, one expectation per identity of that table."""
    gx = import_gx()
    suite = gx.ExpectationSuite(
        name=suite_name(table),
        meta={"table": table, "built_from": "expectations/identities.py"},
    )
    for identity in identities_for(table):
        suite.add_expectation(build_expectation(identity))
    return suite


def build_suites() -> dict[str, ExpectationSuite]:
    """Every suite, keyed by table group."""
    return {table: build_suite(table) for table in TABLES}
