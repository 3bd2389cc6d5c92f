//! Findings: a stable code, a severity, where, what, and how to fix it.
//!
//! Every [`Code`] has an entry of the same name in `keyless_model::catalogue` (plane
//! `Pipeline`), so `keyless explain KL101` knows it.

use crate::loc::Loc;
use serde::Serialize;
use std::fmt;

/// How bad a finding is; ordered, so `--fail-on warning` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Note, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// Declares the codes with their text, default severity and one-line title.
macro_rules! codes {
    ($( $(#[$m:meta])* $variant:ident => $text:literal, $sev:ident, $title:literal; )+) => {
        /// A finding's stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$m])* $variant ),+
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// `KL101`…
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),+ }
            }
            /// The severity a finding of this code has.
            pub const fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),+ }
            }
            /// What the code is about, in a few words (SARIF rule name, `explain`).
            pub const fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),+ }
            }
            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

codes! {
    /// The file cannot be read: missing, not UTF-8, or larger than 1 MiB.
    UnreadableFile => "KL001", Error, "file cannot be read";
    /// The YAML does not parse.
    YamlSyntax => "KL002", Error, "YAML syntax error";
    /// The YAML exceeds a limit: nesting depth, alias expansion or node count.
    YamlLimit => "KL003", Error, "YAML exceeds a limit";
    /// The document is not a pipeline (not a mapping; no steps, jobs, stages or extends).
    NotAPipeline => "KL004", Error, "not a pipeline";
    /// A key the pipeline schema does not have at this place.
    UnknownKey => "KL005", Error, "unexpected key";
    /// A value of the wrong kind or out of range (a list where a mapping belongs…).
    InvalidValue => "KL006", Error, "invalid value";
    /// A template reference names a file that does not exist.
    TemplateNotFound => "KL007", Error, "template not found";
    /// Templates include each other in a cycle, or nest deeper than Azure Pipelines allows.
    TemplateCycle => "KL008", Error, "template cycle or nesting too deep";
    /// A `${{ }}` expression does not parse.
    ExpressionSyntax => "KL009", Error, "expression syntax error";
    /// A `${{ }}` expression cannot be evaluated (unknown function or name, wrong arguments).
    ExpressionError => "KL010", Error, "expression cannot be evaluated";
    /// A template parameter is missing, unknown, of the wrong type or not among its values.
    TemplateParameter => "KL011", Error, "template parameter error";
    /// A template from another repository that is not available here was not checked.
    RemoteTemplate => "KL012", Note, "template of another repository not checked";
    /// The task does not support workload identity federation.
    TaskWithoutFederation => "KL101", Error, "task does not support workload identity federation";
    /// This version of the task does not support it; a newer one does.
    TaskVersionWithoutFederation => "KL102", Error, "task version does not support workload identity federation";
    /// This input of the task does not support it.
    InputWithoutFederation => "KL103", Error, "task input does not support workload identity federation";
    /// Support for the task is announced, not available.
    TaskFederationPending => "KL104", Warning, "task support for workload identity federation is pending";
    /// A Marketplace (unknown) task given a connection: no Marketplace task supports
    /// workload identity federation.
    MarketplaceTask => "KL105", Warning, "Marketplace task given a service connection";
    /// A major version of a built-in task that the catalogue does not know.
    UnknownTaskVersion => "KL106", Warning, "unknown version of a built-in task";
    /// A container resource pulled from Azure Container Registry with `azureSubscription`.
    ContainerAcrSubscription => "KL201", Error, "container resource from Azure Container Registry with azureSubscription";
    /// A connection input set from a variable that exists only at run time.
    ConnectionFromRuntimeVariable => "KL202", Error, "service connection taken from a run-time variable";
    /// An Azure DevOps connection where an Azure Resource Manager one belongs, or the reverse.
    ConnectionTypeMismatch => "KL203", Error, "wrong type of service connection";
    /// (with a server) The connection does not exist in the project.
    ConnectionNotFound => "KL301", Error, "service connection not found";
    /// (with a server) The connection is a Draft.
    ConnectionDraft => "KL302", Error, "service connection is a draft";
    /// (with a server) The connection's client secret has expired.
    ConnectionSecretExpired => "KL303", Error, "service connection secret expired";
    /// (with a server) The connection's tenant forbids workload identity federation.
    TenantForbidsFederation => "KL304", Error, "tenant forbids workload identity federation";
    /// (with a server) The pipeline may not use the connection.
    ConnectionNotAuthorized => "KL305", Error, "pipeline not authorized to use the service connection";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub loc: Loc,
    pub message: String,
    /// What to do about it, when there is something specific to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Diagnostic {
    /// A finding with the code's own severity and no fix.
    pub fn new(code: Code, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            loc,
            message: message.into(),
            fix: None,
        }
    }
    pub fn with_fix(mut self, fix: impl Into<String>) -> Diagnostic {
        self.fix = Some(fix.into());
        self
    }
}
