-- Counted passages, missing and measured hours per counter channel and year (is_demo: a generated row among those with passages; channel_source: the channel's own, for a year without any), with the channel's site, park, commune and agglomeration, filtered by $epci and $commune (or NULL); to_date is the last day counted (all counters); compared_visits and compared_previous the passages of the year and of the year before on the days both counted in full (counter_same_days: the one rule of the year-on-year change, 29 February left out), compared_days their number.
WITH cutoff AS (
    SELECT max(day) AS to_date FROM counter_daily
),
compared AS (
    SELECT channel_id, year, sum(visits) AS compared_visits, sum(previous_visits) AS compared_previous,
           count(*) AS compared_days
    FROM counter_same_days
    GROUP BY ALL
),
per_channel AS (
    SELECT channel_id, year(day) AS year,
           sum(visits) AS visits,
           sum(missing_measures)::BIGINT AS missing_measures,
           sum(measures)::BIGINT AS measures,
           sum(hours) AS hours,
           sum(missing_hours) AS missing_hours,
           count(DISTINCT month(day)) FILTER (measured) AS months,
           -- Only the rows that add passages: a generated channel's missing days are no figure.
           coalesce(bool_or(source = 'démonstration') FILTER (visits IS NOT NULL), FALSE) AS is_demo
    FROM counter_calendar   -- a channel that stopped sending: its days missing, not absent
    GROUP BY ALL
)
SELECT ch.channel_id, ch.site_id, s.site_name, s.park_id, p.name AS park, s.commune_code,
       c.name AS commune, e.short_name AS epci, ch.mobility_type, pc.year, pc.visits,
       pc.missing_hours, pc.hours,   -- counter_calendar's hours (measures_hours)
       pc.months, cp.compared_visits, cp.compared_previous, coalesce(cp.compared_days, 0) AS compared_days,
       (SELECT to_date FROM cutoff) AS to_date,
       pc.is_demo, ch.source AS channel_source, s.lat, s.lon, s.source AS site_source
FROM per_channel pc
LEFT JOIN compared cp ON cp.channel_id = pc.channel_id AND cp.year = pc.year
JOIN counter_channels ch ON ch.channel_id = pc.channel_id
JOIN counter_sites s ON s.site_id = ch.site_id
LEFT JOIN park_sites p ON p.id = s.park_id
LEFT JOIN communes c ON c.code = s.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE in_selection(s.commune_code, $epci, $commune)
ORDER BY ch.site_id, ch.mobility_type, pc.year;
