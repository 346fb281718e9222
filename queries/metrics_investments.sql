-- Per commune (and year of announcement), the investment projects' published amounts and jobs, in total and per inhabitant, as metric-layer rows (code, metric, year, num, den, items = projects, unknown = projects without the figure, hours, is_demo, source, complete).
WITH totals AS (
    SELECT commune_code AS code, sum(amount_eur) AS amount_eur, sum(jobs)::DOUBLE AS jobs,
           count(*) AS projects,
           count(*) FILTER (amount_eur IS NULL) AS no_amount,
           count(*) FILTER (jobs IS NULL) AS no_jobs,
           bool_or(source = 'démonstration') AS is_demo,
           string_agg(DISTINCT source, ' ; ' ORDER BY source) AS source
    FROM investments
    WHERE commune_code IS NOT NULL
    GROUP BY ALL
)
SELECT commune_code AS code, 'investment_eur' AS metric, announced_year AS year, sum(amount_eur) AS num,
       NULL::DOUBLE AS den, count(*) AS items, count(*) FILTER (amount_eur IS NULL) AS unknown,
       NULL::BIGINT AS hours, bool_or(source = 'démonstration') AS is_demo,
       string_agg(DISTINCT source, ' ; ' ORDER BY source) AS source, true AS complete
FROM investments
WHERE commune_code IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT commune_code, 'jobs', announced_year, sum(jobs)::DOUBLE, NULL,
       count(*), count(*) FILTER (jobs IS NULL), NULL,
       bool_or(source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source), true
FROM investments
WHERE commune_code IS NOT NULL
GROUP BY ALL
UNION ALL
-- Per inhabitant, every recorded project together (no year): a commune without a project is a
-- known zero, one whose projects publish no amount is not known.
SELECT c.code, 'investment_eur_per_inhabitant', NULL,
       CASE WHEN t.projects IS NULL THEN 0 ELSE t.amount_eur END, c.population::DOUBLE,
       coalesce(t.projects, 0), coalesce(t.no_amount, 0), NULL,
       coalesce(t.is_demo, false), coalesce(t.source || ' ; ', '') || 'population : ' || c.source, true
FROM communes c LEFT JOIN totals t ON t.code = c.code
UNION ALL
SELECT c.code, 'jobs_per_1000', NULL,
       CASE WHEN t.projects IS NULL THEN 0 ELSE t.jobs * 1000 END, c.population::DOUBLE,
       coalesce(t.projects, 0), coalesce(t.no_jobs, 0), NULL,
       coalesce(t.is_demo, false), coalesce(t.source || ' ; ', '') || 'population : ' || c.source, true
FROM communes c LEFT JOIN totals t ON t.code = c.code
ORDER BY metric, code, year NULLS FIRST;
