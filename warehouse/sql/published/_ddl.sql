-- published: what apps and analysts read; rebuilt whole by each publish, in one transaction.
create schema if not exists published;
