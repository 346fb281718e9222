-- One dataset of the registry ($table, a table name): row count, demonstration rows, sources, and its last import attempt and load.
-- query_table() takes the table's name as a bound value: the list of datasets comes from
-- ecotransition.data.registry, not from a hand-written UNION ALL per table.
WITH counts AS (
    SELECT count(*) AS rows,
           count(*) FILTER (source = 'démonstration') AS demo_rows,
           string_agg(DISTINCT source, ' ; ' ORDER BY source) AS sources
    FROM query_table($table)
),
attempts AS (
    SELECT max(imported_at) AS last_attempt, arg_max(status, imported_at) AS last_status,
           max(imported_at) FILTER (status = 'chargé') AS last_loaded, count(*) AS attempts
    FROM imports WHERE dataset = $table
)
SELECT $table AS dataset, c.rows, c.demo_rows, c.sources, a.last_loaded, a.last_attempt, a.last_status,
       coalesce(a.attempts, 0) AS attempts
FROM counts c CROSS JOIN attempts a;
