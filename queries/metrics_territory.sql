-- Per commune, the population municipale as a metric-layer row (code, metric, year, num, den, items, unknown, hours, is_demo, source, complete).
-- The metric layer reads one query per theme, each naming only its own tables, so that an
-- import of one dataset leaves the other themes' cached figures in place.
SELECT code, 'population' AS metric, NULL::INTEGER AS year,
       population::DOUBLE AS num, NULL::DOUBLE AS den,
       1::BIGINT AS items, (population IS NULL)::BIGINT AS unknown, NULL::BIGINT AS hours,
       source = 'démonstration' AS is_demo, source, true AS complete
FROM communes
ORDER BY code;
