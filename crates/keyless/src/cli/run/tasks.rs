//! What each kind of step becomes on this machine: scripts (`script`/`bash` with bash,
//! `pwsh`/`powershell` with PowerShell), the script tasks (`Bash@3`, `CmdLine@2`,
//! `PowerShell@2`), `AzureCLI@2`/`@3` (see `azure_cli.rs`), and every other step reported
//! as skipped with the reason.

use keyless_pipelines::catalogue;
use keyless_pipelines::model::{Shell, Step, StepKind, TaskStep};
use std::path::{Path, PathBuf};

/// How a step runs here.
pub enum Action {
    /// A script file run by `shell`.
    Script {
        shell: Shell,
        script: String,
        working_directory: Option<String>,
        fail_on_stderr: bool,
        arguments: String,
    },
    /// An existing script file.
    File {
        shell: Shell,
        path: String,
        working_directory: Option<String>,
        fail_on_stderr: bool,
        arguments: String,
    },
    AzureCli(TaskStep),
    /// Not run, with the reason.
    Skip(String),
}

fn input<'a>(t: &'a TaskStep, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| t.input(n))
        .map(|i| i.value.value.as_str())
}

fn flag(t: &TaskStep, name: &str) -> bool {
    input(t, &[name]).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// What `step` becomes; `lint` gives the lint findings of a step keyless cannot run.
pub fn action(step: &Step, lint: &dyn Fn(&Step) -> Vec<String>) -> Action {
    match &step.kind {
        StepKind::Script {
            shell,
            script,
            working_directory,
            fail_on_stderr,
        } => Action::Script {
            shell: *shell,
            script: script.clone(),
            working_directory: working_directory.clone(),
            fail_on_stderr: *fail_on_stderr,
            arguments: String::new(),
        },
        StepKind::Checkout { repository } => Action::Skip(format!(
            "checkout: {repository}: keyless runs the steps in the working directory, which stands for the repository"
        )),
        StepKind::Other { key, .. } => Action::Skip(format!(
            "'{key}' steps run only on an Azure Pipelines agent"
        )),
        StepKind::Task(t) => task(t, step, lint),
    }
}

fn task(t: &TaskStep, step: &Step, lint: &dyn Fn(&Step) -> Vec<String>) -> Action {
    let name = t.name.to_ascii_lowercase();
    let major = t.major.unwrap_or(0);
    let script_task = |shell: Shell, file_input: &str| {
        let file = input(t, &["targetType"]).is_some_and(|v| v.eq_ignore_ascii_case("filePath"));
        let arguments = input(t, &["arguments"]).unwrap_or_default().to_string();
        let working_directory = input(t, &["workingDirectory"]).map(String::from);
        let fail_on_stderr = flag(t, "failOnStderr");
        match (file, input(t, &[file_input])) {
            (true, Some(path)) => Action::File {
                shell,
                path: path.to_string(),
                working_directory,
                fail_on_stderr,
                arguments,
            },
            (true, None) => Action::Skip(format!(
                "{}: targetType filePath needs the input {file_input}",
                t.reference.value
            )),
            (false, _) => Action::Script {
                shell,
                script: input(t, &["script"]).unwrap_or_default().to_string(),
                working_directory,
                fail_on_stderr,
                arguments,
            },
        }
    };
    match (name.as_str(), major) {
        ("azurecli", 2 | 3) => Action::AzureCli(t.clone()),
        ("bash", 3) => script_task(Shell::Bash, "filePath"),
        ("cmdline", 2) => script_task(Shell::Bash, "__none__"),
        ("powershell", 2) => script_task(Shell::Pwsh, "filePath"),
        _ if catalogue::is_known(&t.name) => Action::Skip(format!(
            "{} runs only on an Azure Pipelines agent: keyless runs scripts, Bash@3, CmdLine@2, PowerShell@2 and AzureCLI@2/@3",
            t.reference.value
        )),
        _ => {
            let mut why = format!(
                "{} is not a built-in task (a Marketplace or custom task): keyless cannot run it",
                t.reference.value
            );
            for d in lint(step) {
                why.push_str("\n    ");
                why.push_str(&d);
            }
            Action::Skip(why)
        }
    }
}

/// PowerShell 7 on this machine.
pub fn find_pwsh() -> Option<PathBuf> {
    which("pwsh")
}

pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

pub const NO_PWSH: &str = "PowerShell (pwsh) is not installed: install PowerShell 7 (https://aka.ms/install-powershell) and put pwsh on PATH";

/// The command line that runs `file` with `shell` and `arguments` (split on whitespace).
pub fn command(shell: Shell, file: &Path, arguments: &str) -> Result<Vec<String>, String> {
    let f = file.display().to_string();
    let mut argv = match shell {
        Shell::Script | Shell::Bash => {
            vec!["bash".into(), "--noprofile".into(), "--norc".into(), f]
        }
        Shell::Pwsh | Shell::PowerShell => {
            let pwsh = find_pwsh().ok_or_else(|| NO_PWSH.to_string())?;
            vec![
                pwsh.display().to_string(),
                "-NoLogo".into(),
                "-NoProfile".into(),
                "-NonInteractive".into(),
                "-ExecutionPolicy".into(),
                "Unrestricted".into(),
                "-File".into(),
                f,
            ]
        }
    };
    argv.extend(arguments.split_whitespace().map(String::from));
    Ok(argv)
}

/// The file name extension of a script for `shell`.
pub fn extension(shell: Shell) -> &'static str {
    match shell {
        Shell::Pwsh | Shell::PowerShell => "ps1",
        _ => "sh",
    }
}
