-- Rows per commune and per dataset located by commune (all rows and non-demonstration rows), for the completeness heatmap; filtered by $epci (short name or NULL).
WITH per AS (
    SELECT 'solar_production' AS dataset, commune_code, count(*) AS rows,
           count(*) FILTER (source <> 'démonstration') AS real_rows FROM solar_production GROUP BY ALL
    UNION ALL SELECT 'solar_potential', commune_code, count(*), count(*) FILTER (source <> 'démonstration')
              FROM solar_potential GROUP BY ALL
    UNION ALL SELECT 'park_sites', commune_code, count(*), count(*) FILTER (source <> 'démonstration')
              FROM park_sites GROUP BY ALL
    UNION ALL SELECT 'counter_sites', commune_code, count(*), count(*) FILTER (source <> 'démonstration')
              FROM counter_sites GROUP BY ALL
    UNION ALL SELECT 'events', commune_code, count(*), count(*) FILTER (source <> 'démonstration')
              FROM events GROUP BY ALL
    UNION ALL SELECT 'investments', commune_code, count(*), count(*) FILTER (source <> 'démonstration')
              FROM investments GROUP BY ALL
),
datasets AS (
    SELECT * FROM (VALUES (1, 'solar_production'), (2, 'solar_potential'), (3, 'park_sites'),
                          (4, 'counter_sites'), (5, 'events'), (6, 'investments')) d(pos, dataset)
)
SELECT c.code, c.name, e.short_name AS epci, d.dataset, d.pos,
       coalesce(p.rows, 0) AS rows, coalesce(p.real_rows, 0) AS real_rows
FROM communes c
JOIN epci e ON e.code = c.epci_code
CROSS JOIN datasets d
LEFT JOIN per p ON p.commune_code = c.code AND p.dataset = d.dataset
WHERE $epci IS NULL OR e.short_name = $epci
ORDER BY e.short_name, c.name, d.pos;
