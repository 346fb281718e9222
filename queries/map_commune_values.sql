-- Per commune, map indicator and year (NULL when the figure has no year): numerator, denominator of ratios, item counts, demonstration flag and source.
-- Rows exist only where the data has something; the map layer decides whether an absent
-- row means "none" (events, projects) or "not known" (production, counted visits).
-- unknown = items whose figure is not published (e.g. a project with no amount).
WITH solar AS (
    SELECT p.commune_code AS code, p.year, p.sites, p.energy_mwh, p.source,
           c.population, c.source AS population_source,
           pot.potential_mwh, pot.source AS potential_source
    FROM solar_production p
    JOIN communes c ON c.code = p.commune_code
    LEFT JOIN solar_potential pot ON pot.commune_code = p.commune_code
),
per_channel AS (
    -- Aggregating the daily sums per channel, year and source first (a few hundred groups)
    -- is many times faster than joining them or a DISTINCT string aggregate.
    SELECT channel_id, year(day) AS year, source,
           sum(visits) AS visits,
           sum(missing_measures)::BIGINT AS missing_hours
    FROM counter_daily
    GROUP BY ALL
),
visits AS (
    SELECT s.commune_code AS code, m.year,
           sum(m.visits) AS visits,
           count(DISTINCT s.site_id) AS sites,
           sum(m.missing_hours) AS missing_hours,
           bool_or(m.source = 'démonstration') AS is_demo,
           string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source) AS source
    FROM per_channel m
    JOIN counter_channels ch ON ch.channel_id = m.channel_id
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE s.commune_code IS NOT NULL
    GROUP BY ALL
)
SELECT code, 'population' AS indicator, NULL::INTEGER AS year,
       population::DOUBLE AS num, NULL::DOUBLE AS den,
       1::BIGINT AS items, (population IS NULL)::BIGINT AS unknown,
       source = 'démonstration' AS is_demo, source
FROM communes
UNION ALL
SELECT code, 'pv_sites_per_1000', year, sites * 1000.0, population::DOUBLE,
       1, (sites IS NULL OR population IS NULL)::BIGINT,
       source = 'démonstration', source || ' ; population : ' || population_source
FROM solar
UNION ALL
SELECT code, 'pv_energy_mwh', year, energy_mwh, NULL,
       1, (energy_mwh IS NULL)::BIGINT,
       source = 'démonstration', source
FROM solar
UNION ALL
SELECT code, 'solar_uptake', year, energy_mwh, potential_mwh,
       1, (energy_mwh IS NULL OR potential_mwh IS NULL)::BIGINT,
       source = 'démonstration' OR coalesce(potential_source = 'démonstration', false),
       'production : ' || source || ' ; potentiel : ' || coalesce(potential_source, 'n.d.')
FROM solar
UNION ALL
SELECT code, 'visits', year, visits::DOUBLE, NULL, sites, missing_hours, is_demo, source
FROM visits
UNION ALL
SELECT commune_code, 'events', year(start_date), count(*)::DOUBLE, NULL,
       count(*), 0, bool_or(source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source)
FROM events
WHERE commune_code IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT commune_code, 'investment_eur', announced_year, sum(amount_eur), NULL,
       count(*), count(*) FILTER (amount_eur IS NULL),
       bool_or(source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source)
FROM investments
WHERE commune_code IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT commune_code, 'jobs', announced_year, sum(jobs)::DOUBLE, NULL,
       count(*), count(*) FILTER (jobs IS NULL),
       bool_or(source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source)
FROM investments
WHERE commune_code IS NOT NULL
GROUP BY ALL
ORDER BY indicator, code, year NULLS FIRST;
