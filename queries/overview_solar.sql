-- PV sites, power and production per year for the selection ($epci, $commune or NULL), with the rooftop potential of the same communes and the demonstration flag.
WITH sel AS (
    SELECT c.code
    FROM communes c
    JOIN epci e ON e.code = c.epci_code
    WHERE ($epci IS NULL OR e.short_name = $epci)
      AND ($commune IS NULL OR c.code = $commune)
), potential AS (
    SELECT sum(pot.potential_mwh) AS potential_mwh,
           bool_or(pot.source = 'démonstration') AS potential_is_demo,
           string_agg(DISTINCT pot.source, ' ; ' ORDER BY pot.source) AS potential_source
    FROM solar_potential pot
    JOIN sel ON sel.code = pot.commune_code
)
SELECT p.year,
       sum(p.sites) AS sites,
       sum(p.power_kw) AS power_kw,
       sum(p.energy_mwh) AS energy_mwh,
       count(p.commune_code) AS communes,
       bool_or(p.source = 'démonstration') AS is_demo,
       string_agg(DISTINCT p.source, ' ; ' ORDER BY p.source) AS source,
       any_value(potential.potential_mwh) AS potential_mwh,
       any_value(potential.potential_is_demo) AS potential_is_demo,
       any_value(potential.potential_source) AS potential_source
FROM solar_production p
JOIN sel ON sel.code = p.commune_code
CROSS JOIN potential
GROUP BY p.year
ORDER BY p.year;
