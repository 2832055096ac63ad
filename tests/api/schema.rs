//! The schema: databases made by earlier releases open and migrate unchanged, any number of
//! processes may migrate a fresh one together, and SQLite and PostgreSQL never drift apart.
//!
//! The fixtures in `tests/fixtures/` were made by release 0.1.0 (commit 608949e) with its own
//! sqlx migrator: a created person, a card used twice, a form sent back, and a request waiting
//! for approval; the PostgreSQL one is its `pg_dump --inserts`.

use std::collections::BTreeMap;

use sqlx::Row;
use webex_onboard::domain::RequestState;
use webex_onboard::store::{SchemaState, Store};
use webex_onboard::webex::MessageId;

use crate::helpers::{TempDir, fresh_database};

const SQLITE_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sqlite-0.1.0.db"
);
const POSTGRES_FIXTURE: &str = include_str!("../fixtures/postgres-0.1.0.sql");
/// The same release's database after its first migration only, so that this release's
/// migrator must bring one of sqlx's forward.
const SQLITE_V1_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sqlite-0.1.0-v1.db"
);
const POSTGRES_V1_FIXTURE: &str = include_str!("../fixtures/postgres-0.1.0-v1.sql");

/// What a 0.1.0 database holds, read through this release's store.
async fn assert_holds_the_fixture(store: &Store) {
    assert_eq!(
        store.schema_state().await.expect("state"),
        SchemaState::Current
    );
    let mut states = Vec::new();
    for id in [1, 2] {
        let request = store.request(id).await.expect("decodes").expect("exists");
        states.push((request.email.to_string(), request.state));
    }
    assert_eq!(
        states,
        [
            ("jane.doe@example.com".to_owned(), RequestState::Created),
            (
                "sam.waits@example.com".to_owned(),
                RequestState::AwaitingApproval
            )
        ]
    );
    let audit = store.audit().await.expect("audit reads");
    assert_eq!(audit.len(), 3);
    assert_eq!(audit[1].action, "create-person");
}

/// Every job and card the old release wrote decodes: the jobs are queued again, as if they
/// had never run, and claimed one by one.
async fn assert_every_job_and_card_decodes(store: &Store, url: &str) {
    let (cards, jobs) = match url.starts_with("sqlite:") {
        true => {
            let pool = sqlx::SqlitePool::connect(url).await.expect("connects");
            let cards: Vec<String> = sqlx::query_scalar("SELECT message_id FROM cards")
                .fetch_all(&pool)
                .await
                .expect("cards");
            let jobs = sqlx::query("UPDATE jobs SET state = 'queued', run_after = 0")
                .execute(&pool)
                .await
                .expect("queued")
                .rows_affected();
            pool.close().await;
            (cards, jobs)
        }
        false => {
            let pool = sqlx::PgPool::connect(url).await.expect("connects");
            let cards: Vec<String> = sqlx::query_scalar("SELECT message_id FROM cards")
                .fetch_all(&pool)
                .await
                .expect("cards");
            let jobs = sqlx::query("UPDATE jobs SET state = 'queued', run_after = 0")
                .execute(&pool)
                .await
                .expect("queued")
                .rows_affected();
            pool.close().await;
            (cards, jobs)
        }
    };
    assert!(
        !cards.is_empty() && jobs > 10,
        "{} cards, {jobs} jobs",
        cards.len()
    );
    for card in &cards {
        let id = MessageId::parse(card).expect("a card id");
        assert!(store.card(&id).await.expect("decodes").is_some(), "{card}");
    }
    let mut kinds = std::collections::BTreeSet::new();
    let mut claimed = 0;
    while let Some(job) = store
        .claim_job("fixture-test", 60_000)
        .await
        .expect("decodes")
    {
        kinds.insert(job.kind().as_str());
        claimed += 1;
    }
    assert_eq!(claimed, jobs);
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["message", "reply", "submission"]
    );
}

#[tokio::test]
async fn a_sqlite_database_made_by_release_0_1_0_opens_and_migrates() {
    let dir = TempDir::new();
    let path = dir.path().join("old.db");
    std::fs::copy(SQLITE_FIXTURE, &path).expect("fixture copied");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.expect("opens and migrates");
    assert_holds_the_fixture(&store).await;
    assert_every_job_and_card_decodes(&store, &url).await;
    store.close().await;
    // A second start finds nothing left to do.
    let again = Store::connect(&url).await.expect("opens again");
    assert_holds_the_fixture(&again).await;
    again.close().await;
}

#[tokio::test]
async fn a_postgres_database_made_by_release_0_1_0_opens_and_migrates() {
    let Some(database) = fresh_database().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url();
    let pool = sqlx::PgPool::connect(&url).await.expect("connects");
    sqlx::raw_sql(sqlx::AssertSqlSafe(POSTGRES_FIXTURE))
        .execute(&pool)
        .await
        .expect("the fixture loads");
    pool.close().await;
    let store = Store::connect(&url).await.expect("opens and migrates");
    assert_holds_the_fixture(&store).await;
    assert_every_job_and_card_decodes(&store, &url).await;
    store.close().await;
}

/// A request written at migration 1 reads through this release once migrated forward.
async fn assert_migrated_forward(store: &Store) {
    assert_eq!(
        store.schema_state().await.expect("state"),
        SchemaState::Current
    );
    let request = store.request(1).await.expect("decodes").expect("exists");
    assert_eq!(request.email.as_str(), "jane.doe@example.com");
    assert_eq!(request.state, RequestState::Created);
    assert_eq!(request.decision, None);
}

#[tokio::test]
async fn a_sqlite_database_at_its_first_migration_is_brought_forward() {
    let dir = TempDir::new();
    let path = dir.path().join("v1.db");
    std::fs::copy(SQLITE_V1_FIXTURE, &path).expect("fixture copied");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.expect("opens and migrates");
    assert_migrated_forward(&store).await;
    store.close().await;
}

#[tokio::test]
async fn a_postgres_database_at_its_first_migration_is_brought_forward() {
    let Some(database) = fresh_database().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let url = database.url();
    let pool = sqlx::PgPool::connect(&url).await.expect("connects");
    sqlx::raw_sql(sqlx::AssertSqlSafe(POSTGRES_V1_FIXTURE))
        .execute(&pool)
        .await
        .expect("the fixture loads");
    pool.close().await;
    let store = Store::connect(&url).await.expect("opens and migrates");
    assert_migrated_forward(&store).await;
    store.close().await;
}

#[tokio::test]
async fn processes_starting_together_on_a_fresh_database_migrate_it_once() {
    let dir = TempDir::new();
    let database = fresh_database().await;
    let url = match &database {
        Some(db) => db.url(),
        None => format!("sqlite://{}", dir.path().join("fresh.db").display()),
    };
    let starts = (0..6).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let store = Store::connect(&url).await?;
            store.close().await;
            Ok::<_, webex_onboard::store::StoreError>(())
        })
    });
    for start in starts {
        start
            .await
            .expect("joins")
            .expect("every start migrates or finds it done");
    }
    let store = Store::connect(&url).await.expect("opens");
    assert_eq!(
        store.schema_state().await.expect("state"),
        SchemaState::Current
    );
    store.close().await;
}

/// Table → column → (type family, nullable), and index → (table, unique).
type Shape = (
    BTreeMap<String, BTreeMap<String, (String, bool)>>,
    BTreeMap<String, (String, bool)>,
);

/// The type family a column's declared type falls in, so that SQLite's `INTEGER` and
/// PostgreSQL's `bigint` compare equal.
fn family(declared: &str) -> String {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") || declared.contains("serial") {
        "integer"
    } else if declared.contains("bool") {
        "boolean"
    } else if declared.contains("blob") || declared.contains("bytea") {
        "bytes"
    } else if declared.contains("timestamp") {
        "time"
    } else {
        "text"
    }
    .to_owned()
}

async fn sqlite_shape(url: &str) -> Shape {
    let pool = sqlx::SqlitePool::connect(url).await.expect("connects");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let mut columns = BTreeMap::new();
    let mut indexes = BTreeMap::new();
    for table in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})")))
            .fetch_all(&pool)
            .await
            .expect("columns");
        let shape = rows
            .iter()
            .map(|row| {
                let name: String = row.get("name");
                let declared: String = row.get("type");
                let not_null: i64 = row.get("notnull");
                let primary: i64 = row.get("pk");
                (name, (family(&declared), not_null == 0 && primary == 0))
            })
            .collect();
        let listed = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_list({table})")))
            .fetch_all(&pool)
            .await
            .expect("indexes");
        for row in listed {
            let name: String = row.get("name");
            let origin: String = row.get("origin");
            // Indexes the schema names; those behind UNIQUE and PRIMARY KEY are compared as
            // constraints below, under the column's name.
            let unique: i64 = row.get("unique");
            let key = if origin == "c" {
                name
            } else {
                let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_index_info('{name}')"
                )))
                .fetch_all(&pool)
                .await
                .expect("index columns");
                format!("{table}({})", columns.join(","))
            };
            indexes.insert(key, (table.clone(), unique == 1));
        }
        columns.insert(table, shape);
    }
    pool.close().await;
    (columns, indexes)
}

async fn postgres_shape(url: &str) -> Shape {
    let pool = sqlx::PgPool::connect(url).await.expect("connects");
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d, \
         is_nullable::text AS n FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    let mut columns: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    for row in rows {
        let (table, column, declared, nullable): (String, String, String, String) =
            (row.get("t"), row.get("c"), row.get("d"), row.get("n"));
        columns
            .entry(table)
            .or_default()
            .insert(column, (family(&declared), nullable == "YES"));
    }
    let rows = sqlx::query(
        "SELECT i.relname::text AS name, t.relname::text AS t, ix.indisunique AS u, \
         c.contype IS NOT NULL AS constraint_backed, \
         array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) \
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') AS cols \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid \
         WHERE s.nspname = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    let mut indexes = BTreeMap::new();
    for row in rows {
        let (name, table, unique, constraint, cols): (String, String, bool, bool, String) = (
            row.get("name"),
            row.get("t"),
            row.get("u"),
            row.get("constraint_backed"),
            row.get("cols"),
        );
        let key = if constraint {
            format!("{table}({cols})")
        } else {
            name
        };
        indexes.insert(key, (table, unique));
    }
    pool.close().await;
    (columns, indexes)
}

#[tokio::test]
async fn sqlite_and_postgres_define_the_same_tables_columns_and_indexes() {
    let Some(database) = fresh_database().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let postgres = database.url();
    let dir = TempDir::new();
    let sqlite = format!("sqlite://{}", dir.path().join("shape.db").display());
    for url in [&sqlite, &postgres] {
        Store::connect(url).await.expect("migrates").close().await;
    }
    let (sqlite_columns, mut sqlite_indexes) = sqlite_shape(&sqlite).await;
    let (postgres_columns, mut postgres_indexes) = postgres_shape(&postgres).await;
    assert_eq!(sqlite_columns, postgres_columns);
    // SQLite keys a table by its INTEGER PRIMARY KEY without an index; PostgreSQL has one.
    postgres_indexes.retain(|key, _| !key.ends_with("(id)"));
    sqlite_indexes.retain(|key, _| !key.ends_with("(id)"));
    assert_eq!(sqlite_indexes, postgres_indexes);
}
