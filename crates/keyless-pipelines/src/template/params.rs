//! Parameters: their declarations, and the values bound to them (KL011 when a value is
//! missing, not declared, of the wrong type, or not among the declared `values`).
//!
//! The list form (`- name:`, `type:`, `default:`, `values:`) is checked; the older mapping
//! form (`name: default`) declares untyped parameters and accepts undeclared ones, as
//! Azure Pipelines did with it. Boolean parameters take `true` or `false` in any case;
//! number parameters a decimal number.

use crate::diag::{Code, Diagnostic};
use crate::expr::value::{Val, text_to_number};
use crate::loc::Loc;
use crate::model::read::{PARAMETER_TYPES, scalar_text};
use crate::yaml::{Node, Value};

/// One declared parameter.
#[derive(Debug, Clone)]
pub(crate) struct Decl {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) default: Option<Node>,
    pub(crate) values: Option<Vec<Node>>,
    pub(crate) loc: Loc,
}

/// The declarations of a file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decls {
    pub(crate) list: Vec<Decl>,
    /// The mapping form: undeclared values are accepted.
    pub(crate) legacy: bool,
}

fn kl011(loc: &Loc, message: String) -> Diagnostic {
    Diagnostic::new(Code::TemplateParameter, loc.clone(), message)
}

/// Reads `parameters:` of a file; `report`: report malformed declarations (the model
/// reader reports those of the pipeline file itself).
pub(crate) fn declarations(
    node: Option<&Node>,
    report: bool,
    diags: &mut Vec<Diagnostic>,
) -> Decls {
    let mut decls = Decls::default();
    let Some(node) = node else {
        return decls;
    };
    let mut problem = |code: Code, loc: &Loc, message: String| {
        if report {
            diags.push(Diagnostic::new(code, loc.clone(), message));
        }
    };
    match &node.value {
        Value::Map(pairs) => {
            decls.legacy = true;
            for (k, v) in pairs {
                decls.list.push(Decl {
                    name: k.as_str().unwrap_or_default().to_owned(),
                    kind: "legacyObject".to_owned(),
                    default: Some(v.clone()),
                    values: None,
                    loc: k.loc.clone(),
                });
            }
        }
        Value::Seq(items) => {
            for item in items {
                let name = item
                    .get("name")
                    .and_then(scalar_text)
                    .filter(|n| !n.is_empty());
                let (Some(name), Some(_)) = (name, item.as_map()) else {
                    problem(
                        Code::InvalidValue,
                        &item.loc,
                        "A parameter is a mapping with a `name:`.".to_owned(),
                    );
                    continue;
                };
                for (k, _) in item.as_map().unwrap_or_default() {
                    let key = k.as_str().unwrap_or_default();
                    if !["name", "displayName", "type", "default", "values"].contains(&key) {
                        problem(
                            Code::UnknownKey,
                            &k.loc,
                            format!("Unexpected value '{key}'"),
                        );
                    }
                }
                let kind = item
                    .get("type")
                    .and_then(scalar_text)
                    .unwrap_or_else(|| "string".to_owned());
                if !PARAMETER_TYPES.contains(&kind.as_str())
                    && let Some(t) = item.get("type")
                {
                    problem(
                        Code::InvalidValue,
                        &t.loc,
                        format!("'{kind}' is not a parameter type."),
                    );
                }
                let values = item
                    .get("values")
                    .and_then(|v| v.as_seq())
                    .map(<[Node]>::to_vec);
                decls.list.push(Decl {
                    name,
                    kind,
                    default: item.get("default").cloned(),
                    values,
                    loc: item.loc.clone(),
                });
            }
        }
        Value::Null => {}
        _ => problem(
            Code::InvalidValue,
            &node.loc,
            "Parameters are a sequence of declarations.".to_owned(),
        ),
    }
    decls
}

/// Binds values to the declarations: the passed value (checked and converted to the
/// declared type), or the default. `at` is the reference, where a missing value is
/// reported. The result is a mapping node, name to value.
pub(crate) fn bind(
    decls: &Decls,
    passed: &[(Node, Node)],
    at: &Loc,
    diags: &mut Vec<Diagnostic>,
) -> Node {
    let mut out: Vec<(Node, Node)> = Vec::new();
    // Declarations given a value, valid or not (an invalid one is not also "missing").
    let mut given: Vec<&str> = Vec::new();
    for (k, v) in passed {
        let key = k
            .as_str()
            .map(str::to_owned)
            .or_else(|| scalar_text(k))
            .unwrap_or_default();
        match decls
            .list
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(&key))
        {
            Some(d) => {
                given.push(&d.name);
                if let Some(value) = checked(d, v, diags) {
                    out.push((
                        Node::new(k.loc.clone(), Value::String(d.name.clone())),
                        value,
                    ));
                }
            }
            None if decls.legacy => out.push((k.clone(), v.clone())),
            None => diags.push(kl011(&k.loc, format!("Unexpected parameter '{key}'"))),
        }
    }
    for d in &decls.list {
        if given.contains(&d.name.as_str()) {
            continue;
        }
        match &d.default {
            Some(def) => {
                let value = checked(d, def, diags).unwrap_or_else(|| def.clone());
                out.push((
                    Node::new(d.loc.clone(), Value::String(d.name.clone())),
                    value,
                ));
            }
            None => diags.push(
                kl011(
                    at,
                    format!("A value for the '{}' parameter must be provided.", d.name),
                )
                .with_fix(format!(
                    "Pass `{}:` in `parameters:`, or give it a `default:`.",
                    d.name
                )),
            ),
        }
    }
    Node::new(at.clone(), Value::Map(out))
}

/// Reads a value given as text (a run's parameter) for a declaration: booleans and numbers
/// are converted, collections read as YAML.
pub(crate) fn from_text(decl: &Decl, text: &str, at: &Loc) -> Result<Node, Diagnostic> {
    match decl.kind.as_str() {
        "string" | "number" | "boolean" | "environment" | "filePath" | "secureFile"
        | "serviceConnection" => Ok(Node::new(at.clone(), Value::String(text.to_owned()))),
        _ => {
            let file = format!("<parameter {}>", decl.name);
            crate::yaml::parse(&std::sync::Arc::from(file.as_str()), text)
        }
    }
}

const STEP_KEYS: &[&str] = &[
    "task",
    "script",
    "bash",
    "pwsh",
    "powershell",
    "checkout",
    "download",
    "downloadBuild",
    "getPackage",
    "upload",
    "publish",
    "reviewApp",
    "template",
];

/// The value checked against the declaration's type and values, converted (boolean and
/// number types); `None` after a finding.
fn checked(d: &Decl, v: &Node, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let wrong = |diags: &mut Vec<Diagnostic>, what: &str| {
        diags.push(kl011(
            &v.loc,
            format!("The '{}' parameter value is not a valid {what}.", d.name),
        ));
        None
    };
    let mapping_with = |keys: &[&str]| {
        v.as_map()
            .is_some_and(|_| keys.iter().any(|k| v.get(k).is_some()))
    };
    let list_of = |keys: &[&str]| match &v.value {
        Value::Null => true,
        Value::Seq(items) => items.iter().all(|i| {
            i.as_map()
                .is_some_and(|_| keys.is_empty() || keys.iter().any(|k| i.get(k).is_some()))
        }),
        _ => false,
    };
    let value = match d.kind.as_str() {
        "string" | "environment" | "filePath" | "secureFile" | "serviceConnection" => {
            match scalar_text(v) {
                Some(s) => Node::new(v.loc.clone(), Value::String(s)),
                None => return wrong(diags, "string"),
            }
        }
        "number" => {
            let n = match &v.value {
                Value::Number(n) => Some(*n),
                Value::String(s) if !s.trim().is_empty() => text_to_number(s),
                _ => None,
            };
            match n {
                Some(n) => Node::new(v.loc.clone(), Value::Number(n)),
                None => return wrong(diags, "number"),
            }
        }
        "boolean" => {
            let b = match &v.value {
                Value::Bool(b) => Some(*b),
                Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
                Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            };
            match b {
                Some(b) => Node::new(v.loc.clone(), Value::Bool(b)),
                None => return wrong(diags, "boolean"),
            }
        }
        "step" if !mapping_with(STEP_KEYS) => return wrong(diags, "step"),
        "stepList" if !list_of(STEP_KEYS) => return wrong(diags, "step list"),
        "job" if !mapping_with(&["job", "deployment", "template"]) => return wrong(diags, "job"),
        "jobList" if !list_of(&["job", "deployment", "template"]) => {
            return wrong(diags, "job list");
        }
        "deployment" if !mapping_with(&["deployment", "template"]) => {
            return wrong(diags, "deployment");
        }
        "deploymentList" if !list_of(&["deployment", "template"]) => {
            return wrong(diags, "deployment list");
        }
        "stage" if !mapping_with(&["stage", "template"]) => return wrong(diags, "stage"),
        "stageList" if !list_of(&["stage", "template"]) => return wrong(diags, "stage list"),
        "container" if v.as_map().is_none() => return wrong(diags, "container"),
        "containerList" if !list_of(&[]) => return wrong(diags, "container list"),
        "stringList" => match &v.value {
            Value::Null => Node::new(v.loc.clone(), Value::Seq(Vec::new())),
            Value::Seq(items) if items.iter().all(|i| scalar_text(i).is_some()) => v.clone(),
            _ => return wrong(diags, "string list"),
        },
        "pool" if v.as_seq().is_some() => return wrong(diags, "pool"),
        "stepList" | "jobList" | "deploymentList" | "stageList" | "containerList"
            if matches!(v.value, Value::Null) =>
        {
            Node::new(v.loc.clone(), Value::Seq(Vec::new()))
        }
        _ => v.clone(),
    };
    if let Some(allowed) = &d.values {
        let items: Vec<&Node> = match &value.value {
            Value::Seq(items) if d.kind == "stringList" => items.iter().collect(),
            _ => vec![&value],
        };
        for item in items {
            let given = Val::of(item);
            if !allowed.iter().any(|a| Val::of(a).equals(&given)) {
                let shown = given.to_text().map(|t| t.into_owned()).unwrap_or_default();
                let list: Vec<String> = allowed.iter().filter_map(scalar_text).collect();
                diags.push(kl011(
                    &item.loc,
                    format!(
                        "The '{}' parameter value '{shown}' is not a valid value: {}.",
                        d.name,
                        list.join(", ")
                    ),
                ));
                return None;
            }
        }
    }
    Some(value)
}
