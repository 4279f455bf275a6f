"""The DDL of a fresh SQLite store: what ``metadata.create_all`` sends, rendered once.

Why: a replay creates its store new, and rendering these statements through
SQLAlchemy's DDL compiler cost about 24 M instructions (about 1% of a short
replay's start-up) each time. :func:`~tradecore.adapters.sqlstore.migrate.create_at_head`
runs them as they are on SQLite (other databases still go through ``create_all``).
SQLite keeps each statement's text, so the schema is the same to the byte.

Generated: a table change fails ``tests/unit/adapters/test_sqlite_ddl.py``, which
prints the new tuple; paste it here (``migrate.render_ddl()`` renders it).
"""

from __future__ import annotations

#: Every table and index of the store, then Alembic's version table, in order.
SQLITE_DDL: tuple[str, ...] = (
    (
        "\n"
        "CREATE TABLE intents (\n"
        "\tclient_order_id VARCHAR(64) NOT NULL, \n"
        "\tstrategy_id VARCHAR(128) NOT NULL, \n"
        "\tsymbol VARCHAR(16) NOT NULL, \n"
        "\tside VARCHAR(8) NOT NULL, \n"
        "\tattempt INTEGER NOT NULL, \n"
        "\tdecision_key TEXT NOT NULL, \n"
        "\tspec TEXT NOT NULL, \n"
        "\tdecided_at DATETIME NOT NULL, \n"
        "\tupdated_at DATETIME NOT NULL, \n"
        "\tarrival_price TEXT, \n"
        "\texpected_edge_bps FLOAT, \n"
        "\texecution_policy VARCHAR(64) NOT NULL, \n"
        "\tconfig_hash VARCHAR(128) NOT NULL, \n"
        "\tmodel_hash VARCHAR(128) NOT NULL, \n"
        "\tcost_model_hash VARCHAR(128) NOT NULL, \n"
        "\tstatus VARCHAR(32) NOT NULL, \n"
        "\tbroker_order_id VARCHAR(64), \n"
        "\tfilled_qty TEXT NOT NULL, \n"
        "\tfilled_notional TEXT NOT NULL, \n"
        "\tfees TEXT NOT NULL, \n"
        "\texecution_ids TEXT NOT NULL, \n"
        "\treason TEXT, \n"
        "\tparent_client_order_id VARCHAR(64), \n"
        "\tversion INTEGER NOT NULL, \n"
        "\tCONSTRAINT pk_intents PRIMARY KEY (client_order_id)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_intents_status_decided_at ON intents (status, decided_at)",
    (
        "\n"
        "CREATE TABLE position_snapshots (\n"
        "\tid INTEGER NOT NULL, \n"
        "\ttaken_at DATETIME NOT NULL, \n"
        "\tsource VARCHAR(32) NOT NULL, \n"
        "\tcash TEXT NOT NULL, \n"
        "\tCONSTRAINT pk_position_snapshots PRIMARY KEY (id)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_position_snapshots_source_taken_at ON position_snapshots (source, taken_at)",
    (
        "\n"
        "CREATE TABLE position_checks (\n"
        "\tchecked_at DATETIME NOT NULL, \n"
        "\tsymbol VARCHAR(16) NOT NULL, \n"
        "\tbroker_qty TEXT NOT NULL, \n"
        "\tledger_qty TEXT NOT NULL, \n"
        "\thealed_qty TEXT NOT NULL, \n"
        "\tCONSTRAINT pk_position_checks PRIMARY KEY (checked_at, symbol)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE decisions (\n"
        "\tdecision_id VARCHAR(64) NOT NULL, \n"
        "\tstrategy_id VARCHAR(128) NOT NULL, \n"
        "\tsymbol VARCHAR(16) NOT NULL, \n"
        "\tdecided_at DATETIME NOT NULL, \n"
        "\tinputs_hash VARCHAR(128) NOT NULL, \n"
        "\tmodel_hash VARCHAR(128) NOT NULL, \n"
        "\tcost_model_hash VARCHAR(128) NOT NULL, \n"
        "\tconfig_hash VARCHAR(128) NOT NULL, \n"
        "\tdetails TEXT NOT NULL, \n"
        "\tmanifest_hash VARCHAR(128), \n"
        "\tCONSTRAINT pk_decisions PRIMARY KEY (decision_id)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_decisions_decided_at ON decisions (decided_at)",
    (
        "\n"
        "CREATE TABLE audit_log (\n"
        "\tseq INTEGER NOT NULL, \n"
        "\trecorded_at DATETIME NOT NULL, \n"
        "\tkind VARCHAR(64) NOT NULL, \n"
        "\tpayload TEXT NOT NULL, \n"
        "\tprev_hash VARCHAR(64) NOT NULL, \n"
        "\trow_hash VARCHAR(64) NOT NULL, \n"
        "\tCONSTRAINT pk_audit_log PRIMARY KEY (seq), \n"
        "\tCONSTRAINT uq_audit_log_row_hash UNIQUE (row_hash)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE audit_head (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tseq INTEGER NOT NULL, \n"
        "\trow_hash VARCHAR(64) NOT NULL, \n"
        "\tCONSTRAINT pk_audit_head PRIMARY KEY (id)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE trading_state_changes (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tstate VARCHAR(16) NOT NULL, \n"
        "\treason TEXT NOT NULL, \n"
        "\tchanged_at DATETIME NOT NULL, \n"
        "\tCONSTRAINT pk_trading_state_changes PRIMARY KEY (id)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE breakers (\n"
        "\tname VARCHAR(64) NOT NULL, \n"
        "\ttripped BOOLEAN NOT NULL, \n"
        "\treason TEXT NOT NULL, \n"
        "\tchanged_at DATETIME NOT NULL, \n"
        "\tCONSTRAINT pk_breakers PRIMARY KEY (name)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE cost_model_versions (\n"
        "\tversion_hash VARCHAR(128) NOT NULL, \n"
        "\tcreated_at DATETIME NOT NULL, \n"
        "\tparams TEXT NOT NULL, \n"
        "\tnote TEXT NOT NULL, \n"
        "\tfills_used TEXT, \n"
        "\tCONSTRAINT pk_cost_model_versions PRIMARY KEY (version_hash)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_cost_model_versions_created_at ON cost_model_versions (created_at)",
    (
        "\n"
        "CREATE TABLE rate_limit_buckets (\n"
        "\tname VARCHAR(128) NOT NULL, \n"
        "\ttokens FLOAT NOT NULL, \n"
        "\trefilled_at FLOAT NOT NULL, \n"
        "\tpaused_until FLOAT NOT NULL, \n"
        "\tCONSTRAINT pk_rate_limit_buckets PRIMARY KEY (name)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE models (\n"
        "\tmodel_hash VARCHAR(128) NOT NULL, \n"
        "\tname VARCHAR(128) NOT NULL, \n"
        "\tcreated_at DATETIME NOT NULL, \n"
        "\tmetadata TEXT NOT NULL, \n"
        "\tCONSTRAINT pk_models PRIMARY KEY (model_hash)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE broker_orders (\n"
        "\tbroker_order_id VARCHAR(64) NOT NULL, \n"
        "\tclient_order_id VARCHAR(64) NOT NULL, \n"
        "\traw_status VARCHAR(32) NOT NULL, \n"
        "\tsubmitted_at DATETIME NOT NULL, \n"
        "\tupdated_at DATETIME NOT NULL, \n"
        "\tCONSTRAINT pk_broker_orders PRIMARY KEY (broker_order_id), \n"
        "\tCONSTRAINT fk_broker_orders_client_order_id_intents FOREIGN "
        "KEY(client_order_id) REFERENCES intents (client_order_id)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_broker_orders_client_order_id ON broker_orders (client_order_id)",
    (
        "\n"
        "CREATE TABLE fills (\n"
        "\tid INTEGER NOT NULL, \n"
        "\texecution_id VARCHAR(64) NOT NULL, \n"
        "\tclient_order_id VARCHAR(64) NOT NULL, \n"
        "\tsymbol VARCHAR(16) NOT NULL, \n"
        "\tside VARCHAR(8) NOT NULL, \n"
        "\tqty TEXT NOT NULL, \n"
        "\tprice TEXT NOT NULL, \n"
        "\tfee TEXT NOT NULL, \n"
        "\tfilled_at DATETIME NOT NULL, \n"
        "\tCONSTRAINT pk_fills PRIMARY KEY (id), \n"
        "\tCONSTRAINT fk_fills_client_order_id_intents FOREIGN "
        "KEY(client_order_id) REFERENCES intents (client_order_id), \n"
        "\tCONSTRAINT uq_fills_execution_id UNIQUE (execution_id)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_fills_client_order_id ON fills (client_order_id)",
    (
        "\n"
        "CREATE TABLE position_lines (\n"
        "\tsnapshot_id INTEGER NOT NULL, \n"
        "\tsymbol VARCHAR(16) NOT NULL, \n"
        "\tqty TEXT NOT NULL, \n"
        "\tavg_entry_price TEXT NOT NULL, \n"
        "\tCONSTRAINT pk_position_lines PRIMARY KEY (snapshot_id, symbol), \n"
        "\tCONSTRAINT fk_position_lines_snapshot_id_position_snapshots FOREIGN "
        "KEY(snapshot_id) REFERENCES position_snapshots (id) ON DELETE CASCADE\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE outcomes (\n"
        "\tdecision_id VARCHAR(64) NOT NULL, \n"
        "\tkind VARCHAR(16) NOT NULL, \n"
        "\trecorded_at DATETIME NOT NULL, \n"
        "\tclient_order_id VARCHAR(64), \n"
        "\treason TEXT, \n"
        "\tdetails TEXT NOT NULL, \n"
        "\tCONSTRAINT pk_outcomes PRIMARY KEY (decision_id), \n"
        "\tCONSTRAINT fk_outcomes_decision_id_decisions FOREIGN "
        "KEY(decision_id) REFERENCES decisions (decision_id)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE manifests (\n"
        "\tmanifest_hash VARCHAR(128) NOT NULL, \n"
        "\tmodel_hash VARCHAR(128) NOT NULL, \n"
        "\tdata_hash VARCHAR(128) NOT NULL, \n"
        "\tcost_model_hash VARCHAR(128) NOT NULL, \n"
        "\tconfig_hash VARCHAR(128) NOT NULL, \n"
        "\tcreated_at DATETIME NOT NULL, \n"
        "\tsignature TEXT, \n"
        "\tkey_id VARCHAR(128), \n"
        "\tCONSTRAINT pk_manifests PRIMARY KEY (manifest_hash), \n"
        "\tCONSTRAINT fk_manifests_model_hash_models FOREIGN KEY(model_hash) "
        "REFERENCES models (model_hash)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_manifests_model_hash_created_at ON manifests (model_hash, created_at)",
    (
        "\n"
        "CREATE TABLE model_stage_events (\n"
        "\tseq INTEGER NOT NULL, \n"
        "\tmodel_hash VARCHAR(128) NOT NULL, \n"
        "\tstrategy_id VARCHAR(128) NOT NULL, \n"
        "\tstage VARCHAR(16) NOT NULL, \n"
        "\tactor VARCHAR(128) NOT NULL, \n"
        "\treason TEXT NOT NULL, \n"
        "\tchanged_at DATETIME NOT NULL, \n"
        "\tCONSTRAINT pk_model_stage_events PRIMARY KEY (seq), \n"
        "\tCONSTRAINT fk_model_stage_events_model_hash_models FOREIGN "
        "KEY(model_hash) REFERENCES models (model_hash)\n"
        ")\n"
        "\n"
    ),
    "CREATE INDEX ix_model_stage_events_strategy_id_seq ON model_stage_events (strategy_id, seq)",
    (
        "\n"
        "CREATE TABLE model_production (\n"
        "\tstrategy_id VARCHAR(128) NOT NULL, \n"
        "\tmodel_hash VARCHAR(128), \n"
        "\tversion INTEGER NOT NULL, \n"
        "\tCONSTRAINT pk_model_production PRIMARY KEY (strategy_id), \n"
        "\tCONSTRAINT fk_model_production_model_hash_models FOREIGN "
        "KEY(model_hash) REFERENCES models (model_hash)\n"
        ")\n"
        "\n"
    ),
    (
        "\n"
        "CREATE TABLE alembic_version (\n"
        "\tversion_num VARCHAR(32) NOT NULL, \n"
        "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
        ")\n"
        "\n"
    ),
)
