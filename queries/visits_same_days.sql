-- The pairs of days of counter_same_days (channel_id, day, year, visits, previous_visits: the passages of that day and of the same date the year before, both counted in full; is_demo) for the channels of $epci and $commune (or NULL each) in $year: what the same-period chart of /chaine-des-parcs adds up, day by day, to the sums of the cards' change (visits_channel_years' compared_visits, compared_previous).
SELECT d.channel_id, d.day, d.year, d.visits, d.previous_visits, d.is_demo
FROM counter_same_days d
JOIN counter_channels ch ON ch.channel_id = d.channel_id
JOIN counter_sites s ON s.site_id = ch.site_id
WHERE in_selection(s.commune_code, $epci, $commune) AND d.year = $year
ORDER BY d.day, d.channel_id;
