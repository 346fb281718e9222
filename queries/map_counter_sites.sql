-- Counter sites with their commune, park and counted passages per year (missing hours excluded, with their number); year is NULL for a site with no measure.
WITH per_channel AS (
    -- Per channel first: a few hundred groups instead of joining millions of measures.
    SELECT channel_id, year(start_datetime) AS year,
           sum(count) AS visits,
           count(*) FILTER (count IS NULL) AS missing_hours,
           count(*) AS hours
    FROM counter_measures
    GROUP BY ALL
)
SELECT s.site_id, s.site_name, s.commune_code, c.name AS commune, s.lat, s.lon,
       p.name AS park, m.year,
       sum(m.visits) AS visits,
       sum(m.missing_hours) AS missing_hours,
       sum(m.hours) AS hours,
       s.source
FROM counter_sites s
LEFT JOIN communes c ON c.code = s.commune_code
LEFT JOIN park_sites p ON p.id = s.park_id
LEFT JOIN counter_channels ch ON ch.site_id = s.site_id
LEFT JOIN per_channel m ON m.channel_id = ch.channel_id
GROUP BY ALL
ORDER BY s.site_id, m.year;
