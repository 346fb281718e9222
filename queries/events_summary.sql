-- One row of counts over the selection ($annee, $epci, $commune, $themes, $locations, $place; NULL = all): events, those with a published number of participants and its sum (NULL when none is published), per place group, the years spanned, the sources, the events of the year before $annee with the same controls (NULL without $annee), the events under way on $today (started before, ending on or after it), and the next event (starting on or after $today, soonest: event_ahead) or else the latest one.
WITH area AS (
    SELECT ev.title, ev.start_date, ev.participants, ev.source, year(ev.start_date) AS year,
           event_location(ev.commune_code, ev.place, ev.lat) AS location,
           coalesce(ev.end_date, ev.start_date) >= $today AS upcoming,
           event_ahead(ev.start_date, $today) AS ahead,
           $annee IS NULL OR year(ev.start_date) = $annee AS shown
    FROM events ev
    WHERE in_selection(ev.commune_code, $epci, $commune)
      AND event_matches(ev.start_date, ev.theme, event_location(ev.commune_code, ev.place, ev.lat), ev.place,
                        NULL, $themes, $locations, $place)
)
SELECT count(*) FILTER (shown) AS events,
       CASE WHEN $annee IS NOT NULL THEN count(*) FILTER (year = $annee - 1) END AS previous_year_events,
       count(participants) FILTER (shown) AS with_participants,
       sum(participants) FILTER (shown) AS participants,
       count(*) FILTER (shown AND location = 'inside') AS inside,
       count(*) FILTER (shown AND location = 'outside') AS outside,
       count(*) FILTER (shown AND location = 'online') AS online,
       count(*) FILTER (shown AND location = 'unknown') AS unknown,
       sum(participants) FILTER (shown AND location = 'inside') AS inside_participants,
       min(year) FILTER (shown) AS first_year, max(year) FILTER (shown) AS last_year,
       string_agg(DISTINCT source, ' ; ' ORDER BY source) FILTER (shown) AS sources,
       coalesce(bool_or(source = 'démonstration') FILTER (shown), false) AS is_demo,
       count(*) FILTER (shown AND upcoming) AS upcoming,
       count(*) FILTER (shown AND upcoming AND NOT ahead) AS under_way,
       count(*) FILTER (shown AND ahead) AS ahead,
       arg_min(title, {'d': start_date, 't': title}) FILTER (shown AND ahead) AS next_title,
       min(start_date) FILTER (shown AND ahead) AS next_date,
       arg_min(source, {'d': start_date, 't': title}) FILTER (shown AND ahead) AS next_source,
       arg_max(title, {'d': start_date, 't': title}) FILTER (shown) AS latest_title,
       max(start_date) FILTER (shown) AS latest_date,
       arg_max(source, {'d': start_date, 't': title}) FILTER (shown) AS latest_source
FROM area;
