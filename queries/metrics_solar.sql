-- Per commune, metric and year, the solar metrics (sites, power, production, rooftop potential, taux de valorisation, per inhabitant) as metric-layer rows (code, metric, year, num, den, items, unknown, hours, is_demo, source, complete).
-- Rows exist only where the data has something: a commune without production or potential
-- is "not known" to the metric layer, which says so in the figure's coverage.
WITH solar AS (
    SELECT p.commune_code AS code, p.year, p.sites, p.power_kw, p.energy_mwh, p.source,
           c.population, c.source AS population_source,
           pot.potential_mwh, pot.source AS potential_source
    FROM solar_production p
    JOIN communes c ON c.code = p.commune_code
    LEFT JOIN solar_potential pot ON pot.commune_code = p.commune_code
)
SELECT commune_code AS code, 'solar_potential_mwh' AS metric, NULL::INTEGER AS year,
       potential_mwh AS num, NULL::DOUBLE AS den, 1::BIGINT AS items, (potential_mwh IS NULL)::BIGINT AS unknown,
       NULL::BIGINT AS hours, source = 'démonstration' AS is_demo, source, true AS complete
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
SELECT code, 'solar_uptake', year, energy_mwh, potential_mwh,
       1, (energy_mwh IS NULL OR potential_mwh IS NULL)::BIGINT, NULL,
       source = 'démonstration' OR coalesce(potential_source = 'démonstration', false),
       'production : ' || source || coalesce(' ; potentiel : ' || potential_source, ''), true
FROM solar
UNION ALL
-- Per inhabitant: the value and the population of the same commune, or neither.
SELECT code, unnest(['pv_sites_per_1000', 'pv_kwh_per_inhabitant', 'pv_w_per_inhabitant']),
       year, unnest([sites * 1000.0, energy_mwh * 1000.0, power_kw * 1000.0]), population::DOUBLE,
       1, unnest([(sites IS NULL OR population IS NULL)::BIGINT, (energy_mwh IS NULL OR population IS NULL)::BIGINT,
                  (power_kw IS NULL OR population IS NULL)::BIGINT]),
       NULL, source = 'démonstration', source || ' ; population : ' || population_source, true
FROM solar
ORDER BY metric, code, year NULLS FIRST;
