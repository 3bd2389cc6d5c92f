//! The agent's logging commands a step prints (`##vso[area.action k=v;…]message`), and the
//! masking of secret values in what is shown.

/// One logging command keyless acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCommand {
    /// `task.setvariable variable=x;isOutput=true;isSecret=true]value`.
    SetVariable {
        name: String,
        value: String,
        is_output: bool,
        is_secret: bool,
    },
    /// `task.logissue type=error|warning]message`.
    LogIssue { error: bool, message: String },
    /// `task.complete result=Succeeded|SucceededWithIssues|Failed]`.
    Complete { result: String },
    /// `task.setsecret]value`.
    SetSecret { value: String },
}

/// Reads `value` escaped as the agent escapes logging-command text.
fn unescape(v: &str) -> String {
    v.replace("%3B", ";")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%25", "%")
}

/// The logging command of an output line, when it is one keyless knows.
pub fn parse(line: &str) -> Option<LogCommand> {
    let rest = &line[line.find("##vso[")? + 6..];
    let close = rest.find(']')?;
    let (head, message) = (
        &rest[..close],
        unescape(rest[close + 1..].trim_end_matches(['\r', '\n'])),
    );
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    let prop = |k: &str| {
        props.split(';').find_map(|p| {
            let (n, v) = p.split_once('=')?;
            n.trim().eq_ignore_ascii_case(k).then(|| unescape(v.trim()))
        })
    };
    let flag = |k: &str| prop(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    match command.to_ascii_lowercase().as_str() {
        "task.setvariable" => Some(LogCommand::SetVariable {
            name: prop("variable")?,
            value: message,
            is_output: flag("isOutput"),
            is_secret: flag("isSecret") || flag("issecret"),
        }),
        "task.logissue" => Some(LogCommand::LogIssue {
            error: prop("type").is_some_and(|t| t.eq_ignore_ascii_case("error")),
            message,
        }),
        "task.complete" => Some(LogCommand::Complete {
            result: prop("result").unwrap_or_else(|| "Succeeded".into()),
        }),
        "task.setsecret" => Some(LogCommand::SetSecret { value: message }),
        _ => None,
    }
}

/// `line` with every secret replaced by `***`.
pub fn mask(line: &str, secrets: &[String]) -> String {
    let mut out = line.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_commands_are_read_as_the_agent_reads_them() {
        assert_eq!(
            parse("##vso[task.setvariable variable=out;isOutput=true]a%3Bb"),
            Some(LogCommand::SetVariable {
                name: "out".into(),
                value: "a;b".into(),
                is_output: true,
                is_secret: false
            })
        );
        assert_eq!(
            parse("##vso[task.logissue type=error]bad"),
            Some(LogCommand::LogIssue {
                error: true,
                message: "bad".into()
            })
        );
        assert_eq!(
            parse("##vso[task.complete result=Failed;]done"),
            Some(LogCommand::Complete {
                result: "Failed".into()
            })
        );
        assert_eq!(parse("plain text"), None);
        assert_eq!(parse("##vso[artifact.upload]x"), None);
    }

    #[test]
    fn secrets_are_masked() {
        let s = vec!["hunter2".to_string(), "ab".to_string()];
        assert_eq!(mask("pw=hunter2 ab", &s), "pw=*** ab");
    }
}
