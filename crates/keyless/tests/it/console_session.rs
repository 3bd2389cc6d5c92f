//! The console's sessions live in the database: a browser signed in before a restart is
//! still signed in after it (same cookie), until it signs out; the database holds neither
//! the session id nor the user's token in clear.

use crate::harness::{Server, block_on, serve};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A client that trusts the server's CA and does not follow redirects (a redirect to the
/// sign-in page is what a lost session looks like).
fn browser(s: &Server) -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let ca = std::fs::read(s.dir.path().join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the cookie `name` that `resp` sets.
fn set_cookie(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_string()
}

/// The value of the first hidden `csrf` field of a page.
fn csrf_field(body: &str) -> String {
    let at = body.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    body[at..].split('"').next().unwrap().to_string()
}

/// `GET path` with the session cookie `id`: status, `Location`, body.
async fn get(s: &Server, id: &str, path: &str) -> (StatusCode, String, String) {
    let r = browser(s)
        .get(format!("{}{path}", s.origin))
        .header(COOKIE, format!("keyless_console={id}"))
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), location, r.text().await.unwrap())
}

/// Bytes of the SQLite database and its write-ahead log.
fn database_bytes(s: &Server) -> Vec<u8> {
    ["keyless.db", "keyless.db-wal"]
        .iter()
        .filter_map(|f| std::fs::read(s.dir.path().join(f)).ok())
        .flatten()
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_console_session_survives_a_restart_until_sign_out() {
    let mut s = serve();
    let pat = s.env()["KEYLESS_TOKEN"].clone();
    let id = block_on(async {
        let http = browser(&s);
        let form = http
            .get(format!("{}/_console/signin", s.origin))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let login = set_cookie(&form, "keyless_console_signin");
        let token = csrf_field(&form.text().await.unwrap());
        let signed_in = http
            .post(format!("{}/_console/signin", s.origin))
            .header(COOKIE, format!("keyless_console_signin={login}"))
            .form(&[("csrf", token.as_str()), ("token", pat.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        set_cookie(&signed_in, "keyless_console")
    });
    assert_eq!(id.len(), 43);
    let orgs = block_on(get(&s, &id, "/_console/orgs"));
    assert_eq!(orgs.0, StatusCode::OK, "{}", orgs.2);

    let db = database_bytes(&s);
    assert!(contains(&db, "console_sessions"), "the table is there");
    assert!(!contains(&db, &id), "the session id is stored in clear");
    assert!(!contains(&db, &pat), "the token is stored in clear");

    s.restart(&[]);
    let (status, _, body) = block_on(get(&s, &id, "/_console/orgs"));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("<h1>Organizations</h1>"), "{body}");
    assert!(body.contains("contoso"), "{body}");

    // Sign-out (with the session's form token) ends it for good.
    let out = block_on(async {
        browser(&s)
            .post(format!("{}/_console/signout", s.origin))
            .header(COOKIE, format!("keyless_console={id}"))
            .form(&[("csrf", csrf_field(&body))])
            .send()
            .await
            .unwrap()
    });
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = block_on(get(&s, &id, "/_console/orgs"));
    assert_eq!(
        (after.0, after.1.as_str()),
        (StatusCode::SEE_OTHER, "/_console/signin")
    );
}
