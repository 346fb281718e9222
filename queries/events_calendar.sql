-- Events of the selection ($annee, $epci, $commune, $themes, $locations, $place; NULL = all) per month of their first day and theme: the page's calendar and monthly chart, one row per month and theme whatever the number of events.
SELECT date_trunc('month', ev.start_date)::DATE AS month, ev.theme, count(*) AS events,
       bool_or(ev.source = 'démonstration') AS is_demo
FROM events ev
WHERE in_selection(ev.commune_code, $epci, $commune)
  AND event_matches(ev.start_date, ev.theme, event_location(ev.commune_code, ev.place, ev.lat), ev.place,
                    $annee, $themes, $locations, $place)
GROUP BY ALL
ORDER BY month, theme;
