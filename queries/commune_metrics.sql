-- Per commune, metric and year (NULL when the figure has no year): numerator, denominator of ratios, item counts, unknown items, demonstration flag, source and whether the year is complete; the single source of every per-commune figure.
-- Rows exist only where the data has something; ecotransition.core.metrics decides whether
-- an absent row means "none" (events, projects) or "not known" (production, potential), and
-- aggregates every area with one coverage rule. unknown = items whose figure is not published
-- (a project with no amount) or, for counted visits, hours with no measure.
-- complete: the year's data is whole (counters: measured up to 31 December).
WITH solar AS (
    SELECT p.commune_code AS code, p.year, p.sites, p.power_kw, p.energy_mwh, p.source,
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
           sum(missing_measures)::BIGINT AS missing_hours,
           sum(measures)::BIGINT AS hours,
           max(day) AS last_day
    FROM counter_daily
    GROUP BY ALL
),
last_counted AS (
    SELECT year(day) AS year, max(day) AS last_day FROM counter_daily GROUP BY ALL
),
visits AS (
    SELECT s.commune_code AS code, m.year,
           sum(m.visits) AS visits,
           count(DISTINCT s.site_id) AS sites,
           sum(m.missing_hours) AS missing_hours,
           sum(m.hours) AS hours,
           bool_or(m.source = 'démonstration') AS is_demo,
           string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source) AS source
    FROM per_channel m
    JOIN counter_channels ch ON ch.channel_id = m.channel_id
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE s.commune_code IS NOT NULL
    GROUP BY ALL
),
investment_totals AS (
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
SELECT code, 'population' AS metric, NULL::INTEGER AS year,
       population::DOUBLE AS num, NULL::DOUBLE AS den,
       1::BIGINT AS items, (population IS NULL)::BIGINT AS unknown, NULL::BIGINT AS hours,
       source = 'démonstration' AS is_demo, source, true AS complete
FROM communes
UNION ALL
SELECT commune_code, 'solar_potential_mwh', NULL, potential_mwh, NULL, 1, (potential_mwh IS NULL)::BIGINT, NULL,
       source = 'démonstration', source, true
FROM solar_potential
UNION ALL
SELECT code, 'pv_sites', year, sites::DOUBLE, NULL, 1, (sites IS NULL)::BIGINT, NULL,
       source = 'démonstration', source, true
FROM solar
UNION ALL
SELECT code, 'pv_power_kw', year, power_kw, NULL, 1, (power_kw IS NULL)::BIGINT, NULL,
       source = 'démonstration', source, true
FROM solar
UNION ALL
SELECT code, 'pv_energy_mwh', year, energy_mwh, NULL, 1, (energy_mwh IS NULL)::BIGINT, NULL,
       source = 'démonstration', source, true
FROM solar
UNION ALL
SELECT code, 'pv_sites_per_1000', year, sites * 1000.0, population::DOUBLE,
       1, (sites IS NULL OR population IS NULL)::BIGINT, NULL,
       source = 'démonstration', source || ' ; population : ' || population_source, true
FROM solar
UNION ALL
SELECT code, 'pv_kwh_per_inhabitant', year, energy_mwh * 1000.0, population::DOUBLE,
       1, (energy_mwh IS NULL OR population IS NULL)::BIGINT, NULL,
       source = 'démonstration', source || ' ; population : ' || population_source, true
FROM solar
UNION ALL
SELECT code, 'pv_w_per_inhabitant', year, power_kw * 1000.0, population::DOUBLE,
       1, (power_kw IS NULL OR population IS NULL)::BIGINT, NULL,
       source = 'démonstration', source || ' ; population : ' || population_source, true
FROM solar
UNION ALL
SELECT code, 'solar_uptake', year, energy_mwh, potential_mwh,
       1, (energy_mwh IS NULL OR potential_mwh IS NULL)::BIGINT, NULL,
       source = 'démonstration' OR coalesce(potential_source = 'démonstration', false),
       'production : ' || source || ' ; potentiel : ' || coalesce(potential_source, 'n.d.'), true
FROM solar
UNION ALL
SELECT v.code, 'visits', v.year, v.visits::DOUBLE, NULL, v.sites, v.missing_hours, v.hours, v.is_demo,
       v.source, l.last_day = make_date(v.year, 12, 31)
FROM visits v JOIN last_counted l USING (year)
UNION ALL
SELECT commune_code, 'events', year(start_date), count(*)::DOUBLE, NULL,
       count(*), 0, NULL, bool_or(source = 'démonstration'),
       string_agg(DISTINCT source, ' ; ' ORDER BY source), true
FROM events
WHERE commune_code IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT commune_code, 'investment_eur', announced_year, sum(amount_eur), NULL,
       count(*), count(*) FILTER (amount_eur IS NULL), NULL,
       bool_or(source = 'démonstration'), string_agg(DISTINCT source, ' ; ' ORDER BY source), true
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
FROM communes c LEFT JOIN investment_totals t ON t.code = c.code
UNION ALL
SELECT c.code, 'jobs_per_1000', NULL,
       CASE WHEN t.projects IS NULL THEN 0 ELSE t.jobs * 1000 END, c.population::DOUBLE,
       coalesce(t.projects, 0), coalesce(t.no_jobs, 0), NULL,
       coalesce(t.is_demo, false), coalesce(t.source || ' ; ', '') || 'population : ' || c.source, true
FROM communes c LEFT JOIN investment_totals t ON t.code = c.code
ORDER BY metric, code, year NULLS FIRST;
