-- Counted passages per counter channel and month for the selection ($epci, $commune or NULL): sum of counts, hours measured and hours missing (count NULL), demonstration flag.
SELECT ch.channel_id, ch.site_id, ch.mobility_type,
       date_trunc('month', m.start_datetime)::DATE AS month,
       sum(m.count) AS visits,
       count(*) AS hours,
       count(*) FILTER (m.count IS NULL) AS missing_hours,
       bool_or(m.source = 'démonstration') AS is_demo,
       string_agg(DISTINCT m.source, ' ; ') AS source
FROM counter_measures m
JOIN counter_channels ch USING (channel_id)
JOIN counter_sites s ON s.site_id = ch.site_id
LEFT JOIN communes c ON c.code = s.commune_code
LEFT JOIN epci e ON e.code = c.epci_code
WHERE ($epci IS NULL OR e.short_name = $epci)
  AND ($commune IS NULL OR s.commune_code = $commune)
GROUP BY ALL
ORDER BY month, ch.channel_id;
