-- Macros shared by the named queries: in_selection(commune_code, $epci, $commune) is the one way a query applies the sidebar's selection (agglomeration short name and INSEE code, each NULL for "all").
-- Created by the build (kept in the file, for plain connections) and by every read-only
-- connection of the app (so a file built before it still works). A row without a commune
-- (a counter or an event outside the territory) belongs to the whole Pôle only.
CREATE OR REPLACE MACRO in_selection(code, sel_epci, sel_commune) AS
    (sel_commune IS NULL OR code = sel_commune)
    AND (sel_epci IS NULL OR code IN (SELECT c.code FROM communes c JOIN epci e ON e.code = c.epci_code
                                       WHERE e.short_name = sel_epci));

-- Europe/Paris local time by the EU rule (changes on the last Sundays of March and October):
-- paris_gap(t) is true for a wall-clock time that does not exist (the March hour skipped);
-- paris_repeated(t) for one that happens twice (the October hour); paris_offset(t) gives the
-- minutes east of UTC of a wall-clock time, the first (summer) one in the repeated hour.
CREATE OR REPLACE MACRO paris_change(y, m) AS make_timestamp(y, m, 31 - dayofweek(make_date(y, m, 31)), 2, 0, 0);
CREATE OR REPLACE MACRO paris_gap(t) AS
    t >= paris_change(year(t), 3) AND t < paris_change(year(t), 3) + INTERVAL 1 HOUR;
CREATE OR REPLACE MACRO paris_repeated(t) AS
    t >= paris_change(year(t), 10) AND t < paris_change(year(t), 10) + INTERVAL 1 HOUR;
CREATE OR REPLACE MACRO paris_offset(t) AS
    CASE WHEN t >= paris_change(year(t), 3) AND t < paris_change(year(t), 10) + INTERVAL 1 HOUR
         THEN 120 ELSE 60 END::SMALLINT;

-- Events: where one took place and whether it matches the /evenements page's controls.
-- event_location gives 'inside' (a commune code, or along the Chaîne des parcs, which has no
-- single commune), 'online', 'outside' (a place or a point elsewhere) or 'unknown' (neither);
-- themes/events.py names them in French. event_matches applies the year, themes, place groups
-- and place (each NULL for "all"; themes and groups are lists).
CREATE OR REPLACE MACRO event_location(code, place, lat) AS
    CASE WHEN code IS NOT NULL OR starts_with(coalesce(place, ''), 'Chaîne des parcs') THEN 'inside'
         WHEN starts_with(lower(coalesce(place, '')), 'en ligne') THEN 'online'
         WHEN coalesce(place, '') <> '' OR lat IS NOT NULL THEN 'outside'
         ELSE 'unknown' END;
-- event_ahead: whether an event is a next one on `today` (« Prochain événement », the screen's
-- « Prochains événements »): it starts on or after that day. One under way (6–12 March on
-- 12 March) is not: it was the card's « Prochain événement 6 mars ». themes/events.starts_ahead
-- is this rule for rows already read (the screen's).
CREATE OR REPLACE MACRO event_ahead(start_date, today) AS start_date >= today;
CREATE OR REPLACE MACRO event_matches(start_date, theme, loc, place, sel_annee, sel_themes, sel_locations, sel_place) AS
    (sel_annee IS NULL OR year(start_date) = sel_annee)
    AND (sel_themes IS NULL OR list_contains(sel_themes, theme))
    AND (sel_locations IS NULL OR list_contains(sel_locations, loc))
    AND (sel_place IS NULL OR place = sel_place);

-- paris_day_seconds(d): the length of local day d in seconds, 82 800 on the last Sunday of March,
-- 90 000 on the last Sunday of October, 86 400 otherwise: a channel's expected measures of a day
-- are this over its time step (queries/counter_daily.sql, counter_calendar.sql).
CREATE OR REPLACE MACRO paris_day_seconds(d) AS
    (86400 + 60 * (paris_offset(d::DATE::TIMESTAMP) - paris_offset((d::DATE + 1)::TIMESTAMP)))::INTEGER;
-- measures_hours(n, step, d): the hours that n measures of a channel of `step` seconds cover on local
-- day d. A measure covers its step, a daily one (23 hours or more) its local day: a daily channel's
-- missing 30 March 2025 is 23 hours, its 26 October 2025 25 (86 400 × 1 said 24 for both). The one
-- rule of the hours measured and missing (counter_calendar.sql, anomalies.measures_hours).
CREATE OR REPLACE MACRO measures_hours(n, step, d) AS
    n * CASE WHEN step < 82800 THEN step ELSE paris_day_seconds(d) END / 3600.0;
