-- Per commune and year: PV sites, power, production, rooftop potential and uptake ratio (production ÷ potential), every commune of the PMA.
SELECT c.code AS commune_code, c.name AS commune, e.short_name AS epci, c.population,
       p.year, p.sites, p.power_kw, p.energy_mwh, pot.potential_mwh,
       p.energy_mwh / nullif(pot.potential_mwh, 0) AS uptake,
       p.source AS production_source, pot.source AS potential_source
FROM solar_production p
JOIN communes c ON c.code = p.commune_code
JOIN epci e ON e.code = c.epci_code
LEFT JOIN solar_potential pot ON pot.commune_code = p.commune_code
ORDER BY p.year, c.code;
