-- Passages, measures and missing measures per counter channel and day (step: the channel's time step in seconds; end_date: its declared last day, NULL while it counts) (from counter_calendar: a day without any row is missing), with the demonstration flag (is_demo: some row of the day is generated; imported: some row is not), for the channels of $epci and $commune (or NULL each): the input of the anomaly rules (ecotransition.core.anomalies).
SELECT d.channel_id, d.day, coalesce(ch.time_step, 3600) AS step, ch.end_date, sum(d.visits) AS visits, sum(d.measures)::INTEGER AS measures,
       sum(d.missing_measures)::INTEGER AS missing_measures, bool_or(d.source = 'démonstration') AS is_demo,
       bool_or(d.source <> 'démonstration') AS imported
FROM counter_calendar d   -- a channel that stopped sending: its days missing, not absent
JOIN counter_channels ch ON ch.channel_id = d.channel_id
JOIN counter_sites s ON s.site_id = ch.site_id
WHERE in_selection(s.commune_code, $epci, $commune)
GROUP BY ALL
ORDER BY d.channel_id, d.day;
