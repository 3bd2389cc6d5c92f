//! The audit log: batched appends, filtered reads (newest first), pruning by age.
//!
//! Filters are one fixed statement: each condition reads `($n IS NULL OR column = $n)`, so
//! an unset field binds NULL and matches everything. Both drivers declare the type of every
//! bound value (PostgreSQL receives it with the statement), so a NULL bind is typed and the
//! same text runs on both backends without casts.

use crate::errors::db_err;
use crate::rows::{AuditRow, id, json, opt_id};
use crate::{AuditStore, StoreResult};
use async_trait::async_trait;
use keyless_model::UnixTime;
use keyless_model::audit::{AuditEntry, AuditFilter};
use std::fmt::Write as _;

/// The columns an append writes, in bind order.
const COLUMNS: &str = "id, at, kind, decision, code, tenant_id, client_id, connection_id, \
                       issuer, subject, audience, correlation_id, trace_id, detail";
const COLUMN_COUNT: usize = 14;

/// Entries per `INSERT` statement: 140 bound values; a batch of any size is still one
/// transaction.
const ROWS_PER_INSERT: usize = 10;

/// How a backend numbers bound values in generated SQL.
trait Placeholders {
    /// PostgreSQL needs `$N`. SQLite takes anonymous `?`, bound in order: sqlx looks a
    /// named `$N` up by a linear scan of the statement's names, so binding 140 of them cost
    /// about 1% of the server's CPU under token load.
    const NUMBERED: bool;
}

impl Placeholders for crate::sqlite::SqliteStore {
    const NUMBERED: bool = false;
}

impl Placeholders for crate::postgres::PgStore {
    const NUMBERED: bool = true;
}

/// `INSERT INTO audit_log (…) VALUES ($1, …, $14), ($15, …), …` for `rows` entries (`?`
/// instead of `$N` unless `numbered`). Only placeholders are generated; every value is bound.
fn insert_sql(rows: usize, numbered: bool) -> String {
    let mut sql = format!("INSERT INTO audit_log ({COLUMNS}) VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..COLUMN_COUNT {
            let sep = if column == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = if numbered {
                write!(sql, "{sep}${}", row * COLUMN_COUNT + column + 1)
            } else {
                write!(sql, "{sep}?")
            };
        }
        sql.push(')');
    }
    sql
}

for_each_backend! {
    #[async_trait]
    impl AuditStore for Backend {
        async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
            if entries.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin_write().await?;
            for chunk in entries.chunks(ROWS_PER_INSERT) {
                let sql = sqlx::AssertSqlSafe(insert_sql(
                    chunk.len(),
                    <Dialect as Placeholders>::NUMBERED,
                ));
                let mut q = sqlx::query(sql);
                for e in chunk {
                    q = q
                        .bind(id(e.id))
                        .bind(e.at)
                        .bind(&e.kind)
                        .bind(&e.decision)
                        .bind(&e.code)
                        .bind(opt_id(e.tenant_id))
                        .bind(&e.client_id)
                        .bind(opt_id(e.connection_id))
                        .bind(&e.issuer)
                        .bind(&e.subject)
                        .bind(&e.audience)
                        .bind(&e.correlation_id)
                        .bind(&e.trace_id)
                        .bind(json(&e.detail)?);
                }
                q.execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        }

        async fn query_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
            let limit = i64::from(f.limit.min(AuditFilter::MAX_LIMIT));
            fetch_all!(
                self,
                AuditRow,
                "SELECT id, at, kind, decision, code, tenant_id, client_id, connection_id, \
                 issuer, subject, audience, correlation_id, trace_id, detail FROM audit_log \
                 WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) \
                 AND ($3 IS NULL OR tenant_id = $3) AND ($4 IS NULL OR client_id = $4) \
                 AND ($5 IS NULL OR connection_id = $5) AND ($6 IS NULL OR decision = $6) \
                 AND ($7 IS NULL OR code = $7) AND ($8 IS NULL OR kind = $8) \
                 AND ($9 IS NULL OR (at, seq) < \
                      (SELECT c.at, c.seq FROM audit_log c WHERE c.id = $9)) \
                 ORDER BY at DESC, seq DESC LIMIT $10",
                f.since,
                f.until,
                opt_id(f.tenant_id),
                f.client_id.as_deref(),
                opt_id(f.connection_id),
                f.decision.as_deref(),
                f.code.as_deref(),
                f.kind.as_deref(),
                opt_id(f.before),
                limit,
            )
        }

        async fn prune_audit(&self, before: UnixTime) -> StoreResult<u64> {
            Ok(execute!(self, "DELETE FROM audit_log WHERE at < $1", before))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_placeholders_number_every_column_of_every_row() {
        let sql = insert_sql(2, true);
        assert!(
            sql.starts_with("INSERT INTO audit_log (id, at, kind,"),
            "{sql}"
        );
        assert!(
            sql.ends_with(
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14), \
                 ($15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
            ),
            "{sql}"
        );
        assert_eq!(COLUMNS.split(',').count(), COLUMN_COUNT);
        let anonymous = insert_sql(2, false);
        assert_eq!(anonymous.matches('?').count(), 2 * COLUMN_COUNT);
        assert!(!anonymous.contains('$'), "{anonymous}");
    }
}
