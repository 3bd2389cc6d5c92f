//! The change feed: tells in-memory copies of directory rows (the server's grant cache) that
//! one of the tables they copy has changed, in this process or, on PostgreSQL, in any replica.
//!
//! - SQLite: an update hook on every pooled connection bumps the generation as a row of a
//!   watched table changes. A database file belongs to one `keyless serve`, so every write
//!   goes through these connections. The feed is always live.
//! - PostgreSQL: statement triggers on the watched tables `NOTIFY keyless_changes` (delivered
//!   at commit, migration 0010); a listener task bumps the generation on each notification.
//!   While that connection is down the feed is not live and caches must read the database,
//!   so a replica never grants from state it cannot confirm.
//!
//! Readers take [`ChangeFeed::generation`] before they read the rows they cache and keep an
//! entry only while the generation is unchanged. A bump can precede the commit it announces
//! by a moment (SQLite's hook runs inside the statement), so caches also bound an entry's age.
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

#[derive(Debug)]
pub struct ChangeFeed {
    generation: AtomicU64,
    live: AtomicBool,
}

impl ChangeFeed {
    /// For the backends, and for tests of what reads the feed.
    pub fn new(live: bool) -> ChangeFeed {
        ChangeFeed {
            generation: AtomicU64::new(0),
            live: AtomicBool::new(live),
        }
    }

    /// Bumped by every announced change (and whenever the feed goes live or stops).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Whether changes are being announced; when not, nothing cached may be trusted.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Announces a change.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
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
