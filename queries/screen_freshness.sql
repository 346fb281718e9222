-- The most recent day the measured data describe (counters, solar cadastre, PV production year) and when the database was last built or loaded.
SELECT greatest(
           (SELECT max(day) FROM counter_daily),
           (SELECT max(date) FROM cadastre_usage),
           (SELECT make_date(max(year), 12, 31) FROM solar_production)
       ) AS data_date,
       greatest(
           (SELECT try_cast(value AS TIMESTAMPTZ) FROM build_info WHERE key = 'built_at'),
           (SELECT max(imported_at) FROM imports WHERE status = 'chargé')
       ) AS loaded_at;
