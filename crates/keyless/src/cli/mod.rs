//! The command line: `serve` runs the server; every other command is a client of its APIs
//! (admin, Graph, DevOps, ARM), so the CLI exercises the same checks as real tools.

mod account;
mod admin;
mod agents;
mod apply;
mod audit;
mod azcli;
mod backup;
mod child;
mod client;
mod directory;
mod doctor;
mod exec;
mod explain;
mod help;
mod job_env;
mod job_tokens;
mod kek;
mod keys;
mod lifecycle;
mod lint;
mod lint_files;
mod lint_live;
mod login;
mod meta;
mod org_identity;
mod org_people;
pub mod output;
mod pipeline;
mod pipeline_files;
mod project;
mod run;
mod sc;
mod sc_ops;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "keyless",
    version,
    about = "Secretless Azure service connections on one machine: pipeline OIDC, Entra token endpoint and ARM."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub output: output::OutputArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (every plane on one HTTPS origin).
    Serve(serve::ServeArgs),
    /// Apply a world file (idempotent): tenants, apps, subscriptions, organizations…
    Apply(apply::ApplyArgs),
    /// The demo environment.
    Demo {
        #[command(subcommand)]
        command: serve::DemoCommand,
    },
    /// Explain an error code or a pasted error message: cause, checks, fix.
    Explain(explain::ExplainArgs),
    /// Read the audit log: every token, job-token and ARM decision (administrators).
    Audit(audit::AuditArgs),
    /// Diagnose one service connection: a checklist of OK / WARN / FAIL lines with the
    /// catalogue code and fix (administrators of keyless or of the connection).
    Doctor(doctor::DoctorArgs),
    /// Check pipeline files: tasks and inputs against workload identity federation, container
    /// resources, connections from run-time variables, connection types; with --org and
    /// --project also the connections on a server.
    Lint(lint::LintArgs),
    /// Personal access tokens.
    Pat {
        #[command(subcommand)]
        command: admin::PatCommand,
    },
    /// Tenants.
    Tenant {
        #[command(subcommand)]
        command: admin::TenantCommand,
    },
    /// Store the server URL and a personal access token for the other commands.
    Login(login::LoginArgs),
    /// Users of a tenant, their directory roles, guests.
    User {
        #[command(subcommand)]
        command: directory::UserCommand,
    },
    /// DevOps organizations.
    Org {
        #[command(subcommand)]
        command: admin::OrgCommand,
    },
    /// Projects of an organization.
    Project {
        #[command(subcommand)]
        command: project::ProjectCommand,
    },
    /// Subscriptions.
    Subscription {
        #[command(subcommand)]
        command: admin::SubscriptionCommand,
    },
    /// Pipelines of a project and their permissions.
    Pipeline {
        #[command(subcommand)]
        command: pipeline::PipelineCommand,
    },
    /// Jobs: start one (Queue builds) and get its SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN.
    Job {
        #[command(subcommand)]
        command: pipeline::JobCommand,
    },
    /// Service connections (Azure DevOps REST shapes).
    Sc {
        #[command(subcommand)]
        command: sc::ScCommand,
    },
    /// Run a command as a step of a job that may use a service connection, with every
    /// variable a task or tool expects (SYSTEM_*, AZURESUBSCRIPTION_*, AZURE_*, ARM_*, a
    /// federated token file kept fresh); --az signs in a private Azure CLI first.
    ///
    /// Example: keyless exec --org contoso --project web --connection demo-connection -- terraform plan
    Exec(exec::ExecArgs),
    /// Run a pipeline on this machine as an agent would: the pipeline saved and a run queued
    /// in keyless, its jobs in dependency order with real job tokens and ID tokens, scripts
    /// with bash or PowerShell, AzureCLI@2/@3 with the Azure CLI; a summary that explains
    /// known errors; the run's exit code.
    ///
    /// Example: keyless run azure-pipelines.yml --org contoso --project web
    Run(run::RunArgs),
    /// Copy the SQLite database to FILE while the server runs (a consistent snapshot).
    Backup(backup::BackupArgs),
    /// Replace the SQLite database with a backup; stop the server first (refused, changing
    /// nothing, while a keyless process has the database open).
    Restore(backup::RestoreArgs),
    /// The key-encryption key: rotate it (servers stopped).
    Kek {
        #[command(subcommand)]
        command: kek::KekCommand,
    },
    /// Agent pools of an organization: the Microsoft-hosted one and self-hosted ones.
    Pool {
        #[command(subcommand)]
        command: agents::PoolCommand,
    },
    /// Agents of a self-hosted pool, each optionally on an Azure VM.
    Agent {
        #[command(subcommand)]
        command: agents::AgentCommand,
    },
    /// Your account: an access token for ARM, as az account get-access-token.
    Account {
        #[command(subcommand)]
        command: account::AccountCommand,
    },
    /// Signing keys of the issuers: list, rotate (administrators).
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Where the CLI points: server URL, user, token expiry, whether the server is ready.
    ///
    /// Example: keyless status
    Status(meta::StatusArgs),
    /// Print shell completions: bash, zsh, fish, powershell or elvish.
    ///
    /// Example: keyless completion bash > /etc/bash_completion.d/keyless
    Completion(meta::CompletionArgs),
    /// Print the manual page, or write one page per command into a folder.
    ///
    /// Example: keyless man --dir /usr/local/share/man/man1
    Man(meta::ManArgs),
}

/// The command tree with each command's examples: what parses the arguments, and what
/// completions and manual pages are generated from.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    help::with_examples(Cli::command())
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    output::init(cli.output);
    match cli.command {
        Command::Serve(a) => serve::serve(a).await,
        Command::Demo { command } => serve::demo(command),
        Command::Explain(a) => Ok(explain::explain(&a)),
        Command::Apply(a) => apply::apply(a).await,
        Command::Audit(a) => audit::audit(a).await,
        Command::Doctor(a) => doctor::doctor(a).await,
        Command::Lint(a) => lint::lint(a).await,
        Command::Pat { command } => admin::pat(command).await,
        Command::Tenant { command } => admin::tenant(command).await,
        Command::User { command } => directory::user(command).await,
        Command::Login(a) => login::login(a).await,
        Command::Org { command } => admin::org(command).await,
        Command::Project { command } => project::project(command).await,
        Command::Subscription { command } => admin::subscription(command).await,
        Command::Pipeline { command } => pipeline::pipeline(command).await,
        Command::Job { command } => pipeline::job(command).await,
        Command::Sc { command } => sc::sc(command).await,
        Command::Keys { command } => keys::keys(command).await,
        Command::Account { command } => account::account(command).await,
        Command::Backup(a) => backup::backup(a).await,
        Command::Kek { command } => kek::kek(command).await,
        Command::Restore(a) => backup::restore(a).await,
        Command::Pool { command } => agents::pool(command).await,
        Command::Agent { command } => agents::agent(command).await,
        Command::Exec(a) => exec::exec(a).await,
        Command::Run(a) => run::run(a).await,
        Command::Status(a) => meta::status(a).await,
        Command::Completion(a) => Ok(meta::completion(&a)),
        Command::Man(a) => meta::man(&a),
    }
}

#[cfg(test)]
mod tests {
    use super::command;

    /// Every command with what is missing from its help: a one-line description, an
    /// example (`Example:` in the long help of a command without subcommands), a
    /// description of each argument.
    fn missing(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        let path = format!("{path} {}", cmd.get_name());
        if cmd.get_about().is_none() {
            out.push(format!("{path}: no description"));
        }
        let leaf = !cmd.has_subcommands();
        let example = cmd
            .get_long_about()
            .is_some_and(|a| a.to_string().contains("Example"))
            || cmd
                .get_after_help()
                .is_some_and(|a| a.to_string().contains("Example"));
        if leaf && !example {
            out.push(format!("{path}: no example"));
        }
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if a.get_help().is_none() && !matches!(id, "help" | "version") {
                out.push(format!("{path}: argument {id} undescribed"));
            }
        }
        for s in cmd.get_subcommands() {
            missing(s, &path, out);
        }
    }

    #[test]
    fn every_command_and_flag_has_help_and_every_command_an_example() {
        let mut out = Vec::new();
        missing(&command(), "", &mut out);
        assert!(out.is_empty(), "{}", out.join("\n"));
    }

    #[test]
    fn the_definitions_are_consistent() {
        command().debug_assert();
    }
}
