//! Sign-in with a personal access token (checked by the API's `GET /keyless/v1/me`), and
//! sign-out.

use crate::PREFIX;
use crate::api::Api;
use crate::session::{self, LOGIN_COOKIE, Sessions};
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyless_core::req::Req;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignIn<'a> {
    chrome: Chrome,
    token: &'a str,
    error: Option<&'a str>,
}

/// `/_console/`: the organizations when signed in, else the sign-in page.
pub async fn home(Req { s, headers }: Req, Extension(sessions): Extension<Sessions>) -> Response {
    match sessions.find(&headers, s.now()).await {
        Ok(Some(_)) => view::to(&format!("{PREFIX}/orgs")),
        Ok(None) => view::to(&format!("{PREFIX}/signin")),
        Err(_) => view::unavailable(),
    }
}

/// The sign-in form, with a fresh form token in its own cookie.
fn signin_page(status: StatusCode, error: Option<&str>) -> Response {
    let (token, cookie) = session::login_token();
    let page = SignIn {
        chrome: Chrome::anonymous("Sign in"),
        token: &token,
        error,
    };
    let mut resp = view::html(status, &page);
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp
}

pub async fn form() -> Response {
    signin_page(StatusCode::OK, None)
}

/// Checks the form token, then the personal access token through the API; a session on
/// success, else the form again with the API's refusal.
pub async fn submit(
    Req { s, headers }: Req,
    Extension(sessions): Extension<Sessions>,
    body: Bytes,
) -> Response {
    let form = Posted::parse(&body);
    if !session::login_token_matches(&headers, form.get("csrf")) {
        return view::csrf_refused(Chrome::anonymous("Refused"));
    }
    let pat = form.get("token").trim();
    if pat.is_empty() {
        return signin_page(
            StatusCode::BAD_REQUEST,
            Some("Enter a personal access token."),
        );
    }
    let me = match Api::new(&s, pat).get("/keyless/v1/me").await {
        Ok(me) => me,
        Err(r) => return signin_page(r.status, Some(&r.message)),
    };
    let user = me["user"]["userPrincipalName"]
        .as_str()
        .unwrap_or("signed-in user")
        .to_string();
    // A sign-in replaces the browser's session, if it had one.
    if sessions.end(&headers).await.is_err() {
        return view::unavailable();
    }
    let Ok(id) = sessions.create(s.now(), user, pat.to_string()).await else {
        return view::unavailable();
    };
    let mut resp = view::to(&format!("{PREFIX}/orgs"));
    let h = resp.headers_mut();
    h.append(header::SET_COOKIE, session::session_cookie(&id));
    h.append(header::SET_COOKIE, session::clear_cookie(LOGIN_COOKIE));
    resp
}

/// Ends the session (the form must carry its CSRF token).
pub async fn signout(
    ctx: Ctx,
    Extension(sessions): Extension<Sessions>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = ctx.csrf_refusal(&Posted::parse(&body)) {
        return refused;
    }
    if sessions.end(&headers).await.is_err() {
        return view::unavailable();
    }
    (
        [(header::SET_COOKIE, session::clear_cookie(session::COOKIE))],
        view::to(&format!("{PREFIX}/signin")),
    )
        .into_response()
}
