-- Every importable dataset: row count, demonstration rows, sources, and its last import attempt and load.
WITH counts AS (
    SELECT 1 AS pos, 'solar_production' AS dataset, count(*) AS rows,
           count(*) FILTER (source = 'démonstration') AS demo_rows,
           string_agg(DISTINCT source, ' ; ' ORDER BY source) AS sources FROM solar_production
    UNION ALL SELECT 2, 'solar_potential', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM solar_potential
    UNION ALL SELECT 3, 'cadastre_usage', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM cadastre_usage
    UNION ALL SELECT 4, 'park_sites', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM park_sites
    UNION ALL SELECT 5, 'indicators', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM indicators
    UNION ALL SELECT 6, 'counter_sites', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_sites
    UNION ALL SELECT 7, 'counter_channels', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_channels
    UNION ALL SELECT 8, 'counter_measures', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_measures
    UNION ALL SELECT 9, 'events', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM events
    UNION ALL SELECT 10, 'investments', count(*), count(*) FILTER (source = 'démonstration'),
           string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM investments
),
attempts AS (
    SELECT dataset, max(imported_at) AS last_attempt, arg_max(status, imported_at) AS last_status,
           max(imported_at) FILTER (status = 'chargé') AS last_loaded, count(*) AS attempts
    FROM imports GROUP BY dataset
)
SELECT c.dataset, c.rows, c.demo_rows, c.sources, a.last_loaded, a.last_attempt, a.last_status,
       coalesce(a.attempts, 0) AS attempts
FROM counts c LEFT JOIN attempts a USING (dataset)
ORDER BY c.pos;
