-- Events with their commune and agglomeration (NULL outside the territory) and whether lat/lon are the commune's centroid an import put (position_derived), filtered by $annee (year or NULL).
SELECT ev.id, ev.title, ev.start_date, ev.end_date, ev.place, ev.commune_code,
       c.name AS commune, e.short_name AS epci, ev.lat, ev.lon, ev.theme,
       ev.participants, ev.description, ev.source,
       ev.commune_code IS NOT NULL AS in_territory, coalesce(ev.position_derived, FALSE) AS position_derived
FROM events ev
LEFT JOIN communes c ON c.code = ev.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE $annee IS NULL OR year(ev.start_date) = $annee
ORDER BY ev.start_date, ev.title;
