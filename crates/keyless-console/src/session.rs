//! Sign-in sessions of the console, kept in the memory of this process: a session lives
//! until sign-out, [`IDLE_LIFETIME`] without a request, [`ABSOLUTE_LIFETIME`] after
//! sign-in, or the end of the process (a restart, or another replica, asks to sign in
//! again).
//!
//! The session id is 256 random bits; the store keeps only its SHA-256, beside the user's
//! personal access token (which every API call of the session presents) and the session's
//! CSRF token. Neither the id nor the token is ever logged or rendered: the id travels
//! only in the cookie, the token only in the `Authorization` header of in-process calls.

use crate::PREFIX;
use axum::http::{HeaderMap, HeaderValue, header};
use keyless_model::UnixTime;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The session cookie's name.
pub const COOKIE: &str = "keyless_console";
/// The cookie that carries the sign-in form's CSRF token (double submit: no session yet).
pub const LOGIN_COOKIE: &str = "keyless_console_signin";
/// Seconds without a request after which a session ends.
pub const IDLE_LIFETIME: i64 = 30 * 60;
/// Seconds after sign-in at which a session ends, however active.
pub const ABSOLUTE_LIFETIME: i64 = 8 * 60 * 60;
/// Seconds the sign-in form's token is accepted.
const LOGIN_LIFETIME: i64 = 10 * 60;
/// Most sessions held at once; past it the oldest sign-in is ended first.
const MAX_SESSIONS: usize = 10_000;

/// A signed-in user's session. No `Debug`: it holds the user's token.
#[derive(Clone)]
pub struct Session {
    /// The user as pages name them (user principal name).
    pub user: String,
    pat: String,
    csrf: String,
    created: UnixTime,
    seen: UnixTime,
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

/// The sessions of this process (cloned handles share them).
#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<HashMap<String, Session>>>);

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

fn expired(s: &Session, now: UnixTime) -> bool {
    now - s.seen > IDLE_LIFETIME || now - s.created > ABSOLUTE_LIFETIME
}

impl Sessions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new session for `user` with `pat`; its id (for the cookie only).
    pub fn create(&self, now: UnixTime, user: String, pat: String) -> String {
        let id = random();
        let session = Session {
            user,
            pat,
            csrf: random(),
            created: now,
            seen: now,
        };
        let mut map = self.map();
        map.retain(|_, s| !expired(s, now));
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(key(&id), session);
        id
    }

    /// The live session named by the request's cookie, its last use moved to `now`.
    pub fn find(&self, headers: &HeaderMap, now: UnixTime) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        let k = key(id);
        let mut map = self.map();
        let s = map.get_mut(&k)?;
        if expired(s, now) {
            map.remove(&k);
            return None;
        }
        s.seen = now;
        Some(s.clone())
    }

    /// Ends the session named by the request's cookie.
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            self.map().remove(&key(id));
        }
    }

    /// How many sessions are held (expired ones included until the next sign-in).
    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    fn sessions_end_when_idle_or_old_or_signed_out() {
        let s = Sessions::default();
        let id = s.create(1000, "u".into(), "kl_pat".into());
        assert_eq!(id.len(), 43, "256 bits in base64url");
        let h = with_cookie(&format!("other=1; {COOKIE}={id}"));
        assert_eq!(s.find(&h, 1000).unwrap().pat(), "kl_pat");
        // Used within the idle time, again and again, until the absolute end.
        let mut t = 1000;
        while t + IDLE_LIFETIME < 1000 + ABSOLUTE_LIFETIME {
            t += IDLE_LIFETIME;
            assert!(s.find(&h, t).is_some(), "live at {t}");
        }
        assert!(s.find(&h, 1000 + ABSOLUTE_LIFETIME + 1).is_none());
        assert!(s.find(&h, 1000).is_none(), "an expired session is gone");

        let id = s.create(5000, "u".into(), "kl_pat".into());
        let h = with_cookie(&format!("{COOKIE}={id}"));
        assert!(s.find(&h, 5000 + IDLE_LIFETIME + 1).is_none());

        let id = s.create(9000, "u".into(), "kl_pat".into());
        let h = with_cookie(&format!("{COOKIE}={id}"));
        s.end(&h);
        assert!(s.find(&h, 9000).is_none());
    }

    #[test]
    fn only_the_id_finds_a_session_and_only_its_hash_is_kept() {
        let s = Sessions::default();
        let id = s.create(0, "u".into(), "kl_pat".into());
        assert!(
            s.find(&with_cookie(&format!("{COOKIE}=x{id}")), 0)
                .is_none()
        );
        assert!(
            s.find(&with_cookie(&format!("{LOGIN_COOKIE}={id}")), 0)
                .is_none()
        );
        assert!(!s.map().contains_key(&id));
    }

    #[test]
    fn csrf_tokens_compare_exactly() {
        let s = Sessions::default();
        let id = s.create(0, "u".into(), "p".into());
        let found = s.find(&with_cookie(&format!("{COOKIE}={id}")), 0).unwrap();
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
