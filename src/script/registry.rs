//! The unit registry (单位名录): the canonical names of the units a plan may
//! name, with their aliases (`市知识产权局` = `天津市知识产权局`).
//!
//! It comes from the configuration and is read by scripts through
//! `registry_enabled()`, `is_known_unit(name)`, `canonical_unit(name)` and
//! `nearest_unit(name)`. An empty registry means "not configured": rules that
//! depend on it stay silent.

use std::collections::HashMap;

/// One unit of the registry: its canonical name and the other names it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryUnit {
    pub name: String,
    pub aliases: Vec<String>,
}

/// 单位名录: known units, looked up by canonical name or alias.
#[derive(Debug, Clone, Default)]
pub struct UnitRegistry {
    units: Vec<RegistryUnit>,
    /// Every name and alias to its unit's position in `units`.
    index: HashMap<String, usize>,
}

/// A nearest name is only offered above this similarity (0..1): below it the
/// "suggestion" would be noise.
const MIN_SIMILARITY: f64 = 0.5;

impl UnitRegistry {
    /// A registry of these units. A name listed twice keeps its first unit.
    pub fn new(units: impl IntoIterator<Item = RegistryUnit>) -> UnitRegistry {
        let mut registry = UnitRegistry::default();
        for unit in units {
            registry.add(unit);
        }
        registry
    }

    /// Adds a unit (and its aliases) after the ones already there.
    pub fn add(&mut self, unit: RegistryUnit) {
        let at = self.units.len();
        for name in std::iter::once(&unit.name).chain(&unit.aliases) {
            let name = name.trim();
            if !name.is_empty() {
                self.index.entry(name.to_owned()).or_insert(at);
            }
        }
        self.units.push(unit);
    }

    /// No unit configured: checks against the registry are off.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn units(&self) -> &[RegistryUnit] {
        &self.units
    }

    /// Whether `name` is a canonical name or an alias.
    pub fn is_known(&self, name: &str) -> bool {
        self.index.contains_key(name.trim())
    }

    /// The canonical name `name` stands for, if it is known.
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.index
            .get(name.trim())
            .map(|&i| self.units[i].name.as_str())
    }

    /// The canonical name of the known unit whose name or alias is closest to
    /// `name` (character edit distance), if any is close enough.
    pub fn nearest(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        let mut best: Option<(f64, usize, &str)> = None;
        // Iterate in registry order so that ties resolve the same way every run.
        for (i, unit) in self.units.iter().enumerate() {
            for candidate in std::iter::once(&unit.name).chain(&unit.aliases) {
                let score = strsim::normalized_levenshtein(name, candidate);
                if best.is_none_or(|(s, _, _)| score > s) {
                    best = Some((score, i, unit.name.as_str()));
                }
            }
        }
        best.filter(|(score, _, _)| *score >= MIN_SIMILARITY)
            .map(|(_, _, n)| n)
    }
}
