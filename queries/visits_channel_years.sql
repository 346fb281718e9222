-- Counted passages, missing and measured hours per counter channel and year, with the channel's site, park, commune and agglomeration, filtered by $epci and $commune (or NULL); to_date is the last day counted (all counters), visits_to_date and months_to_date the passages and months counted from 1 January to that day's date in each year (the same calendar days of every year: 29 February left out of the passages).
WITH cutoff AS (
    SELECT max(day) AS to_date, strftime(max(day), '%m%d') AS mmdd FROM counter_daily
),
per_channel AS (
    SELECT channel_id, year(day) AS year,
           sum(visits) AS visits,
           sum(missing_measures)::BIGINT AS missing_measures,
           sum(measures)::BIGINT AS measures,
           count(DISTINCT month(day)) FILTER (measured) AS months,
           -- 29 February is left out: two years in a row are never both leap years, and the
           -- comparison adds up the same calendar days in both (themes.parks.leap_day_left_out).
           sum(visits) FILTER (strftime(day, '%m%d') <= (SELECT mmdd FROM cutoff)
                               AND strftime(day, '%m%d') <> '0229') AS visits_to_date,
           count(DISTINCT month(day)) FILTER (measured AND strftime(day, '%m%d') <= (SELECT mmdd FROM cutoff)) AS months_to_date,
           -- Only the rows that add passages: a generated channel's missing days are no figure.
           coalesce(bool_or(source = 'démonstration') FILTER (visits IS NOT NULL), FALSE) AS is_demo
    FROM counter_calendar   -- a channel that stopped sending: its days missing, not absent
    GROUP BY ALL
)
SELECT ch.channel_id, ch.site_id, s.site_name, s.park_id, p.name AS park, s.commune_code,
       c.name AS commune, e.short_name AS epci, ch.mobility_type, pc.year, pc.visits,
       pc.missing_measures * coalesce(ch.time_step, 3600) / 3600.0 AS missing_hours,
       pc.measures * coalesce(ch.time_step, 3600) / 3600.0 AS hours,
       pc.months, pc.visits_to_date, pc.months_to_date, (SELECT to_date FROM cutoff) AS to_date,
       pc.is_demo, s.lat, s.lon, s.source AS site_source
FROM per_channel pc
JOIN counter_channels ch ON ch.channel_id = pc.channel_id
JOIN counter_sites s ON s.site_id = ch.site_id
LEFT JOIN park_sites p ON p.id = s.park_id
LEFT JOIN communes c ON c.code = s.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE in_selection(s.commune_code, $epci, $commune)
ORDER BY ch.site_id, ch.mobility_type, pc.year;
