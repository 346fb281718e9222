-- The events of the selection ($annee, $epci, $commune, $themes, $locations, $place; NULL = all) in list order, upcoming ones (ending on or after $today: under way, or ahead when they start on or after it, event_ahead) soonest first, then past ones most recent first; $limit rows (NULL = all) from $offset, with their place group ('inside', 'outside', 'online', 'unknown'), year, commune and agglomeration.
SELECT ev.id, ev.title, ev.start_date, coalesce(ev.end_date, ev.start_date) AS end_date,
       year(ev.start_date) AS year, ev.place, ev.commune_code, c.name AS commune, e.short_name AS epci,
       ev.lat, ev.lon, ev.theme, ev.participants, ev.description, ev.source,
       event_location(ev.commune_code, ev.place, ev.lat) AS location,
       coalesce(ev.end_date, ev.start_date) >= $today AS upcoming,
       event_ahead(ev.start_date, $today) AS ahead, ev.start_date = $today AS today
FROM events ev
LEFT JOIN communes c ON c.code = ev.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE in_selection(ev.commune_code, $epci, $commune)
  AND event_matches(ev.start_date, ev.theme, event_location(ev.commune_code, ev.place, ev.lat), ev.place,
                    $annee, $themes, $locations, $place)
ORDER BY upcoming DESC, CASE WHEN upcoming THEN ev.start_date END, ev.start_date DESC, ev.title, ev.id
LIMIT $limit OFFSET $offset;
