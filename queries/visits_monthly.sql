-- Counted passages per month and mode (missing hours excluded, with their number), filtered by $epci and $commune (or NULL).
SELECT date_trunc('month', m.day)::DATE AS month, ch.mobility_type,
       sum(m.visits) AS visits,
       sum(m.missing_hours) AS missing_hours,   -- counter_calendar's hours (measures_hours)
       sum(m.hours) AS hours,
       -- Only the rows that add passages: a generated channel's missing days are no figure.
       coalesce(bool_or(m.source = 'démonstration') FILTER (m.visits IS NOT NULL), FALSE) AS is_demo
FROM counter_calendar m   -- a channel that stopped sending: its days missing, not absent
JOIN counter_channels ch USING (channel_id)
JOIN counter_sites s ON s.site_id = ch.site_id
WHERE in_selection(s.commune_code, $epci, $commune)
GROUP BY ALL
ORDER BY month, ch.mobility_type;
