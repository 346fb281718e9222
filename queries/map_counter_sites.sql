-- Counter sites with their commune, park and counted passages per year (missing hours excluded, with their number), and the sources of the measures counted that year (the site's own source when none was); year is NULL for a site with no measure.
WITH per_source AS (
    -- Per channel, year and source first: a few hundred groups instead of joining millions of
    -- measures; `visits` is NULL when none of that source's measures was counted.
    SELECT channel_id, year(day) AS year, source,
           sum(visits) AS visits,
           sum(missing_measures) AS missing_measures,
           sum(measures) AS measures,
           sum(hours) AS hours,
           sum(missing_hours) AS missing_hours
    FROM counter_calendar   -- a channel that stopped sending: its days missing, not absent
    GROUP BY ALL
), per_site AS (
    SELECT s.site_id, s.site_name, s.commune_code, c.name AS commune, s.lat, s.lon,
           p.name AS park, m.year,
           sum(m.visits) AS visits,
           sum(m.missing_hours) AS missing_hours,   -- counter_calendar's hours (measures_hours)
           sum(m.hours) AS hours,
           s.source AS site_source,
           -- A figure's source is its measures' own (their import file), not the site's.
           string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source) FILTER (m.visits IS NOT NULL) AS measures_source
    FROM counter_sites s
    LEFT JOIN communes c ON c.code = s.commune_code
    LEFT JOIN park_sites p ON p.id = s.park_id
    LEFT JOIN counter_channels ch ON ch.site_id = s.site_id
    LEFT JOIN per_source m ON m.channel_id = ch.channel_id
    GROUP BY ALL
)
SELECT site_id, site_name, commune_code, commune, lat, lon, park, year, visits, missing_hours, hours,
       coalesce(measures_source, site_source) AS source
FROM per_site
ORDER BY site_id, year;
