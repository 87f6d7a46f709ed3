"""What user code touches: runs, tables, media, artifacts and the read API."""
