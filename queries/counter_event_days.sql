-- The days of the events about each counter channel of $epci and $commune (or NULL each): channel_id, day and closed (an event of that day about the counter says its place was closed); an event is about a counter when it is positioned within $radius_m metres of it, or names its site or park (site_name with and without « – compteur N », park; at least 4 letters, compared word for word without case or accents) in its title, place or description, in the counter's commune or with no commune. It says closed when its title or description holds one of $closure_words (folded: lower case, no accents; whole words or phrases), or one of $ambiguous (« ferme », « fermes »: the closure or the farm) that is not the noun: accented (« fermé(s) »), in capitals in a text that is not all capitals, or else neither after a word of $noun_before, nor before one of $noun_after, nor opening the text before one of $noun_after_first (the rules of ecotransition.core.anomalies.is_closure, whose lists are the parameters).
-- One pass of joins and string functions instead of a Python loop over every event and counter:
-- a whole agenda (100 000 events) is matched in well under a second (bench/bench_flags.py).
WITH places AS (
    SELECT channel_id, commune_code, lat, lon, site_name, park
    FROM counter_places
    WHERE in_selection(commune_code, $epci, $commune)
),
-- The names of each counter's place as padded words (' parc de lens '), as ev.words below.
names AS (
    SELECT DISTINCT channel_id, name
    FROM (
        SELECT channel_id, ' ' || array_to_string(regexp_extract_all(strip_accents(lower(n)), '[\pL\pN_]+'), ' ') || ' ' AS name
        FROM (
            SELECT channel_id, unnest([site_name, regexp_replace(site_name, '(?i)\s*[–—-]\s*compteur\b.*$', ''), park]) AS n
            FROM places
        )
        WHERE n IS NOT NULL
    )
    WHERE length(trim(name)) >= 4
),
ev AS (
    SELECT id AS k, title, description, commune_code, lat, lon, start_date,
           greatest(start_date, coalesce(end_date, start_date)) AS end_date,
           ' ' || array_to_string(regexp_extract_all(
               strip_accents(lower(concat_ws(' ', title, place, description))), '[\pL\pN_]+'), ' ') || ' ' AS words
    FROM events
),
about AS (
    SELECT e.k, n.channel_id
    FROM ev e
    JOIN names n ON contains(e.words, n.name)
    JOIN places p ON p.channel_id = n.channel_id
    WHERE e.commune_code IS NULL OR e.commune_code = p.commune_code
    UNION
    SELECT e.k, p.channel_id
    FROM ev e
    JOIN places p ON e.lat IS NOT NULL AND e.lon IS NOT NULL
        -- a cheap box first (1° of latitude is 111 km), then the distance the Python rule used
        AND abs(p.lat - e.lat) * 111320 <= $radius_m
        AND sqrt(pow((p.lat - e.lat) * 111320, 2)
                 + pow((p.lon - e.lon) * 111320 * cos(radians(e.lat)), 2)) <= $radius_m
),
-- The closure test on the events about a counter only, part by part (title, description).
parts AS (
    SELECT k, part, regexp_extract_all(part, '[\pL\pN\pM_]+') AS tokens
    FROM (SELECT k, unnest([title, description]) AS part FROM ev WHERE k IN (SELECT k FROM about))
    WHERE part IS NOT NULL AND trim(part) <> ''
),
folded AS (
    SELECT k, part, tokens, list_transform(tokens, lambda w: strip_accents(lower(w))) AS f
    FROM parts
),
closed AS (
    SELECT k, bool_or(
        list_bool_or(list_transform($closure_words, lambda w: contains(' ' || array_to_string(f, ' ') || ' ', ' ' || w || ' ')))
        OR list_bool_or(list_transform(range(1, len(f) + 1), lambda i:
            list_contains($ambiguous, f[i]) AND (
                nfc_normalize(lower(tokens[i])) IN ('fermé', 'fermés')
                OR (tokens[i] = upper(tokens[i]) AND tokens[i] <> lower(tokens[i]) AND part <> upper(part))
                OR NOT (coalesce(i > 1 AND list_contains($noun_before, f[i - 1]), FALSE)
                        OR coalesce(i < len(f) AND list_contains($noun_after, f[i + 1]), FALSE)
                        OR coalesce(i = 1 AND len(f) > 1 AND list_contains($noun_after_first, f[2]), FALSE)))))
    ) AS closed
    FROM folded
    GROUP BY k
),
spans AS (
    SELECT a.channel_id, e.start_date, e.end_date, coalesce(c.closed, FALSE) AS closed
    FROM about a
    JOIN ev e ON e.k = a.k
    LEFT JOIN closed c ON c.k = a.k
),
days AS (
    SELECT channel_id, unnest(generate_series(start_date::TIMESTAMP, end_date::TIMESTAMP, INTERVAL 1 DAY)) AS day, closed
    FROM spans
)
SELECT channel_id, day, bool_or(closed) AS closed
FROM days
GROUP BY ALL
ORDER BY channel_id, day;
