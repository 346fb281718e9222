-- Investment projects with their commune and agglomeration, filtered by $epci (short name or NULL) and $commune (INSEE code or NULL).
SELECT i.id, i.name, i.company, i.sector, i.status, i.announced_year,
       i.amount_eur, i.jobs, i.commune_code, c.name AS commune, e.short_name AS epci,
       coalesce(i.lat, c.lat) AS lat, coalesce(i.lon, c.lon) AS lon,
       i.description, i.source, i.source = 'démonstration' AS is_demo
FROM investments i
LEFT JOIN communes c ON c.code = i.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE in_selection(i.commune_code, $epci, $commune)
ORDER BY i.amount_eur DESC NULLS LAST, i.name;
