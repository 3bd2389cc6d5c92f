//! The order a run takes: stages by their `dependsOn` (the previous stage when absent), and
//! within a stage its jobs by theirs (none when absent), one at a time.

use keyless_pipelines::model::{Job, Pipeline, Stage};

/// The stages in an order where every stage comes after those it depends on, with their
/// dependencies; `Err` names a stage that depends on one that does not exist or on itself.
pub fn stage_order(p: &Pipeline) -> Result<Vec<(&Stage, Vec<String>)>, String> {
    let deps: Vec<Vec<String>> = p
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| match &s.depends_on {
            Some(d) => d.clone(),
            None if i > 0 => vec![p.stages[i - 1].name.clone()],
            None => vec![],
        })
        .collect();
    let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
    let order = topo(&names, &deps).map_err(|n| format!("stage '{n}': {}", CYCLE))?;
    Ok(order
        .into_iter()
        .map(|i| (&p.stages[i], deps[i].clone()))
        .collect())
}

/// The jobs of a stage in dependency order, with their dependencies.
pub fn job_order(s: &Stage) -> Result<Vec<(&Job, Vec<String>)>, String> {
    let deps: Vec<Vec<String>> = s
        .jobs
        .iter()
        .map(|j| j.depends_on.clone().unwrap_or_default())
        .collect();
    let names: Vec<&str> = s.jobs.iter().map(|j| j.name.as_str()).collect();
    let order =
        topo(&names, &deps).map_err(|n| format!("job '{n}' of stage '{}': {}", s.name, CYCLE))?;
    Ok(order
        .into_iter()
        .map(|i| (&s.jobs[i], deps[i].clone()))
        .collect())
}

const CYCLE: &str = "its dependsOn names an unknown name or forms a cycle";

/// Indexes in file order, each after its dependencies; `Err` with a name that cannot be
/// placed.
fn topo(names: &[&str], deps: &[Vec<String>]) -> Result<Vec<usize>, String> {
    let mut placed: Vec<usize> = Vec::new();
    while placed.len() < names.len() {
        let next = (0..names.len()).find(|i| {
            !placed.contains(i)
                && deps[*i].iter().all(|d| {
                    names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(d))
                        .is_some_and(|k| placed.contains(&k))
                })
        });
        match next {
            Some(i) => placed.push(i),
            None => {
                let stuck = (0..names.len()).find(|i| !placed.contains(i)).unwrap_or(0);
                return Err(names[stuck].to_string());
            }
        }
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::topo;

    #[test]
    fn dependencies_come_first_and_cycles_are_named() {
        let deps = vec![vec!["c".to_string()], vec![], vec!["b".to_string()]];
        assert_eq!(topo(&["a", "b", "c"], &deps).unwrap(), vec![1, 2, 0]);
        let cyc = vec![vec!["b".to_string()], vec!["a".to_string()]];
        assert_eq!(topo(&["a", "b"], &cyc).unwrap_err(), "a");
        assert!(topo(&["a"], &[vec!["zzz".to_string()]]).is_err());
    }
}
