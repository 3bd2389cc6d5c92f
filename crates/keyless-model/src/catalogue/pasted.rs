//! The messages Azure DevOps' troubleshooting pages list, pasted the ways people paste them:
//! another letter case, inside quotes or backticks, with `****` where a value was hidden,
//! with real ids in place of the pages' placeholders, and inside a line of a pipeline log.

use super::identify;

/// Each message (or heading naming one) as the pages print it, and the entry it must find.
const LISTED: &[(&str, &str)] = &[
    ("Invalid client id or client secret", "7000222"),
    (
        "AADSTS7000215: Invalid client secret is provided",
        "7000215",
    ),
    ("no matching federated identity record found", "70021"),
    (
        "Failed to obtain the JSON Web Token (JWT) using service principal client ID",
        "JwtFailed",
    ),
    (
        "Failed to obtain the JWT by using the service principal client ID",
        "JwtFailed",
    ),
    (
        "Failed to obtain the JSON web token (JWT) by using the service principal client ID",
        "JwtFailed",
    ),
    (
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: https://app.vstoken.visualstudio.com.",
        "LegacyIssuer",
    ),
    (
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: https://vstoken.dev.azure.com/XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX. Assertion Subject: sc://<org>/<project>/<service-connection>.",
        "SubjectChanged",
    ),
    (
        "AADSTS7000222: The provided client secret keys for app '***' are expired",
        "7000222",
    ),
    (
        "AADSTS700016: Application with identifier '****' wasn't found",
        "700016",
    ),
    (
        "Maximum of 50 Azure subscriptions listed in the various Azure subscription drop-down menus",
        "SubscriptionNotListed",
    ),
    (
        "I don't have permissions to create a service principal in the Microsoft Entra tenant",
        "AppRegistrationForbidden",
    ),
    (
        "I don't have permission to create a service principal in the Azure Entra ID tenant",
        "AppRegistrationForbidden",
    ),
    ("Service principal's token expired", "7000222"),
    (
        "Some subscriptions are missing from the list of subscriptions",
        "SubscriptionNotListed",
    ),
    (
        "I can't enable features for my organization",
        "PreviewFeatureOff",
    ),
    (
        "Cross-organization access not working",
        "IdentityNotInOrganization",
    ),
];

/// The ways one message reaches `keyless explain`.
fn pastings(message: &str) -> Vec<String> {
    let with_ids = message
        .replace(
            "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX",
            "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        )
        .replace(
            "<org>/<project>/<service-connection>",
            "fabrikam/web/deploy",
        )
        .replace("'****'", "'2b6a1f0e-3c4d-4e5f-9a8b-7c6d5e4f3a2b'")
        .replace("'***'", "'2b6a1f0e-3c4d-4e5f-9a8b-7c6d5e4f3a2b'");
    vec![
        message.to_string(),
        message.to_uppercase(),
        message.to_lowercase(),
        format!("\"{message}\""),
        format!("`{message}`"),
        format!("'{message}'"),
        format!("2026-12-05T13:08:23.1234567Z ##[error]{message} (exit code 1)"),
        format!("ERROR: {}", message.replace(' ', "  ")),
        format!("##[error]{with_ids}"),
        with_ids.replace("https://", "`https://"),
    ]
}

#[test]
fn every_listed_message_is_recognised_however_it_is_pasted() {
    for (message, want) in LISTED {
        for pasted in pastings(message) {
            assert_eq!(identify(&pasted).map(|e| e.code), Some(*want), "{pasted}");
        }
    }
}

#[test]
fn a_legacy_issuer_mismatch_as_keyless_and_entra_print_it_is_the_legacy_issuer() {
    // Entra quotes each value and names subject and audience; keyless' legacy issuer is on
    // its own origin.
    for issuer in [
        "https://app.vstoken.visualstudio.com",
        "https://127.0.0.1:8443/app.vstoken",
    ] {
        let pasted = format!(
            "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: 'sc://fabrikam/web/deploy'. Assertion Audience: 'api://AzureADTokenExchange'."
        );
        assert_eq!(
            identify(&pasted).map(|e| e.code),
            Some("LegacyIssuer"),
            "{pasted}"
        );
    }
}
