-- staging: the current process run's working tables (rebuilt from landing by every run).
create schema if not exists staging;
