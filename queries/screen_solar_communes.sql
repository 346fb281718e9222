-- Photovoltaic sites of every commune in the latest year of solar data and the year before, with population and GeoJSON geometry, for the screen's solar uptake map.
WITH latest AS (SELECT max(year) AS year FROM solar_production)
SELECT c.code, c.name, c.population, c.geometry,
       latest.year,
       cur.sites, cur.power_kw,
       prev.sites AS previous_sites,
       cur.source,
       cur.source = 'démonstration' AS is_demo
FROM communes c
CROSS JOIN latest
LEFT JOIN solar_production cur ON cur.commune_code = c.code AND cur.year = latest.year
LEFT JOIN solar_production prev ON prev.commune_code = c.code AND prev.year = latest.year - 1
ORDER BY c.code;
