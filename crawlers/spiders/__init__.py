"""One spider per kind of board. A new board without structured data is one small file here plus
an entry in crawlers/sources.toml; boards with schema.org markup need only the registry entry."""
