-- Passages counted per year and mode on the Chaîne des parcs counters (missing hours excluded and counted), with the number of counting sites and the last day measured.
SELECT year(m.day) AS year, ch.mobility_type,
       sum(m.visits) AS visits,
       count(DISTINCT ch.site_id) FILTER (m.measured) AS sites,
       sum(m.missing_hours) AS missing_hours,   -- counter_calendar's hours (measures_hours)
       sum(m.hours) AS hours,
       max(m.day) FILTER (m.measured) AS last_day,
       -- Only the rows that add passages: a generated channel's missing days are no figure.
       coalesce(bool_or(m.source = 'démonstration') FILTER (m.visits IS NOT NULL), FALSE) AS is_demo,
       coalesce(string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source) FILTER (m.visits IS NOT NULL),
                string_agg(DISTINCT m.source, ' ; ' ORDER BY m.source)) AS source
FROM counter_calendar m   -- a channel that stopped sending: its days missing, not absent
JOIN counter_channels ch USING (channel_id)
GROUP BY ALL
ORDER BY year, ch.mobility_type;
