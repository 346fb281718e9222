-- Counted passages per period ($grain: 'day', 'week' or 'month', NULL = month) and mode, with missing and measured hours and the number of days with measures, filtered by $epci, $commune, $site (counter site id), $mode (BIKE, PEDESTRIAN…) and $annee (or NULL each); visits is NULL when every hour of the period is missing.
WITH channels AS (
    SELECT ch.channel_id, ch.mobility_type
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE in_selection(s.commune_code, $epci, $commune)
      AND ($site IS NULL OR s.site_id = $site)
      AND ($mode IS NULL OR ch.mobility_type = $mode)
),
-- From the stored daily sums (counter_calendar over counter_daily), not the hourly measures: 24 times
-- fewer rows; the days a channel sent nothing while the others went on count as missing hours.
daily AS (
    SELECT d.day, ch.mobility_type,
           sum(d.visits) AS visits,
           sum(d.missing_hours) AS missing_hours,   -- counter_calendar's hours (measures_hours)
           sum(d.hours) AS hours,
           -- Only the rows that add passages: a generated channel's missing days are no figure.
           coalesce(bool_or(d.source = 'démonstration') FILTER (d.visits IS NOT NULL), FALSE) AS is_demo,
           bool_or(d.measured) AS measured
    FROM counter_calendar d
    JOIN channels ch ON ch.channel_id = d.channel_id
    WHERE $annee IS NULL OR year(d.day) = $annee
    GROUP BY ALL
)
SELECT date_trunc(coalesce($grain, 'month'), day)::DATE AS period,
       mobility_type,
       sum(visits) AS visits,
       coalesce(sum(missing_hours), 0) AS missing_hours,
       sum(hours) AS hours,
       count(*) FILTER (measured) AS days,
       bool_or(is_demo) AS is_demo
FROM daily
GROUP BY ALL
ORDER BY period, mobility_type;
