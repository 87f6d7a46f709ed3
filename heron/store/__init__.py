"""Storage: the metadata database, the content-addressed blob store and table files."""
