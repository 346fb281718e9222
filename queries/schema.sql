-- Creates every table of the data contract (see shared DESIGN.md); run once on an empty database.

CREATE TABLE epci (
    code        VARCHAR PRIMARY KEY,   -- SIREN
    name        VARCHAR NOT NULL,
    short_name  VARCHAR NOT NULL,      -- CABBALR, CALL, CAHC
    source      VARCHAR NOT NULL
);

CREATE TABLE communes (
    code        VARCHAR PRIMARY KEY,   -- INSEE
    name        VARCHAR NOT NULL,
    epci_code   VARCHAR NOT NULL REFERENCES epci (code),
    population  INTEGER,
    lat         DOUBLE NOT NULL,
    lon         DOUBLE NOT NULL,
    geometry    VARCHAR NOT NULL,      -- GeoJSON geometry text
    source      VARCHAR NOT NULL
);

CREATE TABLE investments (
    id              VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    company         VARCHAR,
    sector          VARCHAR,
    commune_code    VARCHAR,
    lat             DOUBLE,
    lon             DOUBLE,
    amount_eur      DOUBLE,            -- null when not published
    jobs            INTEGER,           -- null when not published
    status          VARCHAR,
    announced_year  INTEGER,
    description     VARCHAR,
    source          VARCHAR NOT NULL
);

CREATE TABLE solar_production (
    commune_code  VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    sites         INTEGER,
    power_kw      DOUBLE,
    energy_mwh    DOUBLE,
    source        VARCHAR NOT NULL,
    PRIMARY KEY (commune_code, year)
);

CREATE TABLE solar_potential (
    commune_code   VARCHAR PRIMARY KEY,
    potential_mwh  DOUBLE,
    source         VARCHAR NOT NULL
);

CREATE TABLE cadastre_usage (
    date    DATE PRIMARY KEY,
    users   INTEGER,
    source  VARCHAR NOT NULL
);

CREATE TABLE park_sites (
    id            VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    commune_code  VARCHAR,
    lat           DOUBLE,
    lon           DOUBLE,
    area_ha       DOUBLE,
    kind          VARCHAR,
    opened        DATE,                -- opening day when it opened during the period covered
    description   VARCHAR,
    source        VARCHAR NOT NULL
);

CREATE TABLE counter_sites (
    site_id       VARCHAR PRIMARY KEY,
    site_name     VARCHAR NOT NULL,
    commune_code  VARCHAR,
    lat           DOUBLE,
    lon           DOUBLE,
    park_id       VARCHAR,             -- nearest park_sites.id, may be null
    source        VARCHAR NOT NULL
);

CREATE TABLE counter_channels (
    channel_id     VARCHAR PRIMARY KEY,
    site_id        VARCHAR NOT NULL,
    mobility_type  VARCHAR NOT NULL,   -- BIKE, PEDESTRIAN, ...
    direction      VARCHAR,
    time_step      INTEGER,            -- seconds
    source         VARCHAR NOT NULL,
    -- The last day the channel counts (Paris), declared by staff for a counter removed or replaced
    -- (the schema's ended_at): no day after it is missing. NULL: still counting.
    end_date       DATE
);

-- No declared key: a 10-million-row ART index would dominate build time and memory.
-- Uniqueness of (channel_id, start_datetime) is enforced by the build and by the import's upsert.
CREATE TABLE counter_measures (
    channel_id      VARCHAR NOT NULL,
    start_datetime  TIMESTAMP NOT NULL, -- Europe/Paris wall clock (days and months are local ones)
    end_datetime    TIMESTAMP,
    count           INTEGER,           -- null = missing, 0 = nobody passed
    source          VARCHAR NOT NULL,
    -- Minutes east of UTC of start_datetime (120 summer, 60 winter): with it the two 02:00
    -- hours of the last Sunday of October are two measures, each one addressable.
    utc_offset      SMALLINT,
    -- The same for end_datetime: the first 02:00 of October ends at 02:00 +01:00, which the
    -- wall clock alone would confuse with the start.
    end_utc_offset  SMALLINT
);
-- Derived from counter_measures, not declared here: counter_daily (channel_id, day, source,
-- visits, measures, missing_measures) is computed by queries/counter_daily.sql and stored by the
-- build and by every measures import (ecotransition.sql.DERIVED); the visit queries read it.

CREATE TABLE events (
    id            VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL,
    start_date    DATE NOT NULL,
    end_date      DATE,
    place         VARCHAR,
    commune_code  VARCHAR,             -- null outside the territory
    lat           DOUBLE,
    lon           DOUBLE,
    theme         VARCHAR,
    participants  INTEGER,             -- null when the report gives no count
    description   VARCHAR,
    source        VARCHAR NOT NULL,
    -- true when lat/lon are the commune's centroid put by an import for a row without a position:
    -- good enough for a map, never a place (the counters' event matching ignores it)
    position_derived BOOLEAN DEFAULT false
);

CREATE TABLE indicators (
    id           VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    label        VARCHAR NOT NULL,
    theme        VARCHAR,
    unit         VARCHAR,
    value        DOUBLE,
    target       DOUBLE,
    target_year  INTEGER,
    direction    VARCHAR,              -- 'up' or 'down': which way is good
    note         VARCHAR,
    source       VARCHAR NOT NULL,
    -- Where the figure applies: 'PMA', an agglomeration's short name or a commune's INSEE code.
    zone         VARCHAR NOT NULL DEFAULT 'PMA',
    -- The start of the path to the target (a trajectory needs both ends).
    reference    DOUBLE,
    reference_year INTEGER,
    PRIMARY KEY (id, zone, year)
);

CREATE TABLE imports (
    id             VARCHAR PRIMARY KEY,
    imported_at    TIMESTAMP NOT NULL,
    dataset        VARCHAR NOT NULL,
    file_name      VARCHAR,
    sha256         VARCHAR,
    rows_read      INTEGER,
    rows_loaded    INTEGER,
    rows_rejected  INTEGER,
    status         VARCHAR NOT NULL,   -- chargé, refusé, inchangé
    message        VARCHAR
);

CREATE TABLE build_info (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR
);
