"""The statements that create a new SQLite store's schema, as SQLAlchemy issues them for
heron.store.schema; written by ``python -m heron.store.sqlite_writer``, do not edit.
"""

SCHEMA_VERSION = 5
SOURCE_DIGEST = "crc32:72faf574"

STATEMENTS = (
    'CREATE TABLE heron_meta (\n\t"key" VARCHAR(64) NOT NULL, \n\tvalue TEXT NOT NULL, \n\tPRIMARY KEY ("key")\n)',
    "CREATE TABLE projects (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tdescription TEXT NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE tables (\n\tid VARCHAR(64) NOT NULL, \n\tn_rows BIGINT NOT NULL, \n\tcolumns TEXT NOT NULL, \n\tparts TEXT NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE TABLE blob_packs (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(64) NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE blob_batches (\n\tid INTEGER NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(64) NOT NULL, \n\tis_admin BOOLEAN NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE runs (\n\tid VARCHAR(64) NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tgroup_name VARCHAR(256), \n\tjob_type VARCHAR(128), \n\ttags TEXT NOT NULL, \n\tnotes TEXT NOT NULL, \n\tconfig TEXT NOT NULL, \n\tsummary TEXT NOT NULL, \n\tstate VARCHAR(16) NOT NULL, \n\texit_code INTEGER, \n\tcreated_at FLOAT NOT NULL, \n\tupdated_at FLOAT NOT NULL, \n\tfinished_at FLOAT, \n\theartbeat_at FLOAT NOT NULL, \n\thost VARCHAR(256) NOT NULL, \n\tpid INTEGER NOT NULL, \n\tpython_version VARCHAR(64) NOT NULL, \n\tprogram TEXT NOT NULL, \n\tgit_commit VARCHAR(64), \n\tgit_dirty BOOLEAN, \n\tgit_remote TEXT, \n\tlast_step BIGINT NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id)\n)",
    "CREATE INDEX ix_runs_project ON runs (project_id, created_at)",
    'CREATE TABLE blobs (\n\tdigest BLOB NOT NULL, \n\tsize BIGINT NOT NULL, \n\tpack INTEGER, \n\t"offset" BIGINT NOT NULL, \n\tbatch INTEGER NOT NULL, \n\tPRIMARY KEY (digest), \n\tFOREIGN KEY(pack) REFERENCES blob_packs (id), \n\tFOREIGN KEY(batch) REFERENCES blob_batches (id)\n)\n WITHOUT ROWID\n\n',
    "CREATE TABLE artifact_collections (\n\tid INTEGER NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\ttype VARCHAR(128) NOT NULL, \n\tdescription TEXT NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tnext_version INTEGER DEFAULT '0' NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (project_id, name), \n\tFOREIGN KEY(project_id) REFERENCES projects (id)\n)",
    "CREATE TABLE reports (\n\tid VARCHAR(64) NOT NULL, \n\tproject_id INTEGER NOT NULL, \n\ttitle TEXT NOT NULL, \n\tdescription TEXT NOT NULL, \n\tblocks TEXT NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tupdated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id)\n)",
    "CREATE TABLE api_keys (\n\tid VARCHAR(32) NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tsecret_sha256 VARCHAR(64) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\trevoked_at FLOAT, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id)\n)",
    "CREATE INDEX ix_api_keys_user ON api_keys (user_id)",
    "CREATE TABLE project_members (\n\tproject_id INTEGER NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\trole VARCHAR(16) NOT NULL, \n\tPRIMARY KEY (project_id, user_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id)\n)",
    "CREATE INDEX ix_project_members_user ON project_members (user_id)",
    "CREATE TABLE project_visibility (\n\tproject_id INTEGER NOT NULL, \n\tvisibility VARCHAR(16) NOT NULL, \n\tPRIMARY KEY (project_id), \n\tFOREIGN KEY(project_id) REFERENCES projects (id)\n)",
    'CREATE TABLE metrics (\n\trun_id VARCHAR(64) NOT NULL, \n\t"key" VARCHAR(512) NOT NULL, \n\tfirst_step BIGINT NOT NULL, \n\tlast_step BIGINT NOT NULL, \n\tn_points INTEGER NOT NULL, \n\tstep_data BLOB NOT NULL, \n\tvalue_data BLOB NOT NULL, \n\tlogged_at FLOAT NOT NULL, \n\tPRIMARY KEY (run_id, "key", first_step), \n\tFOREIGN KEY(run_id) REFERENCES runs (id)\n)',
    'CREATE TABLE run_objects (\n\trun_id VARCHAR(64) NOT NULL, \n\t"key" VARCHAR(512) NOT NULL, \n\tstep BIGINT NOT NULL, \n\tkind VARCHAR(32) NOT NULL, \n\tpayload TEXT NOT NULL, \n\tlogged_at FLOAT NOT NULL, \n\tPRIMARY KEY (run_id, "key", step), \n\tFOREIGN KEY(run_id) REFERENCES runs (id)\n)',
    "CREATE TABLE artifact_versions (\n\tid VARCHAR(64) NOT NULL, \n\tcollection_id INTEGER NOT NULL, \n\tversion INTEGER NOT NULL, \n\tdigest VARCHAR(64) NOT NULL, \n\tdescription TEXT NOT NULL, \n\tmetadata TEXT NOT NULL, \n\tsize BIGINT NOT NULL, \n\tfile_count INTEGER NOT NULL, \n\tcreated_by_run_id VARCHAR(64), \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (collection_id, version), \n\tFOREIGN KEY(collection_id) REFERENCES artifact_collections (id), \n\tFOREIGN KEY(created_by_run_id) REFERENCES runs (id)\n)",
    "CREATE INDEX ix_artifact_versions_digest ON artifact_versions (collection_id, digest)",
    "CREATE TABLE comments (\n\tid VARCHAR(32) NOT NULL, \n\treport_id VARCHAR(64) NOT NULL, \n\tpanel_id VARCHAR(64), \n\tparent_id VARCHAR(32), \n\tauthor VARCHAR(128) NOT NULL, \n\tbody TEXT NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tedited_at FLOAT, \n\tdeleted_at FLOAT, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(report_id) REFERENCES reports (id), \n\tFOREIGN KEY(parent_id) REFERENCES comments (id)\n)",
    "CREATE INDEX ix_comments_parent ON comments (parent_id)",
    "CREATE INDEX ix_comments_report ON comments (report_id, created_at)",
    "CREATE TABLE auth_sessions (\n\ttoken_sha256 VARCHAR(64) NOT NULL, \n\tkey_id VARCHAR(32) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\texpires_at FLOAT NOT NULL, \n\tPRIMARY KEY (token_sha256), \n\tFOREIGN KEY(key_id) REFERENCES api_keys (id)\n)",
    "CREATE TABLE artifact_files (\n\tversion_id VARCHAR(64) NOT NULL, \n\tpath TEXT NOT NULL, \n\tsha256 VARCHAR(64), \n\tsize BIGINT NOT NULL, \n\tref_uri TEXT, \n\tref_etag TEXT, \n\ttable_id VARCHAR(64), \n\tPRIMARY KEY (version_id, path), \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id)\n)",
    "CREATE TABLE artifact_aliases (\n\tcollection_id INTEGER NOT NULL, \n\talias VARCHAR(128) NOT NULL, \n\tversion_id VARCHAR(64) NOT NULL, \n\tPRIMARY KEY (collection_id, alias), \n\tFOREIGN KEY(collection_id) REFERENCES artifact_collections (id), \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id)\n)",
    "CREATE TABLE lineage (\n\trun_id VARCHAR(64) NOT NULL, \n\tversion_id VARCHAR(64) NOT NULL, \n\tdirection VARCHAR(8) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (run_id, version_id, direction), \n\tFOREIGN KEY(run_id) REFERENCES runs (id), \n\tFOREIGN KEY(version_id) REFERENCES artifact_versions (id)\n)",
)
