-- Every commune with its GeoJSON geometry and agglomeration, for maps.
SELECT c.code, c.name, e.short_name AS epci, c.population, c.lat, c.lon, c.geometry
FROM communes c
JOIN epci e ON e.code = c.epci_code
ORDER BY c.code;
