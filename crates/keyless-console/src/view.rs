//! What every page shares: the signed-in request (`Ctx`), the page frame (`Chrome`), HTML
//! answers, refusals, redirects and posted forms.

use crate::api::{Api, Refusal};
use crate::session::{Session, Sessions, Unavailable};
use askama::Template;
use axum::extract::{Extension, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use keyless_core::state::AppState;
use serde_json::Value;
use std::collections::HashMap;

/// The frame of a page: its title, and who is signed in with the token of their forms.
pub struct Chrome {
    pub title: String,
    pub user: Option<String>,
    pub csrf: String,
}

impl Chrome {
    pub fn anonymous(title: &str) -> Chrome {
        Chrome {
            title: title.into(),
            user: None,
            csrf: String::new(),
        }
    }
}

/// A request of a signed-in user; anyone else is sent to the sign-in page.
pub struct Ctx {
    pub state: AppState,
    pub session: Session,
}

impl Ctx {
    /// The REST API as this user.
    pub fn api(&self) -> Api<'_> {
        Api::new(&self.state, self.session.pat())
    }

    pub fn chrome(&self, title: &str) -> Chrome {
        Chrome {
            title: title.into(),
            user: Some(self.session.user.clone()),
            csrf: self.session.csrf().into(),
        }
    }

    /// The page `build` makes of the API's answer to `GET path`, or the API's refusal.
    pub async fn page<T: Template>(&self, path: &str, build: impl FnOnce(Value) -> T) -> Response {
        match self.api().get(path).await {
            Ok(v) => html(StatusCode::OK, &build(v)),
            Err(r) => self.refused(r),
        }
    }

    /// The API's refusal as a page.
    pub fn refused(&self, r: Refusal) -> Response {
        message(
            r.status,
            self.chrome("Refused"),
            "The request was refused",
            &r.message,
        )
    }

    /// The 404 page, with this user's navigation.
    pub fn not_found(&self) -> Response {
        missing(self.chrome("Not found"))
    }

    /// `None` when the posted form carries this session's CSRF token; otherwise the 403
    /// page to answer, doing nothing.
    pub fn csrf_refusal(&self, form: &Posted) -> Option<Response> {
        (!self.session.csrf_matches(form.get("csrf"))).then(|| csrf_refused(self.chrome("Refused")))
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, Response> {
        let sessions = parts
            .extensions
            .get::<Sessions>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        match sessions.find(&parts.headers, state.now()).await {
            Ok(Some(session)) => Ok(Ctx {
                state: state.clone(),
                session,
            }),
            Ok(None) => Err(to(&format!("{}/signin", crate::PREFIX))),
            Err(Unavailable) => Err(unavailable()),
        }
    }
}

/// A form body (`application/x-www-form-urlencoded`), read whatever its declared type.
pub struct Posted(HashMap<String, String>);

impl Posted {
    pub fn parse(body: &[u8]) -> Posted {
        Posted(form_urlencoded::parse(body).into_owned().collect())
    }
    /// A field's value, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
}

/// The rows of an API list (its `value`), sorted by `name`, case aside.
pub fn sorted_rows<T>(list: &Value, of: impl Fn(&Value) -> T, name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut rows: Vec<T> = list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(of)
        .collect();
    rows.sort_by_key(|r| name(r).to_lowercase());
    rows
}

/// A `303 See Other` to `path` (after a form, the browser asks with `GET`).
pub fn to(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// The status of a page showing `refusals`: the first one's, else 200.
pub fn status_of(refusals: &[&Option<Refusal>]) -> StatusCode {
    refusals
        .iter()
        .find_map(|r| r.as_ref())
        .map_or(StatusCode::OK, |r| r.status)
}

/// `page` as an HTML answer with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The page could not be rendered.",
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
}

/// A page that only says something (a refusal, a missing page).
pub fn message(status: StatusCode, chrome: Chrome, heading: &str, text: &str) -> Response {
    html(
        status,
        &MessagePage {
            chrome,
            heading,
            message: text,
        },
    )
}

/// The answer to a form posted without this session's CSRF token.
pub fn csrf_refused(chrome: Chrome) -> Response {
    message(
        StatusCode::FORBIDDEN,
        chrome,
        "The form was refused",
        "The form's security token is missing or out of date, so nothing was changed. \
         Open the page again and resubmit the form.",
    )
}

/// The answer when the store cannot be reached (sessions live there): 503, and no
/// redirect to sign-in (the session is not lost, only out of reach for now).
pub fn unavailable() -> Response {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        Chrome::anonymous("Unavailable"),
        "The console is unavailable",
        "keyless cannot reach its database just now. Try again in a moment.",
    )
}

/// The 404 page in `chrome`.
fn missing(chrome: Chrome) -> Response {
    message(
        StatusCode::NOT_FOUND,
        chrome,
        "Page not found",
        "There is no console page at this address.",
    )
}

/// Paths under the console's prefix that are no page: with the navigation of a signed-in
/// user's session when the request has one, else an anonymous frame (no redirect: the
/// address stays a 404 whoever asks).
pub async fn not_found(
    State(state): State<AppState>,
    Extension(sessions): Extension<Sessions>,
    headers: HeaderMap,
) -> Response {
    match sessions.find(&headers, state.now()).await {
        Ok(Some(session)) => Ctx { state, session }.not_found(),
        Ok(None) => missing(Chrome::anonymous("Not found")),
        Err(Unavailable) => unavailable(),
    }
}
