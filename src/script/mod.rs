//! The Rhai sandbox and the plan API that scripts see.
//!
//! Rules (`src/check`) and report scripts (`src/report`) are both untrusted Rhai
//! code run over a parsed [`Plan`]. This module builds the one [`Engine`] they
//! share — a sandbox without file, network, process or module access, with
//! limits on operations, wall-clock time, call depth, expression depth and
//! string, array and map sizes — and registers the read-only plan API
//! ([`api`]): handles over a shared `Arc<Plan>`, so that a property access never
//! copies the model.
//!
//! A script is compiled once ([`compile`]) and run once per plan ([`run`]),
//! from any number of rayon workers: the engine and the compiled [`AST`]s are
//! `Send + Sync` (rhai's `sync` feature), and everything a run produces lives in
//! its own [`ScriptContext`], passed to native functions as the call's tag, so
//! runs over different documents never mix and take no global lock.

pub mod api;
pub mod registry;
pub mod text;

use rhai::{
    CallFnOptions, Dynamic, Engine, EvalAltResult, OptimizationLevel, ParseErrorType, Position,
    Scope, AST,
};
use std::cell::Cell;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use api::{Doc, PlanRef};
pub use registry::{RegistryUnit, UnitRegistry};

use crate::model::{Plan, Span};

/// What a script may spend on one plan. Every limit holds on its own: the first
/// one reached stops the script with a [`ScriptError`] saying which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Rhai operations (roughly: expressions evaluated) per run.
    pub max_operations: u64,
    /// Wall-clock time per run, checked every few hundred operations.
    pub max_time: Duration,
    /// Nested function calls (recursion depth).
    pub max_call_levels: usize,
    /// Nesting of expressions at the top level and inside functions.
    pub max_expr_depth: usize,
    pub max_function_expr_depth: usize,
    /// Bytes in one string.
    pub max_string_size: usize,
    /// Items in one array.
    pub max_array_size: usize,
    /// Entries in one object map.
    pub max_map_size: usize,
}

impl Default for Limits {
    /// Generous for a rule over a plan of thousands of tasks (the bundled rules
    /// spend a few thousand operations on a 100-task plan), small enough that a
    /// runaway script is stopped in a fraction of a second.
    fn default() -> Limits {
        Limits {
            max_operations: 5_000_000,
            max_time: Duration::from_millis(500),
            // Set explicitly: rhai's own defaults differ between debug (8) and
            // release (64) builds, and tests must see what users see.
            max_call_levels: 64,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 4 << 20,
            max_array_size: 20_000,
            max_map_size: 10_000,
        }
    }
}

/// Why a script stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The script does not compile.
    Syntax,
    /// It ran past [`Limits::max_operations`].
    OperationLimit,
    /// It ran past [`Limits::max_time`].
    TimeLimit,
    /// Recursion past [`Limits::max_call_levels`].
    CallDepth,
    /// Expressions nested past [`Limits::max_expr_depth`].
    ExprDepth,
    /// A string, array or map grew past its limit.
    SizeLimit,
    /// Any other error raised while running (a type mismatch, an unknown
    /// property, `throw`, a bad argument to `report`…).
    Runtime,
}

impl FailureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureKind::Syntax => "syntax error",
            FailureKind::OperationLimit => "operation limit reached",
            FailureKind::TimeLimit => "time limit reached",
            FailureKind::CallDepth => "call depth limit reached",
            FailureKind::ExprDepth => "expression depth limit reached",
            FailureKind::SizeLimit => "size limit reached",
            FailureKind::Runtime => "runtime error",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A script that failed to compile or to run, with where in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub kind: FailureKind,
    /// Rhai's message, without its position suffix.
    pub message: String,
    /// 1-based line and character column in the script, when rhai knows them.
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}

impl ScriptError {
    fn at(kind: FailureKind, message: String, pos: Position) -> ScriptError {
        ScriptError {
            kind,
            message,
            line: pos.line().map(|l| l as u32),
            column: pos.position().map(|c| c.max(1) as u32),
        }
    }

    fn from_parse(err: &rhai::ParseError) -> ScriptError {
        let kind = match err.err_type() {
            ParseErrorType::ExprTooDeep => FailureKind::ExprDepth,
            ParseErrorType::LiteralTooLarge(..) => FailureKind::SizeLimit,
            _ => FailureKind::Syntax,
        };
        ScriptError::at(kind, err.err_type().to_string(), err.position())
    }

    fn from_eval(err: &EvalAltResult) -> ScriptError {
        // An error inside a script function comes wrapped once per call level;
        // the innermost one says what happened and where.
        let mut outer_pos = err.position();
        let mut err = err;
        while let EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) = err {
            if !pos.is_none() {
                outer_pos = *pos;
            }
            err = inner;
        }
        let pos = if err.position().is_none() {
            outer_pos
        } else {
            err.position()
        };
        let kind = match err {
            EvalAltResult::ErrorTooManyOperations(..) => FailureKind::OperationLimit,
            EvalAltResult::ErrorTerminated(..) => FailureKind::TimeLimit,
            EvalAltResult::ErrorStackOverflow(..) => FailureKind::CallDepth,
            EvalAltResult::ErrorDataTooLarge(..) => FailureKind::SizeLimit,
            EvalAltResult::ErrorParsing(ParseErrorType::ExprTooDeep, _) => FailureKind::ExprDepth,
            EvalAltResult::ErrorParsing(..) => FailureKind::Syntax,
            _ => FailureKind::Runtime,
        };
        let message = match err {
            EvalAltResult::ErrorTerminated(..) => "script ran past its time limit".to_owned(),
            EvalAltResult::ErrorStackOverflow(..) => {
                "function calls nested too deeply (unbounded recursion?)".to_owned()
            }
            EvalAltResult::ErrorTooManyOperations(..) => {
                "script ran past its operation limit (an endless loop?)".to_owned()
            }
            // A native function's error: its own words, without rhai's
            // "Runtime error: " (the kind already says so).
            EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
            // rhai's Display appends " (line L, position C)": we keep the
            // position apart, so strip it.
            _ => strip_position(&err.to_string()),
        };
        ScriptError::at(kind, message, pos)
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" (line ") {
        Some(i) if msg.ends_with(')') => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}

/// What one run of a script over one plan sees and produces: the call's tag.
#[derive(Debug)]
pub struct ScriptContext {
    pub doc: Arc<Doc>,
    /// The script's options (`option("max_led", 8)`), from the configuration.
    pub options: rhai::Map,
    pub registry: Arc<UnitRegistry>,
    /// What the script reported, in call order.
    pub reports: Mutex<Vec<Report>>,
}

impl ScriptContext {
    pub fn new(doc: Arc<Doc>, options: rhai::Map, registry: Arc<UnitRegistry>) -> ScriptContext {
        ScriptContext {
            doc,
            options,
            registry,
            reports: Mutex::new(Vec::new()),
        }
    }

    /// Takes what the script reported.
    pub fn take_reports(&self) -> Vec<Report> {
        match self.reports.lock() {
            Ok(mut reports) => std::mem::take(&mut *reports),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

/// One `report(element, message, #{…})` call of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The element's span, with line and column.
    pub span: Span,
    /// The number of the task the element belongs to.
    pub task: Option<u32>,
    pub message: String,
    pub help: Option<String>,
    /// A certain replacement of the text at `span`.
    pub fix: Option<String>,
    /// An uncertain replacement, shown but never applied.
    pub suggestion: Option<String>,
    /// The finding's own default severity, for a rule whose findings differ
    /// (a repeated number is an error, a gap a warning); the configuration
    /// still overrides it.
    pub severity: Option<crate::finding::Severity>,
}

thread_local! {
    /// When the run on this thread must stop. rhai's progress callback gets
    /// no context, and the engine is shared by every worker, so the per-run
    /// deadline lives with the thread that runs it (a run never leaves it).
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets this thread's deadline for the length of a run, restoring the previous
/// one after (so that a nested run cannot lift an outer deadline).
struct DeadlineGuard(Option<Instant>);

impl DeadlineGuard {
    fn set(deadline: Instant) -> DeadlineGuard {
        DeadlineGuard(DEADLINE.with(|d| d.replace(Some(deadline))))
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.0));
    }
}

/// The name of the native no-op the runner calls after the top-level code:
/// calling a function is what lets a run carry its own tag.
const END_FN: &str = "__planlint_end";

/// A sandboxed engine with the plan API registered: add your own functions
/// (rules add `report`) and then share it, read-only, between threads.
pub fn new_engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(rhai::packages::Package::as_shared_module(
        &rhai::packages::StandardPackage::new(),
    ));
    // `no_module` is on (no `import`); `eval` would compile text the rule built
    // at run time, outside every check made at load time.
    engine.disable_symbol("eval");
    // Full optimisation would run registered functions with constant arguments
    // at compile time: a `report(#{start: 0, end: 0}, "…")` would fire while
    // compiling, for no plan at all.
    engine.set_optimization_level(OptimizationLevel::Simple);
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.on_progress(|ops| {
        // Reading the clock on every operation would cost more than the rule.
        if ops % 512 != 0 {
            return None;
        }
        let late = DEADLINE.with(|d| d.get().is_some_and(|deadline| Instant::now() >= deadline));
        late.then(|| Dynamic::from("time limit"))
    });
    // Scripts must never write to stdout: it carries JSON and SARIF.
    engine.on_print(|s| {
        let _ = writeln!(std::io::stderr().lock(), "{s}");
    });
    engine.on_debug(|s, source, pos| {
        let mut err = std::io::stderr().lock();
        let _ = match (source, pos.line()) {
            (Some(src), Some(line)) => writeln!(err, "[{src}:{line}] {s}"),
            _ => writeln!(err, "{s}"),
        };
    });
    engine.register_fn(END_FN, || ());
    api::register(&mut engine);
    engine
}

/// The scope a script is compiled against: only `plan` is defined.
fn compile_scope() -> Scope<'static> {
    let mut scope = Scope::new();
    // Not a constant: the optimiser would fold a constant's (placeholder) value
    // into the compiled script.
    scope.push_dynamic("plan", Dynamic::UNIT);
    scope
}

/// Compiles a script once; `source` names it in errors and `debug` output.
pub fn compile(engine: &Engine, source: &str, text: &str) -> Result<AST, ScriptError> {
    let mut ast = engine
        .compile_with_scope(&compile_scope(), text)
        .map_err(|e| ScriptError::from_parse(&e))?;
    ast.set_source(source);
    Ok(ast)
}

/// Runs a compiled script over the context's plan, on this thread, within the
/// time limit. What it reported stays in `ctx`, whatever the outcome.
pub fn run(
    engine: &Engine,
    ast: &AST,
    ctx: &Arc<ScriptContext>,
    limits: &Limits,
) -> Result<(), ScriptError> {
    let mut scope = Scope::new();
    scope.push_constant("plan", PlanRef::new(ctx.doc.clone()));
    let _deadline = DeadlineGuard::set(Instant::now() + limits.max_time);
    let options = CallFnOptions::new()
        .eval_ast(true)
        .rewind_scope(false)
        .in_all_namespaces(true)
        .with_tag(ctx.clone());
    engine
        .call_fn_with_options::<Dynamic>(options, &mut scope, ast, END_FN, ())
        .map(|_| ())
        .map_err(|e| ScriptError::from_eval(&e))
}

/// The context of the running script, from a native function's call.
pub fn context_of(ctx: &rhai::NativeCallContext) -> Result<Arc<ScriptContext>, Box<EvalAltResult>> {
    ctx.tag()
        .and_then(|tag| {
            tag.read_lock::<Arc<ScriptContext>>()
                .map(|c| Arc::clone(&c))
        })
        .ok_or_else(|| "this function is only available while a plan is being checked".into())
}

/// Wraps a plan and its text for scripts.
pub fn doc(plan: Arc<Plan>, text: Arc<str>) -> Arc<Doc> {
    Arc::new(Doc::new(plan, text))
}
