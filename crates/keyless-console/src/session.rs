//! Sign-in sessions of the console, kept in the shared store (table `console_sessions`):
//! they survive a restart and every replica on the database sees them. A session lives
//! until sign-out, [`IDLE_LIFETIME`] without a request, or [`ABSOLUTE_LIFETIME`] after
//! sign-in.
//!
//! The session id is 256 random bits and travels only in the cookie; the store keeps its
//! SHA-256, the user's name and, sealed under a key derived from the id (`seal.rs`), the
//! user's personal access token (which every API call of the session presents) and the
//! session's CSRF token. Neither the id nor the tokens are ever logged or rendered: the
//! token travels only in the `Authorization` header of in-process calls.

use crate::PREFIX;
use crate::seal::{self, Secrets};
use axum::http::{HeaderMap, HeaderValue, header};
use keyless_model::UnixTime;
use keyless_store::{ConsoleSession, SharedStore};

/// The session cookie's name.
pub const COOKIE: &str = "keyless_console";
/// The cookie that carries the sign-in form's CSRF token (double submit: no session yet).
pub const LOGIN_COOKIE: &str = "keyless_console_signin";
/// Seconds without a request after which a session ends.
pub const IDLE_LIFETIME: i64 = 30 * 60;
/// Seconds after sign-in at which a session ends, however active.
pub const ABSOLUTE_LIFETIME: i64 = 8 * 60 * 60;
/// A request records itself in the store only when the last record is older than this
/// (seconds): a page view is not a write, and the idle time counts from at most this long
/// before the last request.
const TOUCH_AFTER: i64 = 60;
/// Seconds the sign-in form's token is accepted.
const LOGIN_LIFETIME: i64 = 10 * 60;
/// Most sessions kept at once, all replicas together: a sign-in that finds this many
/// (expired ones deleted first) ends the oldest sign-in first. Replicas signing in at the
/// same moment may pass it by a few.
const MAX_SESSIONS: u64 = 10_000;

/// A signed-in user's session. No `Debug`: it holds the user's token.
#[derive(Clone)]
pub struct Session {
    /// The user as pages name them (user principal name).
    pub user: String,
    pat: String,
    csrf: String,
}

impl Session {
    /// The personal access token the session's API calls present.
    pub fn pat(&self) -> &str {
        &self.pat
    }
    /// The token every form of the session carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }
    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_matches(&self, presented: &str) -> bool {
        same(&self.csrf, presented)
    }
}

/// The store could not be read or written: the console answers 503 (the session, if
/// there is one, is not ended by it).
#[derive(Debug)]
pub struct Unavailable;

impl From<keyless_store::StoreError> for Unavailable {
    fn from(_: keyless_store::StoreError) -> Unavailable {
        Unavailable
    }
}

/// The sessions in the shared store (cloned handles share it).
#[derive(Clone)]
pub struct Sessions {
    store: SharedStore,
}

fn random() -> String {
    keyless_jose::random_token("", 32)
}

fn key(id: &str) -> String {
    keyless_jose::sha256_hex(id.as_bytes())
}

/// Equality in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn expired(s: &ConsoleSession, now: UnixTime) -> bool {
    now - s.seen_at > IDLE_LIFETIME || now - s.created_at > ABSOLUTE_LIFETIME
}

impl Sessions {
    /// The sessions kept in `store`.
    pub fn new(store: SharedStore) -> Sessions {
        Sessions { store }
    }

    /// A new session for `user` with `pat`; its id (for the cookie only). Expired
    /// sessions are deleted first, and the oldest sign-in when [`MAX_SESSIONS`] are kept.
    pub async fn create(
        &self,
        now: UnixTime,
        user: String,
        pat: String,
    ) -> Result<String, Unavailable> {
        let store = &self.store;
        store
            .delete_expired_console_sessions(now - IDLE_LIFETIME, now - ABSOLUTE_LIFETIME)
            .await?;
        if store.count_console_sessions().await? >= MAX_SESSIONS {
            store.delete_oldest_console_session().await?;
        }
        let id = random();
        let id_hash = key(&id);
        let secrets = Secrets {
            pat,
            csrf: random(),
        };
        let sealed = seal::seal(&id, &id_hash, &secrets).ok_or(Unavailable)?;
        store
            .create_console_session(&ConsoleSession {
                id_hash,
                user_name: user,
                sealed,
                created_at: now,
                seen_at: now,
            })
            .await?;
        Ok(id)
    }

    /// The live session named by the request's cookie (`None`: sign in), its last use
    /// recorded when the record is older than [`TOUCH_AFTER`]. An expired session is
    /// deleted.
    pub async fn find(
        &self,
        headers: &HeaderMap,
        now: UnixTime,
    ) -> Result<Option<Session>, Unavailable> {
        let Some(id) = cookie(headers, COOKIE) else {
            return Ok(None);
        };
        let id_hash = key(id);
        let Some(row) = self.store.find_console_session(&id_hash).await? else {
            return Ok(None);
        };
        if expired(&row, now) {
            self.store.delete_console_session(&id_hash).await?;
            return Ok(None);
        }
        // A row that does not open with this id was changed outside keyless: no session.
        let Some(secrets) = seal::open(id, &id_hash, &row.sealed) else {
            return Ok(None);
        };
        if now - row.seen_at > TOUCH_AFTER {
            self.store.touch_console_session(&id_hash, now).await?;
        }
        Ok(Some(Session {
            user: row.user_name,
            pat: secrets.pat,
            csrf: secrets.csrf,
        }))
    }

    /// Ends the session named by the request's cookie.
    pub async fn end(&self, headers: &HeaderMap) -> Result<(), Unavailable> {
        if let Some(id) = cookie(headers, COOKIE) {
            self.store.delete_console_session(&key(id)).await?;
        }
        Ok(())
    }
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    let text = format!(
        "{name}={value}; HttpOnly; Secure; SameSite=Strict; Path={PREFIX}; Max-Age={max_age}"
    );
    // The value is base64url or empty: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` of a new session.
pub fn session_cookie(id: &str) -> HeaderValue {
    set_cookie(COOKIE, id, ABSOLUTE_LIFETIME)
}

/// The `Set-Cookie` that removes cookie `name`.
pub fn clear_cookie(name: &str) -> HeaderValue {
    set_cookie(name, "", 0)
}

/// A new sign-in form token and the `Set-Cookie` that carries it.
pub fn login_token() -> (String, HeaderValue) {
    let t = random();
    let c = set_cookie(LOGIN_COOKIE, &t, LOGIN_LIFETIME);
    (t, c)
}

/// Whether the sign-in form's `presented` token is the one its cookie carries.
pub fn login_token_matches(headers: &HeaderMap, presented: &str) -> bool {
    cookie(headers, LOGIN_COOKIE).is_some_and(|c| same(c, presented))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let row = |created_at, seen_at| ConsoleSession {
            id_hash: String::new(),
            user_name: String::new(),
            sealed: Vec::new(),
            created_at,
            seen_at,
        };
        assert!(!expired(&row(1000, 1000), 1000 + IDLE_LIFETIME));
        assert!(expired(&row(1000, 1000), 1000 + IDLE_LIFETIME + 1));
        let late = 1000 + ABSOLUTE_LIFETIME;
        assert!(!expired(&row(1000, late - 10), late));
        assert!(expired(&row(1000, late), late + 1));
        assert_eq!(random().len(), 43, "256 bits in base64url");
        assert_eq!(key("abc").len(), 64);
    }

    #[test]
    fn csrf_tokens_compare_exactly() {
        let found = Session {
            user: "u".into(),
            pat: "p".into(),
            csrf: random(),
        };
        let t = found.csrf().to_string();
        assert!(found.csrf_matches(&t));
        assert!(!found.csrf_matches(""));
        assert!(!found.csrf_matches(&t[1..]));
        assert!(!found.csrf_matches(&format!("{t}a")));
        let (login, _) = login_token();
        assert!(login_token_matches(
            &with_cookie(&format!("{LOGIN_COOKIE}={login}")),
            &login
        ));
        assert!(!login_token_matches(&HeaderMap::new(), &login));
        assert!(!login_token_matches(
            &with_cookie(&format!("{LOGIN_COOKIE}=")),
            ""
        ));
    }

    #[test]
    fn cookies_carry_every_flag() {
        let c = session_cookie("abc");
        assert_eq!(
            c.to_str().unwrap(),
            "keyless_console=abc; HttpOnly; Secure; SameSite=Strict; Path=/_console; Max-Age=28800"
        );
        assert!(
            clear_cookie(COOKIE)
                .to_str()
                .unwrap()
                .ends_with("Max-Age=0")
        );
    }
}
