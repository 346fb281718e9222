-- The $limit events of the selection ($annee, $epci, $commune, $themes, $locations, $place; NULL = all) with the most published participants, most first, with their place group.
SELECT ev.id, ev.title, ev.start_date, coalesce(ev.end_date, ev.start_date) AS end_date, ev.place, ev.theme,
       ev.participants, ev.source, event_location(ev.commune_code, ev.place, ev.lat) AS location
FROM events ev
WHERE ev.participants IS NOT NULL
  AND in_selection(ev.commune_code, $epci, $commune)
  AND event_matches(ev.start_date, ev.theme, event_location(ev.commune_code, ev.place, ev.lat), ev.place,
                    $annee, $themes, $locations, $place)
ORDER BY ev.participants DESC, ev.start_date, ev.title
LIMIT $limit;
