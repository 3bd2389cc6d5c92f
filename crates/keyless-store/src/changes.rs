//! The change feed: tells in-memory copies of directory rows (the server's grant cache) that
//! one of the tables they copy has changed, in this process or, on PostgreSQL, in any replica.
//!
//! - SQLite: an update hook on every pooled connection bumps the generation of a watched
//!   table as a row of it changes. A database file belongs to one `keyless serve`, so every write
//!   goes through these connections. The feed is always live.
//! - PostgreSQL: statement triggers on the watched tables `NOTIFY keyless_changes` (delivered
//!   at commit, migration 0010); a listener task bumps the generation of the table each
//!   notification names.
//!   While that connection is down the feed is not live and caches must read the database,
//!   so a replica never grants from state it cannot confirm.
//!
//! Each watched table has its own generation: a change announces the table it was made to
//! (the SQLite hook names the row's table, the PostgreSQL payload is the table's name).
//! Readers take [`ChangeFeed::generation_of`] the tables they read *before* they read them
//! and keep an entry only while that generation is unchanged, so a write to one table
//! leaves copies of the others alone. A bump can precede the commit it announces by a
//! moment (SQLite's hook runs inside the statement), so caches also bound an entry's age.
//! When changes may have been missed (the feed going live or stopping, a notification that
//! names no watched table) every table's generation moves.
//! A unit of work (`uow.rs`) announces its end as well, commit or rollback, so what a reader
//! cached while one was open does not outlive it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The tables whose rows the grant cache copies; a write to any other table is not announced.
pub const WATCHED_TABLES: &[&str] = &[
    "tenants",
    "organizations",
    "applications",
    "service_principals",
    "password_credentials",
    "federated_credentials",
    // What a job's ID-token request reads besides the job itself (migration 0016).
    "projects",
    "pipelines",
    "service_connections",
    "connection_shares",
    "connection_pipeline_policy",
    "connection_pipelines",
    // What an ARM request's RBAC decision reads (migration 0016).
    "role_assignments",
    "custom_roles",
    "subscriptions",
    "management_groups",
];

/// The PostgreSQL notification channel of the watched tables' triggers.
pub const CHANNEL: &str = "keyless_changes";

/// A set of watched tables: what one cached copy is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tables(u32);

impl Tables {
    /// Every watched table.
    pub const ALL: Tables = Tables((1 << WATCHED_TABLES.len()) - 1);

    /// The named watched tables. A name that is not watched fails to compile when used in
    /// a constant (and panics otherwise).
    pub const fn of(names: &[&str]) -> Tables {
        let mut bits = 0;
        let mut i = 0;
        while i < names.len() {
            match table_index(names[i]) {
                Some(t) => bits |= 1 << t,
                None => panic!("not a watched table"),
            }
            i += 1;
        }
        Tables(bits)
    }

    /// Whether the set holds `table`.
    pub fn contains(self, table: &str) -> bool {
        table_index(table).is_some_and(|t| self.0 & (1 << t) != 0)
    }
}

/// The position of `table` in [`WATCHED_TABLES`].
const fn table_index(table: &str) -> Option<usize> {
    let mut i = 0;
    while i < WATCHED_TABLES.len() {
        if same(WATCHED_TABLES[i].as_bytes(), table.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[derive(Debug)]
pub struct ChangeFeed {
    /// One counter per watched table, in [`WATCHED_TABLES`] order.
    tables: [AtomicU64; WATCHED_TABLES.len()],
    /// Bumped when any table may have changed: part of every table's generation.
    every: AtomicU64,
    live: AtomicBool,
}

impl ChangeFeed {
    /// For the backends, and for tests of what reads the feed.
    pub fn new(live: bool) -> ChangeFeed {
        ChangeFeed {
            tables: std::array::from_fn(|_| AtomicU64::new(0)),
            every: AtomicU64::new(0),
            live: AtomicBool::new(live),
        }
    }

    /// The generation of every watched table together: moves on every announced change
    /// (and whenever the feed goes live or stops).
    pub fn generation(&self) -> u64 {
        self.generation_of(Tables::ALL)
    }

    /// The generation of `tables`: moves when one of them changes (and whenever the feed
    /// goes live or stops), not when another table does. Counters only grow, so their sum
    /// is unchanged only while each of them is.
    pub fn generation_of(&self, tables: Tables) -> u64 {
        let mut sum = self.every.load(Ordering::Acquire);
        let mut bits = tables.0;
        while bits != 0 {
            let t = bits.trailing_zeros() as usize;
            sum = sum.wrapping_add(self.tables[t].load(Ordering::Acquire));
            bits &= bits - 1;
        }
        sum
    }

    /// Whether changes are being announced; when not, nothing cached may be trusted.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Announces a change to `table`; a table that is not watched may be any of them.
    pub fn table_changed(&self, table: &str) {
        match table_index(table) {
            Some(t) => self.tables[t].fetch_add(1, Ordering::AcqRel),
            None => self.every.fetch_add(1, Ordering::AcqRel),
        };
    }

    /// Announces a change that may concern every watched table.
    pub fn changed(&self) {
        self.every.fetch_add(1, Ordering::AcqRel);
    }

    /// Changes may have been missed while the feed was down: going live or stopping both
    /// invalidate every cached copy.
    pub fn set_live(&self, live: bool) {
        self.changed();
        self.live.store(live, Ordering::Release);
    }
}

/// The store's change feed.
pub trait ChangeSource {
    fn change_feed(&self) -> &ChangeFeed;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_moves_the_generation_of_the_sets_holding_its_table_only() {
        let feed = ChangeFeed::new(true);
        let credentials = Tables::of(&["federated_credentials"]);
        let client = Tables::of(&["applications", "service_principals"]);
        let (c0, k0, all0) = (
            feed.generation_of(credentials),
            feed.generation_of(client),
            feed.generation(),
        );
        feed.table_changed("role_assignments");
        assert_eq!(feed.generation_of(credentials), c0);
        assert_eq!(feed.generation_of(client), k0);
        assert!(feed.generation() > all0);
        feed.table_changed("service_principals");
        assert_eq!(feed.generation_of(credentials), c0);
        assert!(feed.generation_of(client) > k0);
    }

    #[test]
    fn an_unknown_table_or_a_live_change_moves_every_generation() {
        let feed = ChangeFeed::new(true);
        let credentials = Tables::of(&["federated_credentials"]);
        let before = feed.generation_of(credentials);
        feed.table_changed("not_a_table");
        let after_unknown = feed.generation_of(credentials);
        assert!(after_unknown > before);
        feed.set_live(false);
        assert!(feed.generation_of(credentials) > after_unknown);
    }

    #[test]
    fn sets_know_their_tables() {
        let client = Tables::of(&["applications", "service_principals"]);
        assert!(client.contains("applications"));
        assert!(!client.contains("tenants"));
        assert!(!client.contains("jobs"));
        assert!(WATCHED_TABLES.iter().all(|t| Tables::ALL.contains(t)));
        assert!(WATCHED_TABLES.len() < 32, "a set is a 32-bit mask");
    }
}
