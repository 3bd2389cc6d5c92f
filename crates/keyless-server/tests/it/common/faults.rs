//! Faults injected into a test server's SQLite database: a trigger that makes one kind of
//! statement on one table fail, as a full disk or a crash between two writes would. A
//! change whose later write fails must leave nothing of its earlier writes.

use super::TestServer;
use sqlx::Connection;
use std::path::PathBuf;

/// A demo server whose database file the test can reach.
pub struct Faulty {
    pub server: TestServer,
    db: PathBuf,
}

impl Faulty {
    pub async fn start() -> Faulty {
        let mut db = PathBuf::new();
        let server = TestServer::start_with(|c| db = c.data_dir.join("keyless.db")).await;
        Faulty { server, db }
    }

    /// From now on, `event` (`DELETE`, `INSERT` or `UPDATE`) on `table` fails.
    pub async fn fail(&self, event: &str, table: &str) {
        let sql = format!(
            "CREATE TRIGGER fault_{event}_{table} BEFORE {event} ON {table} \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        );
        self.run(&sql).await;
    }

    /// `event` on `table` succeeds again.
    pub async fn heal(&self, event: &str, table: &str) {
        self.run(&format!("DROP TRIGGER fault_{event}_{table}"))
            .await;
    }

    /// Renames `table` to `to`: every statement on `table` fails until it is renamed back,
    /// as when the database cannot be reached.
    pub async fn rename(&self, table: &str, to: &str) {
        self.run(&format!("ALTER TABLE {table} RENAME TO {to}"))
            .await;
    }

    async fn run(&self, sql: &str) {
        let url = format!("sqlite://{}", self.db.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
}
