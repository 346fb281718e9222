-- Communes (code, name, agglomeration, population), optionally restricted to one agglomeration ($epci = short name or NULL).
SELECT c.code, c.name, e.short_name AS epci, c.population, c.lat, c.lon
FROM communes c
JOIN epci e ON e.code = c.epci_code
WHERE in_selection(c.code, $epci, NULL)
ORDER BY c.name;
