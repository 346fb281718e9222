-- PV production and sites per agglomeration and year (the whole PMA), to compare how fast each agglomeration grows.
SELECT e.short_name AS epci, p.year,
       sum(p.sites) AS sites,
       sum(p.energy_mwh) AS energy_mwh,
       bool_or(p.source = 'démonstration') AS is_demo,
       string_agg(DISTINCT p.source, ' ; ' ORDER BY p.source) AS source
FROM solar_production p
JOIN communes c ON c.code = p.commune_code
JOIN epci e ON e.code = c.epci_code
GROUP BY ALL
ORDER BY e.short_name, p.year;
