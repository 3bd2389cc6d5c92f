//! The one catalogue of errors keyless can return. Every plane renders these entries in
//! its own envelope (Entra's OAuth error, ARM's `{"error":{…}}`, DevOps' exception
//! shape); `keyless explain` and `docs/ERRORS.md` are generated from the same table.
//!
//! Message templates use `{name}` placeholders. Values are sanitised on the way in
//! ([`Rendered::new`]) so no message ever contains a character JSON would escape: the
//! Rust `azure_identity` client borrows `error_description` and fails on escapes.

mod doc;
mod entries;
mod lint;
#[cfg(test)]
mod pasted;
pub use doc::markdown;
pub use entries::ENTRIES;

/// Every entry: the planes' (`ENTRIES`), then those of `keyless lint`'s codes.
pub fn all() -> impl Iterator<Item = &'static Entry> {
    ENTRIES.iter().chain(lint::ENTRIES.iter())
}

/// Which service produces the error, and so which envelope it is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Entra,
    Arm,
    DevOps,
    Pipeline,
}

#[derive(Debug)]
pub struct Entry {
    /// `700213`, `AuthorizationFailed`, `TF401444`…
    pub code: &'static str,
    pub plane: Plane,
    /// OAuth `error` value (Entra) or a short kind for other planes.
    pub error: &'static str,
    pub status: u16,
    pub template: &'static str,
    pub cause: &'static str,
    pub checks: &'static str,
    pub fix: &'static str,
    /// Fragments that identify this error in pasted output (for `keyless explain`).
    pub patterns: &'static [&'static str],
}

/// Looks an entry up by code; `AADSTS700213` and `700213` are the same code.
pub fn find(code: &str) -> Option<&'static Entry> {
    let code = code.trim();
    let bare = code
        .strip_prefix("AADSTS")
        .or_else(|| code.strip_prefix("aadsts"))
        .unwrap_or(code);
    all().find(|e| e.code.eq_ignore_ascii_case(bare))
}

/// The entry a pasted text refers to: an exact code, a variant of a code (a pattern that
/// joins fragments with `&&`, all of which must appear), an `AADSTS…` code inside it, a
/// known message fragment, or a catalogue code that appears in it as a word. Text and
/// patterns are compared case-insensitively, without quotes, backticks, `*` placeholders
/// or repeated whitespace, so log prefixes, ids and quoting around a message do not matter.
pub fn identify(text: &str) -> Option<&'static Entry> {
    if let Some(e) = find(text) {
        return Some(e);
    }
    let pasted = normalize(text);
    let has = |pattern: &str| {
        pattern
            .split("&&")
            .all(|part| pasted.contains(&normalize(part)))
    };
    let variants = |e: &&Entry| e.patterns.iter().any(|p| p.contains("&&") && has(p));
    if let Some(e) = all().find(variants) {
        return Some(e);
    }
    if let Some(i) = pasted.find("aadsts") {
        let digits: String = pasted[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Some(e) = find(&digits) {
            return Some(e);
        }
    }
    if let Some(e) = all().find(|e| e.patterns.iter().any(|p| !p.contains("&&") && has(p))) {
        return Some(e);
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    all().find(|e| e.code.len() > 4 && words.iter().any(|w| w.eq_ignore_ascii_case(e.code)))
}

/// Lower case, without quotes, backticks and `*`, whitespace runs as one space.
fn normalize(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\'' | '"' | '`' | '*' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}'
            )
        })
        .flat_map(char::to_lowercase)
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entry for a code that must exist; a missing one is a programming error caught by
/// the catalogue's own tests, so falling back to a generic entry is enough here.
pub fn entry(code: &str) -> &'static Entry {
    find(code).unwrap_or(&entries::INTERNAL)
}

/// An entry with its placeholders filled in.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub entry: &'static Entry,
    pub message: String,
}

impl Rendered {
    pub fn new(code: &str, values: &[(&str, &str)]) -> Rendered {
        let entry = entry(code);
        let mut message = entry.template.to_string();
        for (name, value) in values {
            message = message.replace(&format!("{{{name}}}"), &sanitize(value));
        }
        Rendered { entry, message }
    }
    pub fn code(&self) -> &'static str {
        self.entry.code
    }
    pub fn status(&self) -> u16 {
        self.entry.status
    }
}

/// Removes what JSON would escape (quotes, backslashes, control characters) and caps the
/// length, so caller-supplied values cannot break the envelope or flood a log.
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(600)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_templates_json_clean() {
        let every: Vec<&Entry> = all().collect();
        for (i, a) in every.iter().enumerate() {
            for b in &every[i + 1..] {
                assert_ne!(a.code, b.code, "duplicate code");
            }
            // Entra texts must be JSON-clean (the Rust SDK borrows them); TF401444 keeps
            // Azure DevOps' own backslashes so pasted messages still match.
            let forbidden =
                |c: char| c == '"' || c.is_control() || (c == '\\' && a.plane == Plane::Entra);
            for text in [a.template, a.cause, a.checks, a.fix] {
                assert!(
                    !text.chars().any(forbidden),
                    "{} has a character JSON escapes",
                    a.code
                );
            }
            assert!(
                !a.cause.is_empty() && !a.fix.is_empty(),
                "{} lacks an explanation",
                a.code
            );
        }
    }

    #[test]
    fn lookup_accepts_aadsts_prefix() {
        let cases = [
            ("AADSTS700213", Some("700213")),
            ("700213", Some("700213")),
            ("authorizationfailed", Some("AuthorizationFailed")),
            ("12345678", None),
        ];
        for (text, want) in cases {
            assert_eq!(find(text).map(|e| e.code), want, "{text}");
        }
    }

    #[test]
    fn every_code_and_pattern_is_identified() {
        for e in all() {
            assert_eq!(identify(e.code).map(|x| x.code), Some(e.code));
            for p in e.patterns {
                let pasted = format!("##[error]{p} (some context)");
                assert_eq!(identify(&pasted).map(|x| x.code), Some(e.code), "{p}");
            }
        }
        let pasted = [
            (
                "ERROR: AADSTS7000215: Invalid client secret provided.",
                Some("7000215"),
            ),
            (
                "(AuthorizationFailed) The client 'x' with object id",
                Some("AuthorizationFailed"),
            ),
            ("nothing we know", None),
        ];
        for (text, want) in pasted {
            assert_eq!(identify(text).map(|e| e.code), want, "{text}");
        }
    }

    /// Every message the troubleshooting pages of Azure DevOps list, pasted as users paste
    /// them (log prefixes, quotes, `****` placeholders, ids, other letter case).
    #[test]
    fn pasted_azure_devops_and_entra_messages_are_identified() {
        let cases = [
            ("Invalid client id or client secret", "7000222"),
            (
                "##[error]AADSTS7000215: Invalid client secret is provided.",
                "7000215",
            ),
            (
                "AADSTS7000222: The provided client secret keys for app '***' are expired",
                "7000222",
            ),
            (
                "a message says no matching federated identity record found",
                "70021",
            ),
            (
                "Failed to obtain the JSON Web Token (JWT) using service principal client ID",
                "JwtFailed",
            ),
            (
                "##[error]Failed to obtain the JWT by using the service principal client ID.",
                "JwtFailed",
            ),
            (
                "failed to obtain the json web token (jwt) by using the service principal client id",
                "JwtFailed",
            ),
            (
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: `https://app.vstoken.visualstudio.com`.",
                "LegacyIssuer",
            ),
            (
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: https://app.vstoken.visualstudio.com.",
                "LegacyIssuer",
            ),
            (
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer:  `https://vstoken.dev.azure.com/8e2f3a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5b`. Assertion Subject: `sc://<org>/<project>/<service-connection>.`",
                "SubjectChanged",
            ),
            (
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://login.microsoftonline.com/8e2f3a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5b/v2.0'. Assertion Subject: 'sc://org/proj/conn'.",
                "SubjectChanged",
            ),
            (
                "AADSTS700211: No matching federated identity record found for presented assertion issuer",
                "700211",
            ),
            (
                "AADSTS700213: No matching federated identity record found for presented assertion subject",
                "700213",
            ),
            (
                "AADSTS700016: Application with identifier '****' wasn't found",
                "700016",
            ),
            (
                "AADSTS700024: Client assertion is not within its valid time range",
                "700024",
            ),
            (
                "AADSTS70025: Client application has no configured federated identity credentials",
                "70025",
            ),
            ("AADSTS700223", "700223"),
            (
                "Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700238",
                "700238",
            ),
            (
                "microsoft entra rejected the token issued by azure devops",
                "EntraRejected",
            ),
            (
                "AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account",
                "70052",
            ),
            (
                "AADSTS900382: Confidential Client is not supported in Cross Cloud",
                "900382",
            ),
            (
                "cannot request token: Get \"?audience=api://AzureADTokenExchange\": unsupported protocol scheme",
                "UnsupportedProtocolScheme",
            ),
            ("Identity not found", "IdentityNotFound"),
            (
                "Could not fetch access token for Azure",
                "TaskWithoutFederation",
            ),
            (
                "Script failed with error: UnrecognizedArgumentError: unrecognized arguments: --federated-token",
                "FederatedTokenArgument",
            ),
            (
                "Failed to create an app in Microsoft Entra ID. Error: Insufficient privileges to complete the operation in Microsoft Graph. Ensure that the user has permissions to create a Microsoft Entra Application.",
                "AppRegistrationForbidden",
            ),
            (
                "The user isn't authorized to add applications in the directory",
                "AppRegistrationForbidden",
            ),
            (
                "The user has only guest permission in the directory",
                "GuestLimited",
            ),
            (
                "Failed to obtain an access token or a valid refresh token wasn't found",
                "SignInExpired",
            ),
            (
                "Failed to assign Contributor role",
                "RoleAssignmentForbidden",
            ),
            (
                "Error: You don't appear to have an active Azure subscription when attempting to edit",
                "NoActiveSubscription",
            ),
            (
                "Subscription isn't listed when creating a service connection",
                "SubscriptionNotListed",
            ),
            (
                "Some subscriptions are missing from the list of subscriptions",
                "SubscriptionNotListed",
            ),
            (
                "Azure subscription isn't passed from the previous task output",
                "SubscriptionNotPassed",
            ),
            (
                "ERROR: TF401444: Please sign-in at least once as 72f988bf-86f1-41af-91ab-2d7cd011db47\\72f988bf-86f1-41af-91ab-2d7cd011db47\\115c3ab3-943b-4e0c-96ed-1a1763fbaa44 in a web browser to enable access to the service.",
                "TF401444",
            ),
            (
                "The Managed Identity / Service Principal my-sp does not have access to Azure DevOps organization fabrikam. Please make sure the identity has been added to the organization. See https://aka.ms/azdosc#prerequisites",
                "IdentityNotInOrganization",
            ),
            (
                "You don't have permission to the selected identity. Service connection is saved as draft.",
                "ConnectionSavedAsDraft",
            ),
            (
                "VS800075: The project with id 'vstfs:///Classification/TeamProject/00000000-0000-00000000-000000000000' does not exist, or you do not have permission to access it.",
                "VS800075",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(identify(text).map(|e| e.code), Some(want), "{text}");
        }
    }

    #[test]
    fn rendering_sanitizes_values() {
        let r = Rendered::new("700213", &[("sub", "a\"b\\c\nd")]);
        assert!(r.message.contains("'abcd'"));
    }
}
