-- Average counted passages per day (all selected modes together) by month and weekday (ISO: 1 = Monday), over the days with less than 5 % of their hours missing, filtered by $epci, $commune, $site, $mode and $annee (or NULL each).
WITH channels AS (
    SELECT ch.channel_id, ch.mobility_type, coalesce(ch.time_step, 3600) AS step
    FROM counter_channels ch
    JOIN counter_sites s ON s.site_id = ch.site_id
    WHERE in_selection(s.commune_code, $epci, $commune)
      AND ($site IS NULL OR s.site_id = $site)
      AND ($mode IS NULL OR ch.mobility_type = $mode)
),
daily AS (
    SELECT d.day,
           sum(d.visits) AS visits,
           sum(measures_hours(d.missing_measures, ch.step, d.day)) AS missing_hours,
           sum(measures_hours(d.measures, ch.step, d.day)) AS hours,
           coalesce(bool_or(d.source = 'démonstration') FILTER (d.visits IS NOT NULL), FALSE) AS is_demo
    FROM counter_daily d
    JOIN channels ch ON ch.channel_id = d.channel_id
    WHERE $annee IS NULL OR year(d.day) = $annee
    GROUP BY ALL
)
SELECT month(day) AS month, isodow(day) AS weekday,
       avg(visits) AS avg_visits,
       count(*) AS days,
       bool_or(is_demo) AS is_demo
FROM daily
WHERE missing_hours < 0.05 * hours
GROUP BY ALL
ORDER BY month, weekday;
