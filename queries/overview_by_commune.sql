-- Every commune with its population and, for the PV year $annee (NULL = latest), PV sites and production, rooftop potential, and investment amounts, jobs and projects (0 without any recorded project, NULL when the projects publish none).
WITH y AS (
    SELECT coalesce($annee, (SELECT max(year) FROM solar_production)) AS year
), pv AS (
    SELECT p.commune_code, p.sites, p.energy_mwh, p.source
    FROM solar_production p, y
    WHERE p.year = y.year
), inv AS (
    SELECT commune_code,
           sum(amount_eur) AS invest_eur,
           sum(jobs) AS jobs,
           count(*) AS projects,
           bool_or(source = 'démonstration') AS invest_is_demo,
           string_agg(DISTINCT source, ' ; ' ORDER BY source) AS invest_source
    FROM investments
    GROUP BY commune_code
)
SELECT c.code AS commune_code, c.name AS commune, e.short_name AS epci, c.population,
       (SELECT year FROM y) AS pv_year,
       pv.sites AS pv_sites, pv.energy_mwh AS pv_mwh, pv.source = 'démonstration' AS pv_is_demo,
       pv.source AS pv_source, c.source AS population_source,
       pot.potential_mwh,
       -- No recorded project is a known zero; recorded projects without a published amount stay NULL.
       CASE WHEN inv.projects IS NULL THEN 0 ELSE inv.invest_eur END AS invest_eur,
       CASE WHEN inv.projects IS NULL THEN 0 ELSE inv.jobs END AS jobs,
       coalesce(inv.projects, 0) AS projects,
       coalesce(inv.invest_is_demo, false) AS invest_is_demo, inv.invest_source
FROM communes c
JOIN epci e ON e.code = c.epci_code
LEFT JOIN pv ON pv.commune_code = c.code
LEFT JOIN solar_potential pot ON pot.commune_code = c.code
LEFT JOIN inv ON inv.commune_code = c.code
ORDER BY c.code;
