-- Every year of the indicators that have a target and a reference (the actual series drawn against their trajectory): id, zone, year, value, source.
SELECT i.id, i.zone, i.year, i.value, i.source
FROM indicators i
WHERE EXISTS (SELECT 1 FROM indicators t WHERE t.id = i.id AND t.zone = i.zone
              AND t.target IS NOT NULL AND t.reference IS NOT NULL)
ORDER BY i.id, i.zone, i.year;
