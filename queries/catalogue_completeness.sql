-- Rows per commune of one dataset located by commune ($table), all rows and non-demonstration rows, for the completeness heatmap; filtered by $epci (short name or NULL).
WITH per AS (
    SELECT commune_code, count(*) AS rows, count(*) FILTER (source <> 'démonstration') AS real_rows
    FROM query_table($table)
    GROUP BY ALL
)
SELECT c.code, c.name, e.short_name AS epci, $table AS dataset,
       coalesce(p.rows, 0) AS rows, coalesce(p.real_rows, 0) AS real_rows
FROM communes c
JOIN epci e ON e.code = c.epci_code
LEFT JOIN per p ON p.commune_code = c.code
WHERE in_selection(c.code, $epci, NULL)
ORDER BY e.short_name, c.name;
