-- Per commune and year, the events held in the commune as metric-layer rows (code, metric, year, num, den, items, unknown, hours, is_demo, source, complete); a commune without a row had none.
SELECT commune_code AS code, 'events' AS metric, year(start_date) AS year, count(*)::DOUBLE AS num,
       NULL::DOUBLE AS den, count(*) AS items, 0::BIGINT AS unknown, NULL::BIGINT AS hours,
       bool_or(source = 'démonstration') AS is_demo,
       string_agg(DISTINCT source, ' ; ' ORDER BY source) AS source, true AS complete
FROM events
WHERE commune_code IS NOT NULL
GROUP BY ALL
ORDER BY code, year;
