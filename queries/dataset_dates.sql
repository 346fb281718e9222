-- The last day each dataset with an update rhythm describes (dataset = registry table name, data_date): counters their last day counted, the cadastre its last day of use, Enedis production and the report's indicators 31 December of their latest year.
-- One row per entry of registry.WITH_RHYTHM (tests/test_freshness.py checks that they match).
SELECT 'counter_measures' AS dataset, (SELECT max(day) FROM counter_daily) AS data_date
UNION ALL
SELECT 'cadastre_usage', (SELECT max(date) FROM cadastre_usage)
UNION ALL
SELECT 'solar_production', (SELECT make_date(max(year), 12, 31) FROM solar_production)
UNION ALL
-- The report's own figures: the local demonstration targets are not a new report.
SELECT 'indicators', (SELECT make_date(max(year), 12, 31) FROM indicators WHERE source <> 'démonstration');
