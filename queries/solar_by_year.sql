-- PV sites, power and production per year and agglomeration, filtered by $epci (short name or NULL) and $commune (INSEE code or NULL).
SELECT p.year, e.short_name AS epci,
       sum(p.sites) AS sites, sum(p.power_kw) AS power_kw, sum(p.energy_mwh) AS energy_mwh,
       bool_or(p.source = 'démonstration') AS is_demo,
       string_agg(DISTINCT p.source, ' ; ' ORDER BY p.source) AS source
FROM solar_production p
JOIN communes c ON c.code = p.commune_code
JOIN epci e ON e.code = c.epci_code
WHERE in_selection(p.commune_code, $epci, $commune)
GROUP BY ALL
ORDER BY p.year, epci;
