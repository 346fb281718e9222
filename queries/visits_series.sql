-- Counted passages per period ($grain: 'day', 'week' or 'month', NULL = month) and mode, with missing and measured hours and the number of days with measures, filtered by $epci, $commune, $site (counter site id), $mode (BIKE, PEDESTRIAN…) and $annee (or NULL each); visits is NULL when every hour of the period is missing.
WITH channels AS (
    SELECT ch.channel_id, ch.mobility_type, coalesce(ch.time_step, 3600) / 3600.0 AS step_hours
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    LEFT JOIN communes c ON c.code = s.commune_code
    LEFT JOIN epci e ON e.code = c.epci_code
    WHERE ($epci IS NULL OR e.short_name = $epci)
      AND ($commune IS NULL OR s.commune_code = $commune)
      AND ($site IS NULL OR s.site_id = $site)
      AND ($mode IS NULL OR ch.mobility_type = $mode)
),
-- Days first: casting to DATE is much cheaper than date_trunc on every hourly row.
daily AS (
    SELECT m.start_datetime::DATE AS day, ch.mobility_type,
           sum(m.count) AS visits,
           sum(ch.step_hours) FILTER (m.count IS NULL) AS missing_hours,
           sum(ch.step_hours) AS hours,
           bool_or(m.source = 'démonstration') AS is_demo
    FROM counter_measures m
    JOIN channels ch ON ch.channel_id = m.channel_id
    WHERE $annee IS NULL
       OR (m.start_datetime >= make_timestamp($annee, 1, 1, 0, 0, 0)
           AND m.start_datetime < make_timestamp($annee + 1, 1, 1, 0, 0, 0))
    GROUP BY ALL
)
SELECT date_trunc(coalesce($grain, 'month'), day)::DATE AS period,
       mobility_type,
       sum(visits) AS visits,
       coalesce(sum(missing_hours), 0) AS missing_hours,
       sum(hours) AS hours,
       count(*) AS days,
       bool_or(is_demo) AS is_demo
FROM daily
GROUP BY ALL
ORDER BY period, mobility_type;
