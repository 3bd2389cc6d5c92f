//! The command line: `serve` runs the server; every other command is a client of its APIs
//! (admin, Graph, DevOps, ARM), so the CLI exercises the same checks as real tools.

mod admin;
mod agents;
mod audit;
mod azcli;
mod child;
mod client;
mod directory;
mod doctor;
mod exec;
mod explain;
mod job_env;
mod job_tokens;
mod keys;
mod lint;
mod lint_files;
mod lint_live;
mod login;
mod org_identity;
mod org_people;
mod pipeline;
mod pipeline_files;
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
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (every plane on one HTTPS origin).
    Serve(serve::ServeArgs),
    /// Apply a world file (idempotent): tenants, apps, subscriptions, organizations…
    Apply(admin::ApplyArgs),
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
        command: admin::ProjectCommand,
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
    /// Signing keys of the issuers: list, rotate (administrators).
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::serve(a).await,
        Command::Demo { command } => serve::demo(command),
        Command::Explain(a) => Ok(explain::explain(&a)),
        Command::Apply(a) => admin::apply(a).await,
        Command::Audit(a) => audit::audit(a).await,
        Command::Doctor(a) => doctor::doctor(a).await,
        Command::Lint(a) => lint::lint(a).await,
        Command::Pat { command } => admin::pat(command).await,
        Command::Tenant { command } => admin::tenant(command).await,
        Command::User { command } => directory::user(command).await,
        Command::Login(a) => login::login(a).await,
        Command::Org { command } => admin::org(command).await,
        Command::Project { command } => admin::project(command).await,
        Command::Subscription { command } => admin::subscription(command).await,
        Command::Pipeline { command } => pipeline::pipeline(command).await,
        Command::Job { command } => pipeline::job(command).await,
        Command::Sc { command } => sc::sc(command).await,
        Command::Keys { command } => keys::keys(command).await,
        Command::Pool { command } => agents::pool(command).await,
        Command::Agent { command } => agents::agent(command).await,
        Command::Exec(a) => exec::exec(a).await,
        Command::Run(a) => run::run(a).await,
    }
}
