//! The web console over HTTP, as a browser drives it: sign-in with a personal access token
//! and its session cookie, CSRF refusals that change nothing, sign-out, the API's refusal
//! texts, escaping, and the security headers of every answer.

use crate::common::TestServer;
use crate::sc_support::{created, demo_manual_body, person};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// A browser without a cookie jar: cookies are passed by hand, redirects are not followed.
pub(crate) struct Browser<'a> {
    s: &'a TestServer,
    http: reqwest::Client,
    /// The `Cookie` header sent.
    cookie: String,
    /// The CSRF token of the session's forms.
    csrf: String,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
    pub(crate) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
    /// The value of the first hidden `csrf` field.
    pub(crate) fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a csrf field")
            + 19;
        self.body[at..].split('"').next().unwrap().to_string()
    }
    /// The text with the HTML escapes of the five special characters undone.
    fn text(&self) -> String {
        [
            ("&lt;", "<"),
            ("&#60;", "<"),
            ("&gt;", ">"),
            ("&#62;", ">"),
            ("&quot;", "\""),
            ("&#34;", "\""),
            ("&#39;", "'"),
            ("&amp;", "&"),
            ("&#38;", "&"),
        ]
        .iter()
        .fold(self.body.clone(), |t, (from, to)| t.replace(from, to))
    }
}

/// The message of an API refusal, in the envelope of its plane.
fn api_message(body: &serde_json::Value) -> String {
    body["error"]["message"]
        .as_str()
        .or(body["message"].as_str())
        .unwrap()
        .to_string()
}

/// A page showing the API's refusal: its status and the message of its `body`.
fn assert_refused_as(page: &Page, status: StatusCode, body: &serde_json::Value) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.text().contains(&api_message(body)), "{}", page.body);
}

/// A form refused for its CSRF token: 403 and the page saying nothing changed.
fn assert_csrf_refused(answer: &Page) {
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("nothing was changed"),
        "{}",
        answer.body
    );
}

/// The `name=value` of a `Set-Cookie` line for cookie `name`.
pub(crate) fn cookie_pair(lines: &[String], name: &str) -> Option<String> {
    lines
        .iter()
        .find(|l| l.starts_with(&format!("{name}=")))
        .map(|l| l.split(';').next().unwrap().to_string())
}

impl<'a> Browser<'a> {
    fn new(s: &'a TestServer) -> Browser<'a> {
        let ca = std::fs::read(&s.ca_cert).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            s,
            http,
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    pub(crate) async fn read(req: reqwest::RequestBuilder) -> Page {
        let resp = req.send().await.unwrap();
        Page {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Page {
        let req = self
            .http
            .get(format!("{}{path}", self.s.origin))
            .header("Cookie", &self.cookie);
        Browser::read(req).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.s.origin))
            .header("Cookie", &self.cookie)
            .form(form);
        Browser::read(req).await
    }

    /// A browser signed in with `token` (the sign-in answered with a redirect).
    async fn signed_in(s: &'a TestServer, token: &str) -> Browser<'a> {
        let mut b = Browser::new(s);
        assert_eq!(b.sign_in(token).await.status, StatusCode::SEE_OTHER);
        b
    }

    /// Opens the sign-in page and submits `token`; the answer (the browser keeps the
    /// session cookie when there is one).
    async fn sign_in(&mut self, token: &str) -> Page {
        let form = self.get("/_console/signin").await;
        assert_eq!(form.status, StatusCode::OK);
        let login = cookie_pair(&form.set_cookies(), "keyless_console_signin").unwrap();
        // A session the browser already has is sent along, as a browser does.
        self.cookie = match self.cookie.starts_with("keyless_console=") {
            true => format!("{}; {login}", self.cookie),
            false => login,
        };
        let csrf = form.csrf();
        let answer = self
            .post("/_console/signin", &[("csrf", &csrf), ("token", token)])
            .await;
        if let Some(c) = cookie_pair(&answer.set_cookies(), "keyless_console") {
            self.cookie = c;
            self.csrf = self.get("/_console/orgs").await.csrf();
        }
        answer
    }

    /// A page asked for is answered by a redirect to sign-in.
    async fn assert_signed_out(&self) {
        let orgs = self.get("/_console/orgs").await;
        assert_eq!(
            (orgs.status, orgs.location()),
            (StatusCode::SEE_OTHER, "/_console/signin")
        );
    }

    /// The administrator, signed in.
    async fn admin(s: &'a TestServer) -> Browser<'a> {
        let mut b = Browser::new(s);
        let answer = b.sign_in(&s.var("KEYLESS_TOKEN")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        b
    }
}

fn demo_connection_page(s: &TestServer) -> String {
    format!(
        "/_console/orgs/contoso/web/connections/{}",
        s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
    )
}

#[tokio::test]
async fn sign_in_with_a_pat_gives_a_strict_session_cookie() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    let pat = s.var("KEYLESS_TOKEN");
    let answer = b.sign_in(&pat).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/_console/orgs");
    let cookies = answer.set_cookies();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("keyless_console="))
        .unwrap();
    let id = session["keyless_console=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(id.len(), 43, "256 random bits, base64url: {session}");
    for flag in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/_console",
        "Max-Age=28800",
    ] {
        assert!(
            session.split("; ").any(|f| f == flag),
            "{flag} in {session}"
        );
    }
    // The sign-in form's cookie is removed.
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("keyless_console_signin=;") && c.contains("Max-Age=0"))
    );

    let orgs = b.get("/_console/orgs").await;
    assert_eq!(orgs.status, StatusCode::OK);
    assert!(
        orgs.body
            .contains(r#"<a href="/_console/orgs/contoso">contoso</a>"#)
    );
    assert!(orgs.body.contains("admin@"), "the user is named");
    for page in [&orgs, &b.get(&demo_connection_page(&s)).await] {
        assert!(!page.body.contains(&pat), "the PAT is never rendered");
        assert!(!page.body.contains(id), "the session id is never rendered");
    }
    // `/_console/` sends a signed-in user to the organizations.
    assert_eq!(b.get("/_console/").await.location(), "/_console/orgs");
}

#[tokio::test]
async fn a_bad_pat_is_refused_with_the_apis_text_and_no_session() {
    let s = TestServer::start().await;
    let bogus = "kl_notarealtokennotarealtokennotarealtoken00";
    let (status, api) = s.get_as(bogus, "/keyless/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let message = api_message(&api);
    assert!(message.starts_with("The personal access token is not valid."));

    let mut b = Browser::new(&s);
    let answer = b.sign_in(bogus).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.text().contains(&message), "{}", answer.body);
    assert!(!answer.body.contains(bogus), "the token is not echoed");
    assert!(cookie_pair(&answer.set_cookies(), "keyless_console").is_none());
    // Still not signed in.
    b.assert_signed_out().await;
}

#[tokio::test]
async fn signing_in_again_ends_the_previous_session() {
    let s = TestServer::start().await;
    let mut b = Browser::admin(&s).await;
    let first = b.cookie.clone();
    assert_eq!(
        b.sign_in(&s.var("KEYLESS_TOKEN")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_ne!(b.cookie, first, "a new session id");
    assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    b.cookie = first;
    b.assert_signed_out().await;
}

#[tokio::test]
async fn sign_in_without_the_form_token_is_refused() {
    let s = TestServer::start().await;
    let b = Browser::new(&s);
    // No form cookie, and a made-up token in the form.
    let answer = b
        .post(
            "/_console/signin",
            &[("csrf", "made-up"), ("token", &s.var("KEYLESS_TOKEN"))],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("The form was refused"));
    assert!(cookie_pair(&answer.set_cookies(), "keyless_console").is_none());
}

/// The number of audit entries of kind `change` (verify records one on success).
async fn changes(s: &TestServer) -> usize {
    s.admin_ok("/keyless/v1/audit?kind=change&limit=1000").await["value"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let verify = format!("{}/verify", demo_connection_page(&s));
    let before = changes(&s).await;
    for form in [vec![], vec![("csrf", "wrong")], vec![("csrf", "")]] {
        let answer = b.post(&verify, &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{form:?}");
        assert!(answer.body.contains("nothing was changed"));
        assert!(!answer.body.contains("Steps of Verify"));
    }
    assert_eq!(changes(&s).await, before, "no verify ran");
    // Sign-out without the token leaves the session alive.
    let out = b.post("/_console/signout", &[("csrf", "wrong")]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    // With the token, verify runs (and records its change).
    let answer = b.post(&verify, &[("csrf", &b.csrf)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(changes(&s).await, before + 1);
}

#[tokio::test]
async fn verify_shows_each_step_of_the_chain() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let page = b.get(&demo_connection_page(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    let issuer = format!("{}/{}/v2.0", s.origin, s.var("AZURE_TENANT_ID"));
    assert!(
        page.body.contains(&format!(
            r#"id="issuer" class="mono" readonly value="{issuer}""#
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"data-copy="subject""#));
    let answer = b
        .post(
            &format!("{}/verify", demo_connection_page(&s)),
            &[("csrf", &b.csrf)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("Steps of Verify"));
    // The demo connection verifies: three steps, each succeeded.
    assert_eq!(answer.body.matches(r#"<tr class="step">"#).count(), 3);
    assert_eq!(answer.body.matches(">succeeded</span>").count(), 3);
    assert!(answer.body.contains(r#"<th scope="row">token</th>"#));

    let doctor = b.get(&format!("{}/doctor", demo_connection_page(&s))).await;
    assert_eq!(doctor.status, StatusCode::OK);
    assert!(doctor.body.contains(r#"<th scope="row">credential</th>"#));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let out = b.post("/_console/signout", &[("csrf", &b.csrf)]).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/_console/signin")
    );
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("keyless_console=;") && c.contains("Max-Age=0"))
    );
    // The old cookie no longer opens anything.
    b.assert_signed_out().await;
}

#[tokio::test]
async fn a_user_without_a_role_sees_the_apis_refusal() {
    let s = TestServer::start().await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let cases = [
        (
            format!("/keyless/v1/organizations/contoso/projects/web/connections/{id}/doctor"),
            format!("{}/doctor", demo_connection_page(&s)),
        ),
        (
            "/keyless/v1/audit?limit=100".to_string(),
            "/_console/audit".to_string(),
        ),
        (
            format!("/contoso/web/_apis/serviceendpoint/endpoints/{id}"),
            demo_connection_page(&s),
        ),
    ];
    for (api, console) in cases {
        let (status, body) = s.get_as(&nobody.token, &api).await;
        assert!(status.is_client_error(), "{api}: {status}");
        let message = api_message(&body);
        let page = b.get(&console).await;
        assert_eq!(page.status, status, "{console}");
        assert!(page.text().contains(&message), "{console}: {}", page.body);
    }
    // Verify is refused too, and runs nothing.
    let before = changes(&s).await;
    let answer = b
        .post(
            &format!("{}/verify", demo_connection_page(&s)),
            &[("csrf", &b.csrf)],
        )
        .await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
    assert!(!answer.body.contains("Steps of Verify"));
    assert_eq!(changes(&s).await, before);
}

#[tokio::test]
async fn a_connection_named_like_markup_renders_as_text() {
    let s = TestServer::start().await;
    // Connection names may not hold '/', so the closing tag cannot be spelled.
    let name = r#""><script>alert(1)<script>'&"#;
    let c = created(&s, demo_manual_body(&s, name)).await;
    let b = Browser::admin(&s).await;
    let list = b.get("/_console/orgs/contoso/web").await;
    let details = b
        .get(&format!(
            "/_console/orgs/contoso/web/connections/{}",
            c["id"].as_str().unwrap()
        ))
        .await;
    for page in [&list, &details] {
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>alert"), "{}", page.body);
        assert!(
            page.body
                .contains("&#34;&#62;&#60;script&#62;alert(1)&#60;script&#62;&#39;&#38;")
        );
        assert!(page.text().contains(name));
    }
}

#[tokio::test]
async fn every_console_answer_carries_the_security_headers() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let anonymous = Browser::new(&s);
    let pages = [
        anonymous.get("/_console/signin").await,
        anonymous.get("/_console/orgs").await,
        anonymous.get("/_console/static/console.css").await,
        anonymous.get("/_console/static/copy.js").await,
        anonymous.get("/_console/no/such/page").await,
        anonymous.post("/_console/signin", &[]).await,
        b.get("/_console/orgs").await,
        b.get("/_console/audit?decision=denied").await,
        b.get("/_console/explain?code=AADSTS700213").await,
        b.post("/_console/signout", &[]).await,
    ];
    for p in &pages {
        let h = |name: &str| p.headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(h("content-security-policy").as_deref(), Some(CSP));
        assert_eq!(h("referrer-policy").as_deref(), Some("no-referrer"));
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(h("cache-control").as_deref(), Some("no-store"));
    }
    assert_eq!(pages[4].status, StatusCode::NOT_FOUND);
    // No inline script anywhere: the one script is a file of the console.
    for p in [&pages[0], &pages[6], &pages[7]] {
        assert_eq!(p.body.matches("<script").count(), 1);
        assert!(
            p.body
                .contains(r#"<script src="/_console/static/copy.js" defer></script>"#)
        );
    }
}

#[tokio::test]
async fn the_audit_page_filters_and_explain_reads_the_catalogue() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let granted = b.get("/_console/audit?decision=granted").await;
    assert_eq!(granted.status, StatusCode::OK);
    assert!(!granted.body.contains(">denied</span>"));
    // The API's refusal of a filter is shown.
    let bad = b.get("/_console/audit?since=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .contains("'since' must be Unix seconds or an RFC 3339 time.")
    );
    let explained = b.get("/_console/explain?code=AADSTS700213").await;
    assert_eq!(explained.status, StatusCode::OK);
    let entry = keyless_model::catalogue::find("700213").unwrap();
    assert!(explained.text().contains(entry.fix), "{}", explained.body);
}

#[tokio::test]
async fn a_credential_mismatch_shows_the_nearest_credential_with_the_difference_marked() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    let real = c["sub"].as_str().unwrap().to_string();
    let (kept, last) = real.split_at(real.len() - 1);
    c["sub"] = serde_json::json!(format!("{kept}X"));
    let t = s
        .sign(keyless_server::keyring::Issuer::Tenant(s.tenant()), c)
        .await;
    s.exchange(&t).await;
    let b = Browser::admin(&s).await;
    let page = b.get("/_console/audit?code=AADSTS700213").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Nearest federated credential, 'demo-connection', beside the assertion"),
        "{}",
        page.body
    );
    // The subject row: what both share, then the differing character marked on each side.
    assert!(page.body.contains(&format!(
        r#"<tr class="differs">
          <th scope="row">subject <strong>differs</strong></th>
          <td class="mono">{kept}<mark>{last}</mark></td>
          <td class="mono">{kept}<mark>X</mark></td>"#
    )));
    // The issuer is the same on both sides: nothing marked.
    assert_eq!(page.body.matches("<mark>").count(), 2);
}

/// The pages of signing keys, subscriptions, tenants and a connection's extras.
#[path = "console_access.rs"]
mod access;
/// The audit page's paging; the not-found page's frame.
#[path = "console_audit.rs"]
mod audit;
/// A user-assigned managed identity's page and a connection's link to it, through ARM.
#[path = "console_identities.rs"]
mod identities;
#[path = "console_pages.rs"]
mod pages;
/// One subscription's page: resource groups and role assignments through ARM.
#[path = "console_sessions.rs"]
mod sessions;
#[path = "console_subscriptions.rs"]
mod subscriptions;
#[path = "console_tenants.rs"]
mod tenants;
#[path = "console_wizard.rs"]
mod wizard;
