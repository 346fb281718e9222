-- The days of the events about each counter channel of $epci and $commune (or NULL each): channel_id, day, closed (an event of that day about the counter says its place was closed) events (the ids of that day's events about it) and closures (those of them that say it was closed); an event is about a counter when it is positioned within $radius_m metres of it (a position of its own: not position_derived, the commune's centroid an import put for a row without one), or names its site or park (site_name with and without « – compteur N », park; at least 4 letters, compared word for word without case or accents) in its title, place or description, in the counter's commune or with no commune. It says closed when its title or description holds one of $closure_words (folded: lower case, no accents; whole words or phrases), or one of $ambiguous (« ferme », « fermes »: the closure or the farm) that is not the noun: accented (« fermé(s) »), in capitals in a text that is not all capitals, or else neither after a word of $noun_before, nor before one of $noun_after, nor opening the text before one of $noun_after_first; a word so found is no closure when one of the two words before it is in $negations (« non fermé », « ne sera pas fermé »), or the third before it with two of $negation_fillers between (« pas du tout fermé ») (the lists are ecotransition.core.anomalies.closure_params).
-- Joins and string functions instead of a Python loop over every event and counter, each distinct
-- text read once (bench/bench_flags.py --events). A name is looked for in the title, the place
-- and the description each (the Python rule also found one split between two of them).
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
-- Each distinct text folded once (an agenda repeats its places and descriptions): its words, lower
-- case, without accents, one space apart and padded (' fete du parc de lens '), and the names of
-- counters' places it holds; an event names what its title, place or description names.
texts AS (
    SELECT DISTINCT v FROM (SELECT unnest([title, place, description]) AS v FROM events) WHERE v IS NOT NULL
),
text_names AS (
    SELECT t.v, n.channel_id
    FROM (SELECT v, ' ' || array_to_string(regexp_extract_all(strip_accents(lower(v)), '[\pL\pN_]+'), ' ') || ' ' AS w
          FROM texts) t
    JOIN names n ON contains(t.w, n.name)
),
ev AS (
    SELECT id AS k, title, description, commune_code, lat, lon, coalesce(position_derived, FALSE) AS derived, start_date,
           greatest(start_date, coalesce(end_date, start_date)) AS end_date
    FROM events
),
about AS (
    SELECT e.k, p.channel_id
    FROM (SELECT id AS k, commune_code, unnest([title, place, description]) AS v FROM events) e
    JOIN text_names tn ON tn.v = e.v
    JOIN places p ON p.channel_id = tn.channel_id
    WHERE e.commune_code IS NULL OR e.commune_code = p.commune_code
    UNION
    SELECT e.k, p.channel_id
    FROM ev e
    JOIN places p ON e.lat IS NOT NULL AND e.lon IS NOT NULL AND NOT e.derived
        -- a cheap band first (1° of latitude is 111 km), then the distance the Python rule used
        AND abs(p.lat - e.lat) * 111320 <= $radius_m
        AND sqrt(pow((p.lat - e.lat) * 111320, 2)
                 + pow((p.lon - e.lon) * 111320 * cos(radians(e.lat)), 2)) <= $radius_m
),
-- The closure test on the events about a counter only, once per distinct text (title or description).
event_parts AS (
    SELECT k, part
    FROM (SELECT k, unnest([title, description]) AS part FROM ev WHERE k IN (SELECT k FROM about))
    WHERE part IS NOT NULL AND trim(part) <> ''
),
parts AS (
    SELECT DISTINCT part FROM event_parts
),
folded AS (
    SELECT part, tokens, list_transform(tokens, lambda w: strip_accents(lower(w))) AS f
    FROM (SELECT part, regexp_extract_all(part, '[\pL\pN\pM_]+') AS tokens FROM parts)
),
-- A closure word counts at token i unless a word of $negations is one of the two before it
-- (« non fermé », « ne sera pas fermé », « pas encore fermé », « sans fermeture »), or the third
-- before it with two words of $negation_fillers between (« pas du tout fermé »).
closed_parts AS (
    SELECT part,
        list_bool_or(list_transform(range(1, len(f) + 1), lambda i:
            (list_bool_or(list_transform(list_transform($closure_words, lambda w: string_split(w, ' ')),
                                         lambda ws: f[i:i + len(ws) - 1] = ws))
             OR (list_contains($ambiguous, f[i]) AND (
                nfc_normalize(lower(tokens[i])) IN ('fermé', 'fermés')
                OR (tokens[i] = upper(tokens[i]) AND tokens[i] <> lower(tokens[i]) AND part <> upper(part))
                OR NOT (coalesce(i > 1 AND list_contains($noun_before, f[i - 1]), FALSE)
                        OR coalesce(i < len(f) AND list_contains($noun_after, f[i + 1]), FALSE)
                        OR coalesce(i = 1 AND len(f) > 1 AND list_contains($noun_after_first, f[2]), FALSE)))))
            AND NOT coalesce(i > 1 AND list_contains($negations, f[i - 1]), FALSE)
            AND NOT coalesce(i > 2 AND list_contains($negations, f[i - 2]), FALSE)
            AND NOT coalesce(i > 3 AND list_contains($negations, f[i - 3])
                             AND list_contains($negation_fillers, f[i - 2])
                             AND list_contains($negation_fillers, f[i - 1]), FALSE))) AS closed
    FROM folded
),
closed AS (
    SELECT p.k, bool_or(c.closed) AS closed
    FROM event_parts p
    JOIN closed_parts c ON c.part = p.part
    GROUP BY p.k
),
spans AS (
    SELECT a.channel_id, a.k, e.start_date, e.end_date, coalesce(c.closed, FALSE) AS closed
    FROM about a
    JOIN ev e ON e.k = a.k
    LEFT JOIN closed c ON c.k = a.k
),
days AS (
    SELECT channel_id, k, unnest(generate_series(start_date::TIMESTAMP, end_date::TIMESTAMP, INTERVAL 1 DAY)) AS day, closed
    FROM spans
)
SELECT channel_id, day, bool_or(closed) AS closed, list(DISTINCT k ORDER BY k) AS events,
       coalesce(list(DISTINCT k ORDER BY k) FILTER (WHERE closed), []) AS closures
FROM days
GROUP BY ALL
ORDER BY channel_id, day;
