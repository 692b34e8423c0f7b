-- Every stored change of a check result, in order per (report, check,
-- subject), with the status before it and what it changed:
--   new       it fails and did not fail before
--   changed   it fails, and failed before with other values
--   resolved  it does not fail any more
-- is_current marks the latest change of a key that the report's latest run
-- still found (a subject the report no longer has is not current).
-- A view on purpose: GX writes raw.check_results between the intermediate
-- and the marts builds, and the marts must see that run.
{{ config(materialized='view') }}

{{ check_history('select * from ' ~ ref('stg_check_results')) }}
