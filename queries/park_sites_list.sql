-- Chaîne des parcs sites with their commune and agglomeration.
SELECT p.id, p.name, p.kind, p.area_ha, p.opened, p.commune_code, c.name AS commune,
       e.short_name AS epci, p.lat, p.lon, p.description, p.source
FROM park_sites p
LEFT JOIN communes c ON c.code = p.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
ORDER BY p.name;
