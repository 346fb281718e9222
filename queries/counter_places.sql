-- Where each counter channel stands and what its place is called (the view counter_places): channel_id, commune_code, lat, lon, site_name and park (the name of its park of the Chaîne des parcs, or NULL): what an event must be near, or name, to be about the counter (counter_event_days).
SELECT ch.channel_id, s.commune_code, s.lat, s.lon, s.site_name, p.name AS park
FROM counter_channels ch
JOIN counter_sites s ON s.site_id = ch.site_id
LEFT JOIN park_sites p ON p.id = s.park_id
