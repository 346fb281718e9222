-- Counter sites with their commune, park and counted passages per year (missing hours excluded, with their number); year is NULL for a site with no measure.
WITH per_channel AS (
    -- Per channel first: a few hundred groups instead of joining millions of measures.
    SELECT channel_id, year(day) AS year,
           sum(visits) AS visits,
           sum(missing_measures) AS missing_measures,
           sum(measures) AS measures
    FROM counter_calendar   -- a channel that stopped sending: its days missing, not absent
    GROUP BY ALL
)
SELECT s.site_id, s.site_name, s.commune_code, c.name AS commune, s.lat, s.lon,
       p.name AS park, m.year,
       sum(m.visits) AS visits,
       sum(m.missing_measures * coalesce(ch.time_step, 3600) / 3600.0) AS missing_hours,   -- measures times the step: hours
       sum(m.measures * coalesce(ch.time_step, 3600) / 3600.0) AS hours,
       s.source
FROM counter_sites s
LEFT JOIN communes c ON c.code = s.commune_code
LEFT JOIN park_sites p ON p.id = s.park_id
LEFT JOIN counter_channels ch ON ch.site_id = s.site_id
LEFT JOIN per_channel m ON m.channel_id = ch.channel_id
GROUP BY ALL
ORDER BY s.site_id, m.year;
