-- Row count and demonstration share of every dataset, for the data catalogue.
SELECT 'communes' AS dataset, count(*) AS rows, 0 AS demo_rows, min(source) AS source FROM communes
UNION ALL SELECT 'investments', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM investments
UNION ALL SELECT 'solar_production', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM solar_production
UNION ALL SELECT 'solar_potential', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM solar_potential
UNION ALL SELECT 'cadastre_usage', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM cadastre_usage
UNION ALL SELECT 'park_sites', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM park_sites
UNION ALL SELECT 'counter_sites', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_sites
UNION ALL SELECT 'counter_channels', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_channels
UNION ALL SELECT 'counter_measures', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM counter_measures
UNION ALL SELECT 'events', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM events
UNION ALL SELECT 'indicators', count(*), count(*) FILTER (source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source) FROM indicators;
