"""Plain-Python extraction: read disclosure reports into canonical cells. No Airflow import here."""

# Bumped when a parse of the same bytes gives other rows: held documents are parsed again.
# 1.2.0: the pre-2019 legacy table and fees_collected fact, OCR confidence per cell, ruled rows over a page break.
# 1.2.1: a table row of blank cells (HTML `&nbsp;` rows) is a row of null cells, not a label of the next row.
# 1.2.2: a 2021 table printing （六）其他处理 as one row: other.other, its 2021-only rows null (row.other_as_one_row,
#        not table.rows_missing); a group total beside the sub-rows is not kept (row.other_group_total); an HTML page
#        whose report sits in a script (gkmlpt, `window.__INITIAL_STATE__`, a JSON blob) is read from it;
#        one whose tables are pictures says so (document.table_images).
PARSER_VERSION = "1.2.2"
