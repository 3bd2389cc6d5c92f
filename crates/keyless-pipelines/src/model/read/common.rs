//! Triggers, pools, variables, parameters and resources: read at several levels.

use super::{Reader, key_of, kind_of, scalar_text};
use crate::model::{
    ContainerResource, Located, Parameter, PipelineResource, Pool, RepositoryResource, Resources,
    Trigger, Variable,
};
use crate::yaml::{Node, Value};

/// `trigger:` (`pr` false) or `pr:` (`pr` true): `none`, a list of branches, or a mapping.
pub(super) fn read_trigger(r: &mut Reader, v: &Node, pr: bool) -> Option<Trigger> {
    let what = if pr { "pr" } else { "trigger" };
    match &v.value {
        Value::Null => None,
        Value::String(s) if s == "none" => Some(Trigger::None),
        Value::Seq(_) => Some(Trigger::Branches {
            include: r.text_list(v, what),
            exclude: Vec::new(),
        }),
        Value::Map(pairs) => {
            let allowed: &[&str] = if pr {
                &["autoCancel", "branches", "paths", "drafts"]
            } else {
                &["batch", "branches", "paths", "tags"]
            };
            let (mut include, mut exclude) = (Vec::new(), Vec::new());
            for (k, val) in pairs {
                match key_of(k) {
                    "branches" => (include, exclude) = include_exclude(r, val, "branches"),
                    "paths" | "tags" if allowed.contains(&key_of(k)) => {
                        include_exclude(r, val, key_of(k));
                    }
                    "batch" | "autoCancel" | "drafts" if allowed.contains(&key_of(k)) => {
                        r.boolean(val, key_of(k), false);
                    }
                    _ => r.unknown_key(k),
                }
            }
            Some(Trigger::Branches { include, exclude })
        }
        _ => {
            let text = scalar_text(v).unwrap_or_default();
            r.invalid(
                &v.loc,
                format!(
                    "'{text}' is not a {what}: write `none`, a list of branches, or a mapping."
                ),
            );
            None
        }
    }
}

/// `{include: […], exclude: […]}`.
fn include_exclude(r: &mut Reader, v: &Node, what: &str) -> (Vec<String>, Vec<String>) {
    let (mut include, mut exclude) = (Vec::new(), Vec::new());
    if let Some(pairs) = r.map(v, what) {
        for (k, val) in pairs {
            match key_of(k) {
                "include" => include = r.text_list(val, "include"),
                "exclude" => exclude = r.text_list(val, "exclude"),
                _ => r.unknown_key(k),
            }
        }
    }
    (include, exclude)
}

/// `pool:`: a name, or `{name, vmImage, demands}`.
pub(super) fn read_pool(r: &mut Reader, v: &Node) -> Option<Pool> {
    let mut pool = Pool {
        loc: v.loc.clone(),
        name: None,
        vm_image: None,
        demands: Vec::new(),
    };
    match &v.value {
        Value::Null => return None,
        Value::Map(pairs) => {
            for (k, val) in pairs {
                match key_of(k) {
                    "name" => pool.name = r.text(val, "pool.name"),
                    "vmImage" => pool.vm_image = r.text(val, "pool.vmImage"),
                    "demands" => pool.demands = r.texts(val, "demands"),
                    _ => r.unknown_key(k),
                }
            }
        }
        _ => pool.name = r.text(v, "pool"),
    }
    Some(pool)
}

/// `variables:`: the mapping form (`name: value`) or the list form (`- name:`/`value:`,
/// `- group:`).
pub(super) fn read_variables(r: &mut Reader, v: &Node) -> Vec<Variable> {
    map_or_seq(
        r,
        v,
        "variables are a mapping or a sequence",
        |r, k, val| {
            let value = r.text(val, "a variable's value")?;
            Some(Variable::Value {
                loc: k.loc.clone(),
                name: key_of(k).to_owned(),
                value,
                readonly: false,
            })
        },
        read_list_variable,
    )
}

/// The entries of a block written as a mapping or as a sequence: `pair` reads a key and its
/// value, `item` an item of the sequence. A null has no entries; any other node is reported
/// as not expected, with `expected` saying what the block takes.
fn map_or_seq<T>(
    r: &mut Reader,
    v: &Node,
    expected: &str,
    mut pair: impl FnMut(&mut Reader, &Node, &Node) -> Option<T>,
    mut item: impl FnMut(&mut Reader, &Node) -> Option<T>,
) -> Vec<T> {
    match &v.value {
        Value::Null => Vec::new(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, val)| pair(r, k, val))
            .collect(),
        Value::Seq(items) => items.iter().filter_map(|i| item(r, i)).collect(),
        _ => {
            r.invalid(
                &v.loc,
                format!("{} was not expected: {expected}.", kind_of(v)),
            );
            Vec::new()
        }
    }
}

fn read_list_variable(r: &mut Reader, item: &Node) -> Option<Variable> {
    let pairs = r.map(item, "a variable")?;
    if let Some(g) = item.get("group") {
        r.only(pairs, &["group"]);
        let name = r.text(g, "group")?;
        return Some(Variable::Group {
            loc: item.loc.clone(),
            name,
        });
    }
    r.only(pairs, &["name", "value", "readonly"]);
    let Some(name) = item.get("name") else {
        r.invalid(&item.loc, "A variable has no `name:`.");
        return None;
    };
    let name = r.text(name, "a variable's name")?;
    let value = match item.get("value") {
        Some(v) => r.text(v, "a variable's value")?,
        None => String::new(),
    };
    let readonly = match item.get("readonly") {
        Some(v) => r.boolean(v, "readonly", false),
        None => false,
    };
    Some(Variable::Value {
        loc: item.loc.clone(),
        name,
        value,
        readonly,
    })
}

/// The parameter types Azure Pipelines knows (templates and pipelines together).
pub(crate) const PARAMETER_TYPES: &[&str] = &[
    "string",
    "number",
    "boolean",
    "object",
    "step",
    "stepList",
    "job",
    "jobList",
    "deployment",
    "deploymentList",
    "stage",
    "stageList",
    "stringList",
    "container",
    "containerList",
    "legacyObject",
    "environment",
    "filePath",
    "pool",
    "secureFile",
    "serviceConnection",
];

/// `parameters:` as declared: the list form, or the older mapping form (`name: default`,
/// read as type `object`).
pub(super) fn read_parameters(r: &mut Reader, v: &Node) -> Vec<Parameter> {
    map_or_seq(
        r,
        v,
        "parameters are a sequence",
        |_, k, _| {
            Some(Parameter {
                loc: k.loc.clone(),
                name: key_of(k).to_owned(),
                kind: "object".to_owned(),
                display_name: None,
            })
        },
        read_list_parameter,
    )
}

fn read_list_parameter(r: &mut Reader, item: &Node) -> Option<Parameter> {
    let pairs = r.map(item, "a parameter")?;
    r.only(pairs, &["name", "displayName", "type", "default", "values"]);
    let Some(name) = item
        .get("name")
        .and_then(|n| r.text(n, "a parameter's name"))
    else {
        r.invalid(&item.loc, "A parameter has no `name:`.");
        return None;
    };
    let kind = match item.get("type") {
        Some(t) => r.text(t, "a parameter's type").unwrap_or_default(),
        None => "string".to_owned(),
    };
    if !PARAMETER_TYPES.contains(&kind.as_str())
        && let Some(t) = item.get("type")
    {
        r.invalid(&t.loc, format!("'{kind}' is not a parameter type."));
    }
    let display_name = item
        .get("displayName")
        .and_then(|d| r.text(d, "displayName"));
    Some(Parameter {
        loc: item.loc.clone(),
        name,
        kind,
        display_name,
    })
}

/// `resources:`: repositories, containers and pipelines; builds, packages and webhooks are
/// accepted and not kept.
pub(super) fn read_resources(r: &mut Reader, v: &Node) -> Resources {
    let mut res = Resources::default();
    let pairs = match &v.value {
        Value::Null => return res,
        // The first YAML syntax's `resources: [- repo: self]`.
        Value::Seq(items) => {
            for item in items {
                if let Some(pairs) = r.map(item, "a resource") {
                    r.only(pairs, &["repo", "clean", "fetchDepth", "lfs"]);
                }
            }
            return res;
        }
        _ => match r.map(v, "resources") {
            Some(p) => p,
            None => return res,
        },
    };
    for (k, val) in pairs {
        match key_of(k) {
            "repositories" => {
                for item in r.seq(val, "repositories").unwrap_or(&[]) {
                    if let Some(repo) = read_repository(r, item) {
                        res.repositories.push(repo);
                    }
                }
            }
            "containers" => {
                for item in r.seq(val, "containers").unwrap_or(&[]) {
                    if let Some(c) = read_container(r, item) {
                        res.containers.push(c);
                    }
                }
            }
            "pipelines" => {
                for item in r.seq(val, "pipelines").unwrap_or(&[]) {
                    if let Some(p) = read_pipeline_resource(r, item) {
                        res.pipelines.push(p);
                    }
                }
            }
            "builds" => loose_items(
                r,
                val,
                "build",
                &[
                    "build",
                    "type",
                    "connection",
                    "source",
                    "version",
                    "branch",
                    "trigger",
                ],
            ),
            "packages" => loose_items(
                r,
                val,
                "package",
                &[
                    "package",
                    "type",
                    "connection",
                    "name",
                    "version",
                    "tag",
                    "trigger",
                ],
            ),
            "webhooks" => loose_items(
                r,
                val,
                "webhook",
                &["webhook", "connection", "type", "filters"],
            ),
            _ => r.unknown_key(k),
        }
    }
    res
}

/// Resources not kept in the model: their keys are checked.
fn loose_items(r: &mut Reader, v: &Node, what: &str, keys: &[&str]) {
    for item in r.seq(v, what).unwrap_or(&[]) {
        only_keys(r, item, what, keys);
    }
}

/// Checks that `item` is a mapping (`what` names it in errors) of only `keys`; `None`
/// when it is not a mapping.
fn only_keys(r: &mut Reader, item: &Node, what: &str, keys: &[&str]) -> Option<()> {
    let pairs = r.map(item, what)?;
    r.only(pairs, keys);
    Some(())
}

/// The text of an optional key.
fn optional_text(r: &mut Reader, item: &Node, key: &str) -> Option<String> {
    item.get(key).and_then(|v| r.text(v, key))
}

/// The text and place of an optional key.
fn optional_located(r: &mut Reader, item: &Node, key: &str) -> Option<Located> {
    item.get(key).and_then(|v| r.located(v, key))
}

/// The value of a required key, or KL006 at the item.
fn required(r: &mut Reader, item: &Node, key: &str, what: &str) -> Option<String> {
    match item.get(key) {
        Some(v) => r.text(v, key),
        None => {
            r.invalid(&item.loc, format!("{what} has no `{key}:`."));
            None
        }
    }
}

fn read_repository(r: &mut Reader, item: &Node) -> Option<RepositoryResource> {
    only_keys(
        r,
        item,
        "a repository resource",
        &[
            "repository",
            "endpoint",
            "trigger",
            "checkoutOptions",
            "name",
            "ref",
            "type",
        ],
    )?;
    let alias = required(r, item, "repository", "A repository resource")?;
    let kind = match item.get("type") {
        Some(t) => r.text(t, "type")?,
        None => "git".to_owned(),
    };
    let name = match item.get("name") {
        Some(n) => r.text(n, "name")?,
        None => alias.clone(),
    };
    let reference = optional_text(r, item, "ref");
    let endpoint = optional_located(r, item, "endpoint");
    Some(RepositoryResource {
        loc: item.loc.clone(),
        alias,
        kind,
        name,
        reference,
        endpoint,
    })
}

fn read_container(r: &mut Reader, item: &Node) -> Option<ContainerResource> {
    only_keys(
        r,
        item,
        "a container resource",
        &[
            "container",
            "type",
            "trigger",
            "azureSubscription",
            "resourceGroup",
            "registry",
            "repository",
            "localImage",
            "endpoint",
            "env",
            "image",
            "mapDockerSocket",
            "options",
            "ports",
            "volumes",
            "mountReadOnly",
        ],
    )?;
    let alias = required(r, item, "container", "A container resource")?;
    let image = required(r, item, "image", "A container resource")?;
    let endpoint = optional_located(r, item, "endpoint");
    let azure_subscription = optional_located(r, item, "azureSubscription");
    Some(ContainerResource {
        loc: item.loc.clone(),
        alias,
        image,
        endpoint,
        azure_subscription,
    })
}

fn read_pipeline_resource(r: &mut Reader, item: &Node) -> Option<PipelineResource> {
    only_keys(
        r,
        item,
        "a pipeline resource",
        &[
            "pipeline", "project", "source", "version", "branch", "tags", "trigger",
        ],
    )?;
    let alias = required(r, item, "pipeline", "A pipeline resource")?;
    let source = match item.get("source") {
        Some(s) => r.text(s, "source")?,
        None => String::new(),
    };
    let project = optional_text(r, item, "project");
    Some(PipelineResource {
        loc: item.loc.clone(),
        alias,
        source,
        project,
    })
}
