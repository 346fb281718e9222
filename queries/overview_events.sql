-- Events of the selection ($epci, $commune or NULL; events outside the territory only when both are NULL) with their year, commune and published participants.
SELECT ev.id, ev.title, ev.start_date, ev.end_date, year(ev.start_date) AS year,
       ev.place, ev.commune_code, c.name AS commune, e.short_name AS epci,
       ev.theme, ev.participants, ev.source,
       ev.commune_code IS NOT NULL AS in_territory
FROM events ev
LEFT JOIN communes c ON c.code = ev.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE in_selection(ev.commune_code, $epci, $commune)
ORDER BY ev.start_date, ev.title;
