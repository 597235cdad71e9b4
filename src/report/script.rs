//! Running a report script: the bundled kinds and the user's, in the rules'
//! sandbox.
//!
//! A report script is Rhai run once over every plan of the report. It sees:
//!
//! - `plans`: the plans, each with `file` (the 文件 label), `path`, `plan` (the
//!   plan API of [`crate::script`], the same one rules see), `index`, and
//!   `key(task.index)` (the task's 序号, see [`super::document::task_keys`]);
//! - `progress`: the checked progress file, or `()`; `progress.get(p,
//!   task.index, unit)` is what `unit` reported on that task of plan `p`, as
//!   `#{status, done, note, line}`, or `()` when it reported nothing;
//! - `as_of`: the `--as-of` date (a `Date`, comparable with deadlines), or `()`;
//! - `sheet`: where it writes: `sheet.title = "…"`, `sheet.columns([...])`
//!   (names, or maps `#{name, kind, width}` with kind `text`, `number`, `date`),
//!   then `sheet.row([...])` once per row;
//! - `groups()`: a collection of items under keys ([`Groups`]), for gathering
//!   rows per unit over many plans in linear time.
//!
//! Before the script, the functions of `rules/reports/roles.rhai` (which column a
//! task's owner goes in) and of the scoring scheme (`weight(role)`, …) are
//! loaded; a script may redefine any of them. Scripts run in the sandbox of
//! [`crate::script`]: no files, no modules, operation and size limits, and an
//! error names the script and the line.

use super::document::Document;
use super::progress::Progress;
use super::sheet::{Cell, Column, ColumnKind, Sheet};
use crate::model::Date;
use crate::script::{self, Doc, FailureKind, Limits, PlanRef, ScriptError};
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext, Scope, AST, INT};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The bundled report kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// 任务分工表: one row per task.
    Tasks,
    /// One row per unit: its tasks by role and deadline, and its weight.
    Units,
    /// 绩效考评: each unit's tasks judged against the progress file, scored
    /// and ranked.
    Score,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Tasks => "tasks",
            Kind::Units => "units",
            Kind::Score => "score",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Tasks, Kind::Units, Kind::Score]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The bundled script of the kind.
    pub fn script(&self) -> ReportScript {
        let (name, text) = match self {
            Kind::Tasks => ("tasks.rhai", TASKS),
            Kind::Units => ("units.rhai", UNITS),
            Kind::Score => ("score.rhai", SCORE),
        };
        ReportScript::bundled(name, text)
    }
}

const TASKS: &str = include_str!("../../rules/reports/tasks.rhai");
const UNITS: &str = include_str!("../../rules/reports/units.rhai");
const SCORE: &str = include_str!("../../rules/reports/score.rhai");
const ROLES: &str = include_str!("../../rules/reports/roles.rhai");

/// The text of a report script and the name its errors carry.
#[derive(Debug, Clone)]
pub struct ReportScript {
    /// `rules/reports/tasks.rhai` for a bundled one, the path for a user's.
    pub name: String,
    pub text: Cow<'static, str>,
}

impl ReportScript {
    fn bundled(file: &str, text: &'static str) -> ReportScript {
        ReportScript {
            name: format!("rules/reports/{file}"),
            text: Cow::Borrowed(text),
        }
    }

    /// A user's script.
    pub fn from_file(path: &std::path::Path) -> Result<ReportScript, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Ok(ReportScript {
            name: path.display().to_string(),
            text: Cow::Owned(text),
        })
    }

    /// `rules/reports/roles.rhai`: the role-to-column mapping every report
    /// script starts with.
    pub fn roles() -> ReportScript {
        ReportScript::bundled("roles.rhai", ROLES)
    }
}

/// Why a report script produced no sheet.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: cannot read the report script: {message}")]
    Read { path: PathBuf, message: String },
    /// The script failed to compile or to run.
    #[error("{}", script_error_line(.script, .error))]
    Script { script: String, error: ScriptError },
    /// The script ran but its sheet is not one.
    #[error("{script}: {message}")]
    Sheet { script: String, message: String },
}

fn script_error_line(script: &str, e: &ScriptError) -> String {
    match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{script}:{l}:{c}: {}: {}", e.kind, e.message),
        (Some(l), None) => format!("{script}:{l}: {}: {}", e.kind, e.message),
        _ => format!("{script}: {}: {}", e.kind, e.message),
    }
}

/// What a report script runs over.
pub struct Input<'a> {
    pub documents: &'a [Document],
    /// Each document's text, parallel to `documents` (the plan API reads spans
    /// and sources from it).
    pub texts: &'a [Arc<str>],
    pub progress: Option<&'a Progress>,
    pub as_of: Option<Date>,
}

/// Runs a report script over the input and returns its sheet. `scheme` is the
/// scoring script whose functions (`weight`…) the script may call; it is the
/// bundled `score.rhai` unless the user gives another.
pub fn run(
    script: &ReportScript,
    scheme: &ReportScript,
    input: &Input<'_>,
) -> Result<Sheet, ReportError> {
    let engine = engine(input);
    let scope = scope(input);
    let compile = |s: &ReportScript| -> Result<AST, ReportError> {
        let mut ast = engine
            .compile_with_scope(&scope, s.text.as_ref())
            .map_err(|e| ReportError::Script {
                script: s.name.clone(),
                error: parse_error(&e),
            })?;
        ast.set_source(s.name.as_str());
        Ok(ast)
    };
    let roles = compile(&ReportScript::roles())?;
    let scheme_ast = if scheme.name == script.name {
        None
    } else {
        Some(compile(scheme)?)
    };
    let main = compile(script)?;
    // Later definitions win: the script may redefine what the scheme or the
    // role mapping says.
    let mut ast = roles.clone_functions_only();
    if let Some(scheme_ast) = &scheme_ast {
        ast = ast.merge(&scheme_ast.clone_functions_only());
    }
    ast = ast.merge(&main);

    // Which file defines each function, for errors raised inside one: the
    // merged script has lost the files apart (rhai keeps one source per AST).
    let mut defined_in: HashMap<String, &str> = HashMap::new();
    let layers = [
        Some((&roles, &ReportScript::roles().name)),
        scheme_ast.as_ref().map(|a| (a, &scheme.name)),
        Some((&main, &script.name)),
    ];
    for (layer, name) in layers.into_iter().flatten() {
        for f in layer.iter_functions() {
            defined_in.insert(f.name.to_string(), name.as_str());
        }
    }

    let mut scope = scope;
    engine.run_ast_with_scope(&mut scope, &ast).map_err(|e| {
        let error = eval_error(&e);
        let script = function_at_fault(&e)
            .and_then(|f| defined_in.get(f))
            .map_or_else(|| script.name.clone(), |s| s.to_string());
        ReportError::Script { script, error }
    })?;
    let builder = scope
        .get_value::<SheetBuilder>("sheet")
        .ok_or_else(|| ReportError::Sheet {
            script: script.name.clone(),
            message: "the script replaced `sheet`".into(),
        })?;
    if builder.sheet.columns.is_empty() {
        return Err(ReportError::Sheet {
            script: script.name.clone(),
            message:
                "the script declared no columns: call sheet.columns([...]) before sheet.row([...])"
                    .into(),
        });
    }
    Ok(builder.sheet)
}

/// The rules' sandbox, with a budget that grows with the input (a report runs
/// once over every plan, where a rule runs once per plan), and the report API.
fn engine(input: &Input<'_>) -> Engine {
    let tasks: usize = input.documents.iter().map(|d| d.plan.tasks.len()).sum();
    let rows = input.progress.map_or(0, |p| p.entries.len());
    let limits = Limits {
        max_operations: 2_000_000 + 20_000 * (tasks + rows) as u64,
        max_array_size: 1_000_000,
        max_map_size: 1_000_000,
        ..Limits::default()
    };
    let mut engine = script::new_engine(&limits);
    register(&mut engine);
    engine
}

fn scope(input: &Input<'_>) -> Scope<'static> {
    let plans: Array = input
        .documents
        .iter()
        .zip(input.texts)
        .enumerate()
        .map(|(index, (d, text))| {
            Dynamic::from(PlanEntry {
                index,
                name: d.name.clone(),
                path: d.path.display().to_string(),
                plan: PlanRef::new(Arc::new(Doc::new(d.plan.clone(), text.clone()))),
                keys: Arc::new(d.keys.clone()),
            })
        })
        .collect();
    let progress = match input.progress {
        Some(p) => Dynamic::from(ProgressRef(Arc::new(p.clone()))),
        None => Dynamic::UNIT,
    };
    let as_of = input.as_of.map_or(Dynamic::UNIT, Dynamic::from);
    let mut scope = Scope::new();
    scope.push_constant("plans", plans);
    scope.push_constant_dynamic("progress", progress);
    scope.push_constant_dynamic("as_of", as_of);
    scope.push("sheet", SheetBuilder::default());
    scope
}

/// One plan of the report, as scripts see it (`for p in plans`).
#[derive(Debug, Clone)]
pub struct PlanEntry {
    index: usize,
    name: String,
    path: String,
    plan: PlanRef,
    keys: Arc<Vec<String>>,
}

/// `progress`: the good rows of the progress file.
#[derive(Debug, Clone)]
pub struct ProgressRef(Arc<Progress>);

/// `groups()`: items collected under keys, keys kept in first-seen order.
///
/// Scripts that gather rows per unit over many plans need a large collection,
/// and rhai re-measures an array or map after every change to enforce the size
/// limits, which makes `units[u].rows.push(x)` quadratic: 2,000 plans took
/// minutes. A host type is not re-measured; what goes in it is counted in
/// operations, which the engine limits.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    keys: Vec<String>,
    index: HashMap<String, usize>,
    items: Vec<Array>,
}

impl Groups {
    fn add(&mut self, key: &str, item: Dynamic) {
        let i = match self.index.get(key) {
            Some(&i) => i,
            None => {
                self.keys.push(key.to_string());
                self.items.push(Array::new());
                self.index.insert(key.to_string(), self.items.len() - 1);
                self.items.len() - 1
            }
        };
        self.items[i].push(item);
    }

    fn items(&self, key: &str) -> Array {
        self.index
            .get(key)
            .map(|&i| self.items[i].clone())
            .unwrap_or_default()
    }
}

/// `sheet`: the sheet a script fills.
#[derive(Debug, Clone, Default)]
pub struct SheetBuilder {
    sheet: Sheet,
}

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<PlanEntry>("ReportPlan")
        .register_get("file", |p: &mut PlanEntry| p.name.clone())
        .register_get("path", |p: &mut PlanEntry| p.path.clone())
        .register_get("index", |p: &mut PlanEntry| p.index as INT)
        .register_get("plan", |p: &mut PlanEntry| p.plan.clone())
        .register_fn(
            "key",
            |p: &mut PlanEntry, task: INT| -> RhaiResult<String> {
                usize::try_from(task)
                    .ok()
                    .and_then(|t| p.keys.get(t))
                    .cloned()
                    .ok_or_else(|| {
                        format!("{} has no task at index {task} (pass task.index)", p.name).into()
                    })
            },
        )
        .register_fn("to_string", |p: &mut PlanEntry| p.name.clone())
        .register_fn("to_debug", |p: &mut PlanEntry| {
            format!("ReportPlan({})", p.name)
        });

    engine
        .register_type_with_name::<ProgressRef>("Progress")
        .register_fn(
            "get",
            |p: &mut ProgressRef, plan: PlanEntry, task: INT, unit: &str| -> Dynamic {
                let Ok(task) = usize::try_from(task) else {
                    return Dynamic::UNIT;
                };
                match p.0.get(plan.index, task, unit) {
                    Some(e) => {
                        let mut m = Map::new();
                        m.insert("status".into(), e.status.as_str().into());
                        m.insert("done".into(), e.done.map_or(Dynamic::UNIT, Dynamic::from));
                        m.insert("note".into(), e.note.clone().into());
                        m.insert("line".into(), (e.line as INT).into());
                        m.into()
                    }
                    None => Dynamic::UNIT,
                }
            },
        )
        .register_get("len", |p: &mut ProgressRef| p.0.entries.len() as INT)
        .register_get("file", |p: &mut ProgressRef| p.0.path.display().to_string());

    engine
        .register_type_with_name::<Groups>("Groups")
        .register_fn("groups", Groups::default)
        .register_fn("add", |g: &mut Groups, key: &str, item: Dynamic| {
            g.add(key, item)
        })
        .register_fn("keys", |g: &mut Groups| -> Array {
            g.keys.iter().map(|k| k.as_str().into()).collect()
        })
        .register_fn("items", |g: &mut Groups, key: &str| g.items(key))
        .register_fn("contains", |g: &mut Groups, key: &str| {
            g.index.contains_key(key)
        })
        .register_get("len", |g: &mut Groups| g.keys.len() as INT)
        .register_fn("to_string", |g: &mut Groups| {
            format!("[{} groups]", g.keys.len())
        })
        .register_fn("to_debug", |g: &mut Groups| format!("Groups({:?})", g.keys));

    engine
        .register_type_with_name::<SheetBuilder>("Sheet")
        .register_get("title", |s: &mut SheetBuilder| s.sheet.title.clone())
        .register_set("title", |s: &mut SheetBuilder, title: &str| {
            s.sheet.title = title.to_string()
        })
        .register_get("len", |s: &mut SheetBuilder| s.sheet.rows.len() as INT)
        .register_fn(
            "columns",
            |s: &mut SheetBuilder, columns: Array| -> RhaiResult<()> {
                if !s.sheet.columns.is_empty() {
                    return Err("sheet.columns was already called: a sheet has one header".into());
                }
                if columns.is_empty() {
                    return Err("sheet.columns needs at least one column".into());
                }
                s.sheet.columns = columns.into_iter().map(column).collect::<RhaiResult<_>>()?;
                Ok(())
            },
        )
        .register_fn(
            "row",
            |ctx: NativeCallContext, s: &mut SheetBuilder, cells: Array| -> RhaiResult<()> {
                let _ = ctx;
                let n = s.sheet.columns.len();
                if n == 0 {
                    return Err("sheet.row before sheet.columns: declare the columns first".into());
                }
                if cells.len() != n {
                    return Err(
                        format!("sheet.row got {} cells for {n} columns", cells.len()).into(),
                    );
                }
                let row = cells
                    .into_iter()
                    .zip(&s.sheet.columns)
                    .map(|(v, c)| cell(v, c.kind))
                    .collect();
                s.sheet.rows.push(row);
                Ok(())
            },
        );
}

/// A column declaration: `"序号"` or `#{name: "序号", kind: "number", width: 6}`.
fn column(value: Dynamic) -> RhaiResult<Column> {
    if value.is_string() {
        return Ok(Column {
            name: value.to_string(),
            kind: ColumnKind::Auto,
            width: None,
        });
    }
    let Some(map) = value.read_lock::<Map>().map(|m| m.clone()) else {
        return Err(format!(
            "a column is a name or #{{name, kind, width}}, not {}",
            value.type_name()
        )
        .into());
    };
    let name = map
        .get("name")
        .filter(|n| n.is_string())
        .ok_or("a column map needs a `name` string")?
        .to_string();
    let kind = match map.get("kind") {
        None => ColumnKind::Auto,
        Some(k) => ColumnKind::parse(&k.to_string()).ok_or_else(|| {
            format!("column {name}: kind {k} is not one of auto, text, number, date")
        })?,
    };
    let width = match map.get("width") {
        None => None,
        Some(w) => Some(
            w.as_float()
                .or_else(|_| w.as_int().map(|i| i as f64))
                .map_err(|_| format!("column {name}: width must be a number"))?,
        ),
    };
    Ok(Column { name, kind, width })
}

/// A script value as a cell of a column of `kind`.
fn cell(value: Dynamic, kind: ColumnKind) -> Cell {
    if value.is_unit() {
        return Cell::Empty;
    }
    if let Some(d) = value.clone().try_cast::<Date>() {
        return match kind {
            ColumnKind::Text => Cell::Text(d.to_string()),
            _ => Cell::Date(d),
        };
    }
    if let Ok(i) = value.as_int() {
        return if kind == ColumnKind::Text {
            Cell::Text(i.to_string())
        } else {
            Cell::number(i as f64)
        };
    }
    if let Ok(f) = value.as_float() {
        return if kind == ColumnKind::Text {
            Cell::Text(Cell::number(f).display())
        } else {
            Cell::number(f)
        };
    }
    let text = if value.is_array() {
        // A list of units: one cell, joined the way the plans join them.
        let items: Array = value.cast();
        items
            .into_iter()
            .filter(|v| !v.is_unit())
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("、")
    } else {
        value.to_string()
    };
    match kind {
        ColumnKind::Number => match text.trim().parse::<f64>() {
            Ok(n)
                if text
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') =>
            {
                Cell::number(n)
            }
            _ => Cell::Text(text),
        },
        ColumnKind::Date => Date::parse_iso(&text).map_or(Cell::Text(text), Cell::Date),
        _ if text.is_empty() => Cell::Empty,
        _ => Cell::Text(text),
    }
}

/// The function whose code the error's position lies in, `None` for the
/// top level: the innermost function when the error has a place of its own,
/// else the one that made the failing call.
fn function_at_fault(err: &EvalAltResult) -> Option<&str> {
    let mut chain = Vec::new();
    let mut err = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, _) = err {
        chain.push(name.as_str());
        err = inner;
    }
    if err.position().is_none() {
        chain.pop();
    }
    chain.last().copied()
}

// The two conversions below mirror `ScriptError::from_parse`/`from_eval` of
// `crate::script`, which are private there; a report compiles against its own
// scope (`plans`, `sheet`…), so it cannot use `script::compile`.

fn parse_error(err: &rhai::ParseError) -> ScriptError {
    let kind = match err.err_type() {
        rhai::ParseErrorType::ExprTooDeep => FailureKind::ExprDepth,
        _ => FailureKind::Syntax,
    };
    at(kind, err.err_type().to_string(), err.position())
}

fn eval_error(err: &EvalAltResult) -> ScriptError {
    let mut outer = err.position();
    let mut err = err;
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) = err {
        if !pos.is_none() {
            outer = *pos;
        }
        err = inner;
    }
    let pos = if err.position().is_none() {
        outer
    } else {
        err.position()
    };
    let kind = match err {
        EvalAltResult::ErrorTooManyOperations(..) => FailureKind::OperationLimit,
        EvalAltResult::ErrorTerminated(..) => FailureKind::TimeLimit,
        EvalAltResult::ErrorStackOverflow(..) => FailureKind::CallDepth,
        EvalAltResult::ErrorDataTooLarge(..) => FailureKind::SizeLimit,
        _ => FailureKind::Runtime,
    };
    let message = match err {
        EvalAltResult::ErrorTooManyOperations(..) => {
            "script ran past its operation limit (an endless loop?)".to_owned()
        }
        EvalAltResult::ErrorStackOverflow(..) => {
            "function calls nested too deeply (unbounded recursion?)".to_owned()
        }
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        _ => {
            let msg = err.to_string();
            match msg.rfind(" (line ") {
                Some(i) if msg.ends_with(')') => msg[..i].to_owned(),
                _ => msg,
            }
        }
    };
    at(kind, message, pos)
}

fn at(kind: FailureKind, message: String, pos: rhai::Position) -> ScriptError {
    ScriptError {
        kind,
        message,
        line: pos.line().map(|l| l as u32),
        column: pos.position().map(|c| c.max(1) as u32),
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
