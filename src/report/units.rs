//! Unit names (单位) made comparable before they are counted.
//!
//! Two plans (or two brackets of one plan) may spell the same unit differently:
//! `市知识产权局` / `天津市知识产权局`, `中国(天津)…` / `中国（天津）…`, or with a
//! stray space from a scraped page. Reports count units, so every name goes
//! through [`UnitNames::canonical`] first: spacing and bracket width are
//! normalised, then the configuration's aliases map a name to its registered
//! form. The plan model keeps names as written; reports read a normalised copy.

use crate::model::{Plan, Role, Unit};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The alias table of the configuration's unit registry, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct UnitNames {
    /// Normalised alias → canonical name.
    aliases: BTreeMap<String, String>,
}

impl UnitNames {
    /// Builds the table from `alias → canonical` pairs (as the `[units]` table
    /// of `planlint.toml` gives them). Aliases are normalised like the names
    /// they will be compared with.
    pub fn new(aliases: BTreeMap<String, String>) -> UnitNames {
        let aliases = aliases
            .into_iter()
            .map(|(alias, canonical)| (tidy(&alias).into_owned(), tidy(&canonical).into_owned()))
            .filter(|(alias, canonical)| alias != canonical)
            .collect();
        UnitNames { aliases }
    }

    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }

    /// The name a unit is counted under.
    pub fn canonical<'a>(&'a self, name: &'a str) -> Cow<'a, str> {
        let tidied = tidy(name);
        match self.aliases.get(tidied.as_ref()) {
            Some(canonical) => Cow::Borrowed(canonical.as_str()),
            None => tidied,
        }
    }

    /// A copy of the plan whose owners carry canonical names, with a unit that
    /// a task names twice (under two spellings) kept once, in its first role,
    /// and [`Plan::units`] recounted. `None` when no name changes, so the caller
    /// can keep sharing the original.
    pub fn normalise_plan(&self, plan: &Plan) -> Option<Plan> {
        let changes = plan
            .tasks
            .iter()
            .flat_map(|t| &t.owners)
            .any(|o| self.canonical(&o.unit) != o.unit.as_str());
        if !changes {
            return None;
        }
        let mut plan = plan.clone();
        for task in &mut plan.tasks {
            let mut seen: Vec<String> = Vec::with_capacity(task.owners.len());
            task.owners.retain_mut(|owner| {
                let name = self.canonical(&owner.unit).into_owned();
                if seen.contains(&name) {
                    return false;
                }
                owner.unit = name.clone();
                seen.push(name);
                true
            });
        }
        plan.units = count_units(&plan);
        Some(plan)
    }
}

/// Every unit the tasks name, in order of first appearance, with its tasks and
/// its role counts (the same shape the parser gives [`Plan::units`]).
fn count_units(plan: &Plan) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut position: BTreeMap<String, usize> = BTreeMap::new();
    for task in &plan.tasks {
        for owner in &task.owners {
            let i = *position.entry(owner.unit.clone()).or_insert_with(|| {
                units.push(Unit {
                    name: owner.unit.clone(),
                    tasks: Vec::new(),
                    lead: 0,
                    responsible: 0,
                    cooperate: 0,
                });
                units.len() - 1
            });
            let unit = &mut units[i];
            if unit.tasks.last() != Some(&task.index) {
                unit.tasks.push(task.index);
            }
            match owner.role {
                Role::Lead => unit.lead += 1,
                Role::Responsible => unit.responsible += 1,
                Role::Cooperate => unit.cooperate += 1,
            }
        }
    }
    units
}

/// Removes every kind of space (scraped pages put U+3000 and U+00A0 inside
/// names) and writes ASCII round brackets full-width, as official names do.
fn tidy(name: &str) -> Cow<'_, str> {
    if !name
        .chars()
        .any(|c| c.is_whitespace() || c == '(' || c == ')')
    {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Owner, Span, Task};

    fn owner(unit: &str, role: Role) -> Owner {
        Owner {
            unit: unit.into(),
            role,
            wording: String::new(),
            span: Span::default(),
        }
    }

    fn task(index: usize, owners: Vec<Owner>) -> Task {
        Task {
            index,
            number: index as u32 + 1,
            marker: format!("{}.", index + 1),
            level: crate::model::Level::Item,
            path: vec![],
            chapter: None,
            section: None,
            title: None,
            text: String::new(),
            owners,
            deadline: Default::default(),
            targets: vec![],
            bracket: None,
            span: Span::default(),
        }
    }

    #[test]
    fn aliases_merge_units_and_spacing_does_not_split_them() {
        let names = UnitNames::new(BTreeMap::from([(
            "天津市知识产权局".to_string(),
            "市知识产权局".to_string(),
        )]));
        assert_eq!(names.canonical("天津市知识产权局"), "市知识产权局");
        assert_eq!(names.canonical(" 天津市 知识产权局"), "市知识产权局");
        assert_eq!(
            names.canonical("中国(天津)知识产权保护中心"),
            "中国（天津）知识产权保护中心"
        );
        let plan = Plan {
            tasks: vec![
                task(
                    0,
                    vec![
                        owner("市知识产权局", Role::Lead),
                        owner("天津市知识产权局", Role::Responsible),
                    ],
                ),
                task(
                    1,
                    vec![
                        owner("天津市知识产权局", Role::Cooperate),
                        owner("市公安局", Role::Responsible),
                    ],
                ),
            ],
            ..Plan::default()
        };
        let plan = names.normalise_plan(&plan).unwrap();
        assert_eq!(
            plan.tasks[0].owners,
            vec![owner("市知识产权局", Role::Lead)]
        );
        assert_eq!(plan.units.len(), 2);
        assert_eq!(plan.units[0].name, "市知识产权局");
        assert_eq!(plan.units[0].tasks, vec![0, 1]);
        assert_eq!((plan.units[0].lead, plan.units[0].cooperate), (1, 1));
        assert!(UnitNames::default()
            .normalise_plan(&Plan::default())
            .is_none());
    }
}
