"""The database: its file (db), named SQL (sql), the dataset registry, the build and its
demonstration series (build, demo), and backups."""
