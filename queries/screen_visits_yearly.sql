-- Passages counted per year and mode on the Chaîne des parcs counters (missing hours excluded and counted), with the number of counting sites and the last day measured.
SELECT year(m.start_datetime) AS year, ch.mobility_type,
       sum(m.count) AS visits,
       count(DISTINCT ch.site_id) AS sites,
       count(*) FILTER (m.count IS NULL) AS missing_hours,
       count(*) AS hours,
       max(m.start_datetime)::DATE AS last_day,
       bool_or(m.source = 'démonstration') AS is_demo,
       string_agg(DISTINCT m.source, ' ; ') AS source
FROM counter_measures m
JOIN counter_channels ch USING (channel_id)
GROUP BY ALL
ORDER BY year, ch.mobility_type;
