//! `docs/TASKS.md`, generated from the table so the document cannot drift from the data.

use super::{Input, InputSupport, Support, TASKS, Task};

/// What `keyless lint` reports for a task's connection inputs.
fn verdict(t: &Task) -> String {
    match t.support {
        Support::Yes => "nothing".into(),
        Support::No => "KL101 (error)".into(),
        Support::UseVersion(v) => format!("KL102 (error): use {v}"),
        Support::Pending(_) => "KL104 (warning)".into(),
        Support::PerInput => {
            let mut codes: Vec<&str> = Vec::new();
            for i in t.inputs {
                let c = match i.support {
                    InputSupport::No => "KL103 (error) on the inputs marked N",
                    InputSupport::UseAzure => "KL103 (warning) on the Kubernetes inputs",
                    InputSupport::Yes | InputSupport::Unrated => continue,
                };
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
            if codes.is_empty() {
                "nothing".into()
            } else {
                codes.join("; ")
            }
        }
        Support::Unrated => "nothing (not rated)".into(),
    }
}

fn input_cell(t: &Task, i: &Input) -> String {
    let mut s = format!("`{}`", i.name);
    if !i.aliases.is_empty() {
        let a: Vec<String> = i.aliases.iter().map(|a| format!("`{a}`")).collect();
        s.push_str(&format!(" ({})", a.join(", ")));
    }
    s.push_str(&format!(": {}", i.service));
    if t.support == Support::PerInput {
        let mark = match i.support {
            InputSupport::Yes => " Y",
            InputSupport::No => " N",
            InputSupport::UseAzure => " use Azure",
            InputSupport::Unrated => "",
        };
        s.push_str(mark);
    }
    if let Some(w) = i.when {
        s.push_str(&format!(" (when `{}` is `{}`)", w.input[0], w.equals));
    }
    s
}

/// The whole document.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Task catalogue\n\n\
         Generated from `crates/keyless-pipelines/src/catalogue/tasks.rs` (regenerate with \
         `KEYLESS_BLESS=1 cargo test -p keyless-pipelines tasks_md_is_current`). `keyless lint` \
         knows these tasks; any other task name is treated as a Marketplace task (KL105 when it \
         is given an input that looks like a connection) and any other major version of a task \
         named here is unknown (KL106).\n\n\
         - **Published**: the task's cell in Microsoft's table of tasks that support workload \
         identity federation (`Y`, `N`, `Use X@N`, a quarter for announced support, or per \
         input); empty when the table does not list the task.\n\
         - **Lint**: what `keyless lint` reports when a step of the task sets one of its \
         connection inputs (offline, every such input is reported, whatever the scheme of the \
         connection it names).\n\
         - **Connection inputs**: the input's name, its aliases, the connection type it takes, \
         its published rating for per-input rows, and the picker that decides whether the task \
         reads it. Input names compare case-insensitively.\n\n\
         | Task | Published | Lint | Connection inputs |\n|---|---|---|---|\n",
    );
    for t in TASKS {
        let inputs: Vec<String> = t.inputs.iter().map(|i| input_cell(t, i)).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            t.reference(),
            t.published.unwrap_or(""),
            verdict(t),
            if inputs.is_empty() {
                "none".to_string()
            } else {
                inputs.join("<br>")
            }
        ));
    }
    out
}
