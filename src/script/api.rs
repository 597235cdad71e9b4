//! The read-only plan API scripts see.
//!
//! Every model element is a small handle: the shared [`Doc`] (the plan and its
//! text behind one `Arc`) plus the indices that find the element. Getters read
//! through the handle, so `task.owners` or `plan.tasks` never copy the model:
//! lists are [`List`] handles that are iterated, indexed and filtered lazily.
//! Optional values that are missing read as `()`.
//!
//! Besides the model, scripts get a few helpers that are too slow to write in
//! Rhai over every character of a plan: `source(x)` (of an array: the texts
//! of its elements, joined), `distinct_chars(s)`, `text_before(x, n)`,
//! `text_after(x, n)`, `find_all(x, needle)`, `find_any(x, chars)`,
//! `find_in_chinese(x, chars)`, `group_by_line(xs)`, `chunk_by(values, keys)`,
//! `splice(spans, map)`,
//! `is_han(s)`, `is_cjk(s)`, `has_han(s)`, `has_cjk(s)`; dates (`date(y, m, d)`, comparisons,
//! `days_until`); `option(name, default)` and the unit registry
//! (`registry_enabled()`, `is_known_unit`, `canonical_unit`, `nearest_unit`).

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, NativeCallContext, FLOAT, INT,
};
use std::sync::{Arc, LazyLock, OnceLock};

use super::context_of;
use super::text::{is_cjk, is_han};
use crate::load::LineIndex;
use crate::model::{
    Chapter, Comparator, Date, DateMention, Deadline, DeadlineKind, DocNumber, Goal, Level, Owner,
    Plan, Role, Section, Span, Target, Task, Unit,
};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// A plan with the text it was read from: what every handle shares.
#[derive(Debug)]
pub struct Doc {
    pub plan: Arc<Plan>,
    pub text: Arc<str>,
    lines: OnceLock<LineIndex>,
    /// The strings scripts read most, made once per plan and shared by every
    /// rule: a getter hands out a reference-counted copy instead of
    /// allocating a new string on each access.
    owner_units: OnceLock<Vec<Vec<ImmutableString>>>,
    task_markers: OnceLock<Vec<ImmutableString>>,
    task_parent_paths: OnceLock<Vec<ImmutableString>>,
    /// Task and owner index of each owner of the plan, task after task
    /// (`plan.owners`).
    all_owners: OnceLock<Vec<(usize, usize)>>,
}

impl Doc {
    pub fn new(plan: Arc<Plan>, text: Arc<str>) -> Doc {
        Doc {
            plan,
            text,
            lines: OnceLock::new(),
            owner_units: OnceLock::new(),
            task_markers: OnceLock::new(),
            task_parent_paths: OnceLock::new(),
            all_owners: OnceLock::new(),
        }
    }

    /// The unit of owner `o` of task `t`.
    fn owner_unit(&self, t: usize, o: usize) -> ImmutableString {
        self.owner_units.get_or_init(|| {
            self.plan
                .tasks
                .iter()
                .map(|t| t.owners.iter().map(|o| o.unit.as_str().into()).collect())
                .collect()
        })[t][o]
            .clone()
    }

    /// Task and owner index of every owner of the plan, in order.
    fn all_owners(&self) -> &[(usize, usize)] {
        self.all_owners.get_or_init(|| {
            self.plan
                .tasks
                .iter()
                .enumerate()
                .flat_map(|(t, task)| (0..task.owners.len()).map(move |o| (t, o)))
                .collect()
        })
    }

    /// The marker of task `t` (`12.`).
    /// The markers above task `t` (`一、（一）`): the same for tasks that
    /// share a parent, whatever the level.
    fn task_parent_path(&self, t: usize) -> ImmutableString {
        self.task_parent_paths.get_or_init(|| {
            self.plan
                .tasks
                .iter()
                .map(|t| t.path[..t.path.len().saturating_sub(1)].concat().into())
                .collect()
        })[t]
            .clone()
    }

    fn task_marker(&self, t: usize) -> ImmutableString {
        self.task_markers.get_or_init(|| {
            self.plan
                .tasks
                .iter()
                .map(|t| t.marker.as_str().into())
                .collect()
        })[t]
            .clone()
    }

    /// A span of `start..end` with its line and column, if it lies on
    /// character boundaries inside the text.
    pub fn span(&self, start: usize, end: usize) -> Option<Span> {
        if start > end || !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return None;
        }
        let lines = self.lines.get_or_init(|| LineIndex::new(&self.text));
        let (line, column) = lines.locate(&self.text, start);
        Some(Span {
            start,
            end,
            line,
            column,
        })
    }

    /// The text under a span (empty when the span does not fit the text).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// Where a finding about the whole plan points: its title, else the start.
    pub fn plan_span(&self) -> Span {
        self.plan.title_span.unwrap_or(Span {
            start: 0,
            end: 0,
            line: 1,
            column: 1,
        })
    }
}

// ---------------------------------------------------------------------------
// Handles

/// `plan`: the whole plan.
#[derive(Debug, Clone)]
pub struct PlanRef {
    doc: Arc<Doc>,
}

impl PlanRef {
    pub fn new(doc: Arc<Doc>) -> PlanRef {
        PlanRef { doc }
    }
}

macro_rules! handle {
    ($(#[$m:meta])* $name:ident { $($field:ident: $ty:ty),* }) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name {
            doc: Arc<Doc>,
            $($field: $ty),*
        }
    };
}

handle!(/// A chapter (章, `一、…`).
    ChapterRef { c: usize });
handle!(/// A section (节, `（一）…`) of a chapter.
    SectionRef { c: usize, s: usize });
handle!(/// A task (任务).
    TaskRef { t: usize });
handle!(/// An owner (责任单位) of a task.
    OwnerRef { t: usize, o: usize });
handle!(/// The deadline (完成时限) of a task; present even when the task has none.
    DeadlineRef { t: usize });
handle!(/// The responsibility bracket of a task.
    BracketRef { t: usize });
handle!(/// The goal (目标) of a chapter.
    GoalRef { c: usize });
handle!(/// A quantitative target (量化指标) of a task or of a chapter's goal.
    TargetRef { of: TargetOf, i: usize });
handle!(/// A document number (文号): the plan's own (`which: None`) or a reference.
    DocNumberRef { which: Option<usize> });
handle!(/// A calendar date as written: the issue date (`which: None`) or any other.
    DateMentionRef { which: Option<usize> });
handle!(/// A unit (单位) named somewhere in the plan.
    UnitRef { u: usize });
handle!(/// The period (实施期限) the plan covers.
    PeriodRef {});
handle!(/// A span of the text, with line and column.
    SpanRef { span: Span });

/// Whose target a [`TargetRef`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetOf {
    Task(usize),
    Goal(usize),
}

impl ChapterRef {
    fn get(&self) -> &Chapter {
        &self.doc.plan.chapters[self.c]
    }
}
impl SectionRef {
    fn get(&self) -> &Section {
        &self.doc.plan.chapters[self.c].sections[self.s]
    }
}
impl TaskRef {
    fn get(&self) -> &Task {
        &self.doc.plan.tasks[self.t]
    }
}
impl OwnerRef {
    fn get(&self) -> &Owner {
        &self.doc.plan.tasks[self.t].owners[self.o]
    }
}
impl DeadlineRef {
    fn get(&self) -> &Deadline {
        &self.doc.plan.tasks[self.t].deadline
    }
}
impl GoalRef {
    fn get(&self) -> Option<&Goal> {
        self.doc.plan.chapters[self.c].goal.as_ref()
    }
}
impl TargetRef {
    fn get(&self) -> Option<&Target> {
        let plan = &self.doc.plan;
        match self.of {
            TargetOf::Task(t) => plan.tasks[t].targets.get(self.i),
            TargetOf::Goal(c) => plan.chapters[c].goal.as_ref()?.targets.get(self.i),
        }
    }
}
impl DocNumberRef {
    fn get(&self) -> Option<&DocNumber> {
        match self.which {
            None => self.doc.plan.doc_number.as_ref(),
            Some(i) => self.doc.plan.references.get(i),
        }
    }
}
impl DateMentionRef {
    fn get(&self) -> Option<&DateMention> {
        match self.which {
            None => self.doc.plan.issued_mention.as_ref(),
            Some(i) => self.doc.plan.dates.get(i),
        }
    }
}
impl UnitRef {
    fn get(&self) -> &Unit {
        &self.doc.plan.units[self.u]
    }
}

/// What a script may pass to `report` and the text helpers: any handle with a
/// place in the text, an explicit span map `#{start, end}`, or a `Span`.
pub struct Located {
    pub span: Span,
    /// Index of the task the element belongs to.
    pub task: Option<usize>,
    /// The element has no place of its own (a missing deadline): `span` is its
    /// task's, or the plan's. A fix there would replace the wrong text.
    pub borrowed: bool,
}

fn locate_handle(value: &Dynamic) -> Option<(Arc<Doc>, Located)> {
    macro_rules! try_as {
        ($t:ty, |$h:ident| $span:expr, $task:expr) => {
            if let Some($h) = value.read_lock::<$t>() {
                let task: Option<usize> = $task;
                let span: Option<Span> = $span;
                let doc = $h.doc.clone();
                let borrowed = span.is_none();
                // An element without a place of its own (a missing deadline)
                // stands where its task does; a plan-level one at the title.
                let span = span
                    .or_else(|| task.map(|t| doc.plan.tasks[t].span))
                    .unwrap_or_else(|| doc.plan_span());
                return Some((
                    doc,
                    Located {
                        span,
                        task,
                        borrowed,
                    },
                ));
            }
        };
    }
    // Spans first: the marks of text searches are what rules pass most, one
    // or more per finding.
    try_as!(
        SpanRef,
        |h| Some(h.span),
        task_at(&h.doc.plan, h.span.start)
    );
    try_as!(TaskRef, |h| Some(h.get().span), Some(h.t));
    try_as!(OwnerRef, |h| Some(h.get().span), Some(h.t));
    try_as!(DeadlineRef, |h| h.get().span, Some(h.t));
    try_as!(
        BracketRef,
        |h| h.doc.plan.tasks[h.t].bracket.as_ref().map(|b| b.span),
        Some(h.t)
    );
    try_as!(
        TargetRef,
        |h| h.get().map(|t| t.span),
        match h.of {
            TargetOf::Task(t) => Some(t),
            TargetOf::Goal(_) => None,
        }
    );
    try_as!(ChapterRef, |h| Some(h.get().span), None);
    try_as!(SectionRef, |h| Some(h.get().span), None);
    try_as!(GoalRef, |h| h.get().map(|g| g.span), None);
    try_as!(DocNumberRef, |h| h.get().map(|d| d.span), None);
    try_as!(DateMentionRef, |h| h.get().map(|d| d.span), None);
    try_as!(
        PeriodRef,
        |h| h.doc.plan.period.as_ref().and_then(|p| p.span),
        None
    );
    try_as!(UnitRef, |h| first_mention(&h.doc.plan, h.get()), None);
    try_as!(PlanRef, |h| None, None);
    None
}

/// Resolves what a script named as a place: a handle, a `Span`, or a map
/// `#{start, end}` of byte offsets into the plan's text.
pub fn locate(doc: &Doc, value: &Dynamic) -> RhaiResult<Located> {
    if let Some((_, located)) = locate_handle(value) {
        return Ok(located);
    }
    if let Some(map) = value.read_lock::<rhai::Map>() {
        let offset = |key: &str| -> RhaiResult<usize> {
            let v = map
                .get(key)
                .ok_or_else(|| format!("a span map needs `{key}` (a byte offset)"))?;
            let n = v
                .as_int()
                .map_err(|t| format!("span `{key}` must be an integer, not {t}"))?;
            usize::try_from(n).map_err(|_| format!("span `{key}` must not be negative").into())
        };
        let (start, end) = (offset("start")?, offset("end")?);
        let span = doc.span(start, end).ok_or_else(|| {
            format!(
                "span {start}..{end} does not fit the plan's text ({} bytes) on character boundaries",
                doc.text.len()
            )
        })?;
        return Ok(Located {
            span,
            task: task_at(&doc.plan, start),
            borrowed: false,
        });
    }
    Err(format!(
        "cannot report on a value of type {}: pass a plan element or #{{start, end}}",
        value.type_name()
    )
    .into())
}

/// The chapter and the place in it of the `i`-th section of the plan (`i`
/// below the number of sections). Plans have a few dozen sections at most: a
/// walk over the chapters costs less than an index kept for it.
fn nth_section(plan: &Plan, mut i: usize) -> (usize, usize) {
    for (c, chapter) in plan.chapters.iter().enumerate() {
        if i < chapter.sections.len() {
            return (c, i);
        }
        i -= chapter.sections.len();
    }
    (0, i)
}

/// The task whose span holds `offset`.
fn task_at(plan: &Plan, offset: usize) -> Option<usize> {
    let after = plan.tasks.partition_point(|t| t.span.start <= offset);
    let t = after.checked_sub(1)?;
    (offset < plan.tasks[t].span.end.max(plan.tasks[t].span.start + 1)).then_some(t)
}

/// Where a unit is first named.
fn first_mention(plan: &Plan, unit: &Unit) -> Option<Span> {
    let task = plan.tasks.get(*unit.tasks.first()?)?;
    task.owners
        .iter()
        .find(|o| o.unit == unit.name)
        .map(|o| o.span)
}

// ---------------------------------------------------------------------------
// Lists

/// A list of model elements, read lazily: iterate it with `for`, index it
/// (negative from the end), `len()`, `is_empty()`, `filter`, `map`, `some`,
/// `all`, `find`, `first()`, `last()`, or turn it into an array with `to_array()`.
#[derive(Debug, Clone)]
pub struct List {
    doc: Arc<Doc>,
    kind: ListKind,
}

#[derive(Debug, Clone, Copy)]
enum ListKind {
    Tasks,
    ChapterTasks(usize),
    SectionTasks(usize, usize),
    UnitTasks(usize),
    Chapters,
    Sections(usize),
    /// Every section of the plan, chapter after chapter.
    AllSections,
    Owners(usize),
    /// Every owner of the plan, task after task.
    AllOwners,
    TaskTargets(usize),
    GoalTargets(usize),
    Units,
    References,
    Dates,
    /// The deadline of every task of the plan, task after task.
    Deadlines,
}

/// `list_item!(list, i, |h| expr)`: `expr` over the handle of the element at
/// `i`, whatever its type (one arm per kind of list).
macro_rules! list_item {
    ($list:expr, $i:expr, |$h:pat_param| $body:expr) => {{
        let list: &List = $list;
        let i: usize = $i;
        let doc = list.doc.clone();
        let plan = &list.doc.plan;
        match list.kind {
            ListKind::Tasks
            | ListKind::ChapterTasks(_)
            | ListKind::SectionTasks(..)
            | ListKind::UnitTasks(_) => {
                let t = match list.kind {
                    ListKind::ChapterTasks(c) => plan.chapters[c].tasks[i],
                    ListKind::SectionTasks(c, s) => plan.chapters[c].sections[s].tasks[i],
                    ListKind::UnitTasks(u) => plan.units[u].tasks[i],
                    _ => i,
                };
                let $h = TaskRef { doc, t };
                $body
            }
            ListKind::Chapters => {
                let $h = ChapterRef { doc, c: i };
                $body
            }
            ListKind::Sections(c) => {
                let $h = SectionRef { doc, c, s: i };
                $body
            }
            ListKind::AllSections => {
                let (c, s) = nth_section(plan, i);
                let $h = SectionRef { doc, c, s };
                $body
            }
            ListKind::Owners(t) => {
                let $h = OwnerRef { doc, t, o: i };
                $body
            }
            ListKind::AllOwners => {
                let (t, o) = list.doc.all_owners()[i];
                let $h = OwnerRef { doc, t, o };
                $body
            }
            ListKind::TaskTargets(t) => {
                let $h = TargetRef {
                    doc,
                    of: TargetOf::Task(t),
                    i,
                };
                $body
            }
            ListKind::GoalTargets(c) => {
                let $h = TargetRef {
                    doc,
                    of: TargetOf::Goal(c),
                    i,
                };
                $body
            }
            ListKind::Units => {
                let $h = UnitRef { doc, u: i };
                $body
            }
            ListKind::References => {
                let $h = DocNumberRef {
                    doc,
                    which: Some(i),
                };
                $body
            }
            ListKind::Dates => {
                let $h = DateMentionRef {
                    doc,
                    which: Some(i),
                };
                $body
            }
            ListKind::Deadlines => {
                let $h = DeadlineRef { doc, t: i };
                $body
            }
        }
    }};
}

impl List {
    fn new(doc: &Arc<Doc>, kind: ListKind) -> List {
        List {
            doc: doc.clone(),
            kind,
        }
    }

    pub fn len(&self) -> usize {
        let plan = &self.doc.plan;
        match self.kind {
            ListKind::Tasks => plan.tasks.len(),
            ListKind::ChapterTasks(c) => plan.chapters[c].tasks.len(),
            ListKind::SectionTasks(c, s) => plan.chapters[c].sections[s].tasks.len(),
            ListKind::UnitTasks(u) => plan.units[u].tasks.len(),
            ListKind::Chapters => plan.chapters.len(),
            ListKind::Sections(c) => plan.chapters[c].sections.len(),
            ListKind::AllSections => plan.chapters.iter().map(|c| c.sections.len()).sum(),
            ListKind::Owners(t) => plan.tasks[t].owners.len(),
            ListKind::AllOwners => self.doc.all_owners().len(),
            ListKind::TaskTargets(t) => plan.tasks[t].targets.len(),
            ListKind::GoalTargets(c) => plan.chapters[c]
                .goal
                .as_ref()
                .map_or(0, |g| g.targets.len()),
            ListKind::Units => plan.units.len(),
            ListKind::References => plan.references.len(),
            ListKind::Dates => plan.dates.len(),
            ListKind::Deadlines => plan.tasks.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `i` (which must be below `len()`).
    fn item(&self, i: usize) -> Dynamic {
        list_item!(self, i, |h| Dynamic::from(h))
    }

    /// Hands the handle of the element at `i` to `f`, without making a
    /// script value of it: what a query reads and then drops.
    fn with_item<R>(&self, i: usize, f: impl FnOnce(&mut dyn std::any::Any) -> R) -> R {
        list_item!(self, i, |mut h| f(&mut h))
    }

    /// The type of the handles of the elements.
    fn item_type(&self) -> std::any::TypeId {
        use std::any::TypeId;
        match self.kind {
            ListKind::Tasks
            | ListKind::ChapterTasks(_)
            | ListKind::SectionTasks(..)
            | ListKind::UnitTasks(_) => TypeId::of::<TaskRef>(),
            ListKind::Chapters => TypeId::of::<ChapterRef>(),
            ListKind::Sections(_) | ListKind::AllSections => TypeId::of::<SectionRef>(),
            ListKind::Owners(_) | ListKind::AllOwners => TypeId::of::<OwnerRef>(),
            ListKind::TaskTargets(_) | ListKind::GoalTargets(_) => TypeId::of::<TargetRef>(),
            ListKind::Units => TypeId::of::<UnitRef>(),
            ListKind::References => TypeId::of::<DocNumberRef>(),
            ListKind::Dates => TypeId::of::<DateMentionRef>(),
            ListKind::Deadlines => TypeId::of::<DeadlineRef>(),
        }
    }

    fn index(&self, i: INT) -> RhaiResult<Dynamic> {
        let len = self.len() as INT;
        let at = if i < 0 { len + i } else { i };
        if at < 0 || at >= len {
            return Err(format!("index {i} out of bounds for a list of {len}").into());
        }
        Ok(self.item(at as usize))
    }
}

/// Iterates a [`List`] without materialising it.
pub struct ListIter {
    list: List,
    next: usize,
    len: usize,
}

impl Iterator for ListIter {
    type Item = Dynamic;
    fn next(&mut self) -> Option<Dynamic> {
        (self.next < self.len).then(|| {
            self.next += 1;
            self.list.item(self.next - 1)
        })
    }
}

impl IntoIterator for List {
    type Item = Dynamic;
    type IntoIter = ListIter;
    fn into_iter(self) -> ListIter {
        let len = self.len();
        ListIter {
            list: self,
            next: 0,
            len,
        }
    }
}

// ---------------------------------------------------------------------------
// Conversions

/// The names of a model enum (`lead`, `dated`…) as shared script strings,
/// made once per process: `o.role == "lead"` then allocates nothing.
macro_rules! enum_strings {
    ($name:ident, $ty:ty, [$($v:expr),+]) => {
        fn $name(x: $ty) -> ImmutableString {
            static ALL: LazyLock<Vec<($ty, ImmutableString)>> =
                LazyLock::new(|| vec![$(($v, $v.as_str().into())),+]);
            ALL.iter()
                .find(|(v, _)| *v == x)
                .map_or_else(|| x.as_str().into(), |(_, s)| s.clone())
        }
    };
}

enum_strings!(
    role_str,
    Role,
    [Role::Lead, Role::Responsible, Role::Cooperate]
);
enum_strings!(
    level_str,
    Level,
    [
        Level::Chapter,
        Level::Section,
        Level::Item,
        Level::Subitem,
        Level::Row
    ]
);
enum_strings!(
    kind_str,
    DeadlineKind,
    [
        DeadlineKind::Dated,
        DeadlineKind::Ongoing,
        DeadlineKind::Recurring,
        DeadlineKind::None
    ]
);
enum_strings!(
    comparator_str,
    Comparator,
    [
        Comparator::Ge,
        Comparator::Gt,
        Comparator::Le,
        Comparator::Lt,
        Comparator::Eq,
        Comparator::Approx,
        Comparator::Range
    ]
);

fn opt<T: Into<Dynamic>>(v: Option<T>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Into::into)
}

fn opt_str(v: &Option<String>) -> Dynamic {
    v.as_deref().map_or(Dynamic::UNIT, |s| s.into())
}

fn opt_date(v: Option<Date>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Dynamic::from)
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn days(d: Date) -> i64 {
    d.days_since_epoch()
}

// ---------------------------------------------------------------------------
// Registration

/// Registers the plan API on an engine.
pub fn register(engine: &mut Engine) {
    let mut api = Api {
        engine,
        getters: Getters::default(),
    };
    register_plan(&mut api);
    register_structure(&mut api);
    register_owners(&mut api);
    register_values(&mut api);
    register_lists(&mut api);
    let getters = Arc::new(api.getters);
    register_queries(engine, &getters);
    register_helpers(engine);
}

/// The engine being set up, recording every getter it registers, so that the
/// natives that read one property of many elements (`pluck`, `filter_by`)
/// call the very functions `x.name` calls: one definition of each property.
struct Api<'e> {
    engine: &'e mut Engine,
    getters: Getters,
}

impl Api<'_> {
    fn register_get<T, R>(
        &mut self,
        name: &'static str,
        get: impl Fn(&mut T) -> R + Clone + Send + Sync + 'static,
    ) -> &mut Self
    where
        T: Clone + Send + Sync + 'static,
        R: Clone + Send + Sync + 'static,
    {
        let read = get.clone();
        self.getters
            .0
            .entry(std::any::TypeId::of::<T>())
            .or_default()
            .insert(
                name,
                Arc::new(move |target: Subject<'_>| match target {
                    Subject::Value(value) => value
                        .write_lock::<T>()
                        .map(|mut h| Dynamic::from(read(&mut h))),
                    Subject::Handle(h) => h.downcast_mut::<T>().map(|h| Dynamic::from(read(h))),
                }),
            );
        self.engine.register_get(name, get);
        self
    }

    fn register_fn<A: 'static, const N: usize, const X: bool, R, const F: bool>(
        &mut self,
        name: &'static str,
        func: impl rhai::RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    ) -> &mut Self
    where
        R: Clone + Send + Sync + 'static,
    {
        self.engine.register_fn(name, func);
        self
    }

    fn register_type_with_name<T: Clone + Send + Sync + 'static>(
        &mut self,
        name: &str,
    ) -> &mut Self {
        self.engine.register_type_with_name::<T>(name);
        self
    }
}

/// An element a query reads: an element of a list, lent as a handle and made
/// a script value only if the query returns it, or one in the caller's
/// array, which the query only reads (`xs.pluck(…)` copies no element).
trait Element {
    /// The property of the element that `step` names (a path's first).
    fn read(&mut self, step: &mut Step<'_, '_>) -> RhaiResult<Dynamic>;
    /// The element as a script value.
    fn owned(self) -> Dynamic;
}

impl Element for &mut Dynamic {
    fn read(&mut self, step: &mut Step<'_, '_>) -> RhaiResult<Dynamic> {
        step.of_value(self)
    }
    fn owned(self) -> Dynamic {
        self.clone()
    }
}

/// The element at `i` of a list.
struct ListItem<'l> {
    list: &'l List,
    i: usize,
}

impl Element for ListItem<'_> {
    fn read(&mut self, step: &mut Step<'_, '_>) -> RhaiResult<Dynamic> {
        match step.getter(self.list.item_type()) {
            Some(get) => Ok(self
                .list
                .with_item(self.i, |h| get(Subject::Handle(h)))
                .unwrap_or(Dynamic::UNIT)),
            // Through the value, for the error message that names its type.
            None => step.of_value(&mut self.list.item(self.i)),
        }
    }
    fn owned(self) -> Dynamic {
        self.list.item(self.i)
    }
}

/// One step of a property path, with the getter it found for the type of
/// the last value it read (the elements of a list or an array are usually
/// all of one type).
struct Step<'a, 'g> {
    ctx: &'a NativeCallContext<'a>,
    getters: &'g Getters,
    name: &'a str,
    path: &'a str,
    cached: Option<(std::any::TypeId, &'g Getter)>,
}

impl<'g> Step<'_, 'g> {
    fn getter(&mut self, type_id: std::any::TypeId) -> Option<&'g Getter> {
        match self.cached {
            Some((t, get)) if t == type_id => Some(get),
            _ => {
                let get = self.getters.0.get(&type_id)?.get(self.name)?;
                self.cached = Some((type_id, get));
                Some(get)
            }
        }
    }

    /// The property of a script value: a getter of the API, or the key of an
    /// object map; `()` from `()`, as `?.` gives.
    fn of_value(&mut self, value: &mut Dynamic) -> RhaiResult<Dynamic> {
        if value.is_unit() {
            return Ok(Dynamic::UNIT);
        }
        if value.is_map() {
            let next = value
                .read_lock::<rhai::Map>()
                .and_then(|m| m.get(self.name).cloned());
            return Ok(next.unwrap_or(Dynamic::UNIT));
        }
        match self.getter(value.type_id()) {
            Some(get) => Ok(get(Subject::Value(value)).unwrap_or(Dynamic::UNIT)),
            None => {
                let type_name = self.ctx.engine().map_type_name(value.type_name());
                let (name, path) = (self.name, self.path);
                Err(format!("{type_name} has no property `{name}` (in `{path}`)").into())
            }
        }
    }
}

impl List {
    /// The elements, as a query reads them.
    fn elements(&self) -> impl Iterator<Item = ListItem<'_>> {
        (0..self.len()).map(move |i| ListItem { list: self, i })
    }
}

/// A getter of the API, over a value or a handle of its type (`None` for
/// another type).
type Getter = Arc<dyn Fn(Subject<'_>) -> Option<Dynamic> + Send + Sync>;

/// What a getter reads: a script value, or a handle lent by a [`List`].
enum Subject<'a> {
    Value(&'a mut Dynamic),
    Handle(&'a mut dyn std::any::Any),
}

/// The getters of the API, by handle type and property name.
#[derive(Default)]
struct Getters(
    std::collections::HashMap<std::any::TypeId, std::collections::HashMap<&'static str, Getter>>,
);

impl Getters {
    /// The value at a property path (`deadline.kind`) of each item, in order,
    /// handed to `each` with the item.
    fn read_all<E: Element>(
        &self,
        ctx: &NativeCallContext,
        items: impl Iterator<Item = E>,
        path: &str,
        mut each: impl FnMut(E, Dynamic) -> RhaiResult<()>,
    ) -> RhaiResult<()> {
        let names: Vec<&str> = path.split('.').collect();
        if names.iter().any(|s| s.is_empty()) {
            return Err(format!(
                "`{path}` is not a property path (names joined by `.`, as in \"deadline.kind\")"
            )
            .into());
        }
        let mut steps: Vec<Step<'_, '_>> = names
            .iter()
            .map(|name| Step {
                ctx,
                getters: self,
                name,
                path,
                cached: None,
            })
            .collect();
        let (first, rest) = steps.split_first_mut().expect("a path has a first step");
        for mut item in items {
            // The first step reads the item itself: no copy of it is made.
            let mut value = item.read(first)?;
            for step in rest.iter_mut() {
                if value.is_unit() {
                    break;
                }
                value = step.of_value(&mut value)?;
            }
            each(item, value)?;
        }
        Ok(())
    }
}

/// The value `filter_by` and `reject_by` look for, or the values (an array
/// of them), read once per call instead of once per element. Values compare
/// as `==` does for (), booleans, numbers, characters, strings and dates;
/// values of different types differ.
enum Wanted {
    Unit,
    Bool(bool),
    Int(INT),
    Float(FLOAT),
    Str(ImmutableString),
    Char(char),
    Date(Date),
    AnyOf(Vec<Wanted>),
}

impl Wanted {
    fn of(ctx: &NativeCallContext, wanted: &Dynamic) -> RhaiResult<Wanted> {
        if let Some(any) = wanted.read_lock::<Array>() {
            return any
                .iter()
                .map(|w| Wanted::of(ctx, w))
                .collect::<RhaiResult<Vec<_>>>()
                .map(Wanted::AnyOf);
        }
        Ok(if wanted.is_unit() {
            Wanted::Unit
        } else if let Ok(b) = wanted.as_bool() {
            Wanted::Bool(b)
        } else if let Ok(i) = wanted.as_int() {
            Wanted::Int(i)
        } else if let Ok(f) = wanted.as_float() {
            Wanted::Float(f)
        } else if let Ok(c) = wanted.as_char() {
            Wanted::Char(c)
        } else if let Some(s) = wanted.read_lock::<ImmutableString>() {
            Wanted::Str(s.clone())
        } else if let Some(d) = wanted.read_lock::<Date>() {
            Wanted::Date(*d)
        } else {
            let type_name = ctx.engine().map_type_name(wanted.type_name());
            return Err(format!("filter_by and reject_by compare (), booleans, numbers, characters, strings and dates, not {type_name}").into());
        })
    }

    /// Whether `found` is the value (or one of them).
    fn matches(&self, found: &Dynamic) -> bool {
        // A number compares with a number of either kind, as `order` does.
        let number = |found: &Dynamic| -> Option<FLOAT> {
            if found.is_int() {
                found.as_int().ok().map(|i| i as FLOAT)
            } else {
                found.as_float().ok()
            }
        };
        match self {
            Wanted::Unit => found.is_unit(),
            Wanted::Bool(b) => found.as_bool().ok() == Some(*b),
            Wanted::Int(i) if found.is_int() => found.as_int().ok() == Some(*i),
            Wanted::Int(i) => number(found) == Some(*i as FLOAT),
            Wanted::Float(f) => number(found) == Some(*f),
            Wanted::Str(s) => found
                .read_lock::<ImmutableString>()
                .is_some_and(|x| x.as_str() == s.as_str()),
            Wanted::Char(c) => found.as_char().ok() == Some(*c),
            Wanted::Date(d) => found.read_lock::<Date>().is_some_and(|x| *x == *d),
            Wanted::AnyOf(all) => all.iter().any(|w| w.matches(found)),
        }
    }
}

/// `pluck`, `filter_by` and `reject_by`, on lists and arrays: one native call
/// over every element, where a script loop costs a thousand instructions or
/// more for each step and each property read.
fn register_queries(engine: &mut Engine, getters: &Arc<Getters>) {
    fn pluck(
        ctx: &NativeCallContext,
        g: &Getters,
        items: impl Iterator<Item = impl Element>,
        path: &str,
    ) -> RhaiResult<Array> {
        // Sized once: grown push by push, the array of a plan's tasks was
        // reallocated seven times per call.
        let mut out = Array::with_capacity(items.size_hint().0);
        g.read_all(ctx, items, path, |_, value| {
            out.push(value);
            Ok(())
        })?;
        Ok(out)
    }
    fn filter(
        ctx: &NativeCallContext,
        g: &Getters,
        items: impl Iterator<Item = impl Element>,
        path: &str,
        wanted: &Dynamic,
        keep: bool,
    ) -> RhaiResult<Array> {
        let wanted = Wanted::of(ctx, wanted)?;
        let mut out = Array::new();
        g.read_all(ctx, items, path, |item, value| {
            if wanted.matches(&value) == keep {
                out.push(item.owned());
            }
            Ok(())
        })?;
        Ok(out)
    }
    let g = getters.clone();
    engine.register_fn(
        "pluck",
        move |ctx: NativeCallContext, l: List, path: &str| pluck(&ctx, &g, l.elements(), path),
    );
    let g = getters.clone();
    engine.register_fn(
        "pluck",
        move |ctx: NativeCallContext, a: &mut Array, path: &str| {
            pluck(&ctx, &g, a.iter_mut(), path)
        },
    );
    fn compare(
        ctx: &NativeCallContext,
        g: &Getters,
        items: impl Iterator<Item = impl Element>,
        path: &str,
        op: &str,
        wanted: &Dynamic,
    ) -> RhaiResult<Array> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let accept: &[std::cmp::Ordering] = match op {
            "==" => &[Equal],
            "!=" => &[Less, Greater],
            "<" => &[Less],
            "<=" => &[Less, Equal],
            ">" => &[Greater],
            ">=" => &[Greater, Equal],
            _ => {
                return Err(
                    format!("filter_by compares with ==, !=, <, <=, > or >=, not `{op}`").into(),
                )
            }
        };
        if !orderable(wanted) {
            let type_name = ctx.engine().map_type_name(wanted.type_name());
            return Err(format!(
                "filter_by orders numbers, characters, strings and dates, not {type_name}"
            )
            .into());
        }
        let mut out = Array::new();
        g.read_all(ctx, items, path, |item, value| {
            // `()` (a missing value) is neither before nor after anything.
            if order(&value, wanted).is_some_and(|o| accept.contains(&o)) {
                out.push(item.owned());
            }
            Ok(())
        })?;
        Ok(out)
    }
    for (name, keep) in [("filter_by", true), ("reject_by", false)] {
        let g = getters.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, l: List, path: &str, wanted: Dynamic| {
                filter(&ctx, &g, l.elements(), path, &wanted, keep)
            },
        );
        let g = getters.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, a: &mut Array, path: &str, wanted: Dynamic| {
                filter(&ctx, &g, a.iter_mut(), path, &wanted, keep)
            },
        );
    }
    let g = getters.clone();
    engine.register_fn(
        "filter_by",
        move |ctx: NativeCallContext, l: List, path: &str, op: &str, wanted: Dynamic| {
            compare(&ctx, &g, l.elements(), path, op, &wanted)
        },
    );
    let g = getters.clone();
    engine.register_fn(
        "filter_by",
        move |ctx: NativeCallContext, a: &mut Array, path: &str, op: &str, wanted: Dynamic| {
            compare(&ctx, &g, a.iter_mut(), path, op, &wanted)
        },
    );
}

/// Whether [`order`] orders this value with others of its kind.
fn orderable(v: &Dynamic) -> bool {
    v.is_int() || v.is_float() || v.is_string() || v.is_char() || v.is::<Date>()
}

/// How two values order: numbers with numbers, strings with strings,
/// characters with characters, dates with dates; `None` for anything else.
fn order(a: &Dynamic, b: &Dynamic) -> Option<std::cmp::Ordering> {
    // The types are asked first: a failed `as_int` names the value's type,
    // which for a string cost more than the comparison (a `filter_by` on
    // strings spent a third of its time there).
    fn number(v: &Dynamic) -> Option<FLOAT> {
        if v.is_int() {
            v.as_int().ok().map(|i| i as FLOAT)
        } else if v.is_float() {
            v.as_float().ok()
        } else {
            None
        }
    }
    if a.is_int() && b.is_int() {
        return Some(a.as_int().ok()?.cmp(&b.as_int().ok()?));
    }
    if let (Some(a), Some(b)) = (number(a), number(b)) {
        return a.partial_cmp(&b);
    }
    if a.is_string() && b.is_string() {
        let (a, b) = (
            a.read_lock::<ImmutableString>()?,
            b.read_lock::<ImmutableString>()?,
        );
        return Some(a.as_str().cmp(b.as_str()));
    }
    if a.is_char() && b.is_char() {
        return Some(a.as_char().ok()?.cmp(&b.as_char().ok()?));
    }
    match (a.read_lock::<Date>(), b.read_lock::<Date>()) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Registers `to_string`/`to_debug` (so `print(task)` and `"${task}"` work)
/// and the `span` and `source` getters of a handle type.
macro_rules! common {
    ($engine:ident, $t:ty, $name:literal, |$h:ident| $label:expr) => {{
        $engine.register_type_with_name::<$t>($name);
        $engine.register_fn("to_string", |$h: &mut $t| -> String { $label });
        $engine.register_fn("to_debug", |$h: &mut $t| -> String {
            format!("{}({})", $name, $label)
        });
        $engine.register_get("span", |h: &mut $t| -> Dynamic {
            let value = Dynamic::from(h.clone());
            match locate_handle(&value) {
                Some((doc, l)) => Dynamic::from(SpanRef { doc, span: l.span }),
                None => Dynamic::UNIT,
            }
        });
        $engine.register_get("source", |h: &mut $t| -> String {
            let value = Dynamic::from(h.clone());
            locate_handle(&value).map_or_else(String::new, |(doc, l)| doc.slice(l.span).to_owned())
        });
    }};
}

fn register_plan(engine: &mut Api<'_>) {
    common!(engine, PlanRef, "Plan", |h| h
        .doc
        .plan
        .title
        .clone()
        .unwrap_or_default());
    engine
        .register_get("title", |h: &mut PlanRef| opt_str(&h.doc.plan.title))
        .register_get("issuer", |h: &mut PlanRef| opt_str(&h.doc.plan.issuer))
        .register_get("doc_number", |h: &mut PlanRef| {
            opt(h.doc.plan.doc_number.as_ref().map(|_| {
                Dynamic::from(DocNumberRef {
                    doc: h.doc.clone(),
                    which: None,
                })
            }))
        })
        .register_get("issued", |h: &mut PlanRef| opt_date(h.doc.plan.issued))
        .register_get("issued_mention", |h: &mut PlanRef| {
            opt(h.doc.plan.issued_mention.as_ref().map(|_| {
                Dynamic::from(DateMentionRef {
                    doc: h.doc.clone(),
                    which: None,
                })
            }))
        })
        .register_get("period", |h: &mut PlanRef| {
            opt(h
                .doc
                .plan
                .period
                .as_ref()
                .map(|_| Dynamic::from(PeriodRef { doc: h.doc.clone() })))
        })
        .register_get("chapters", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::Chapters)
        })
        .register_get("sections", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::AllSections)
        })
        .register_get("tasks", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::Tasks)
        })
        .register_get("task_levels", |h: &mut PlanRef| {
            let mut seen: Vec<Level> = Vec::new();
            for task in &h.doc.plan.tasks {
                if !seen.contains(&task.level) {
                    seen.push(task.level);
                }
            }
            seen.into_iter()
                .map(|level| Dynamic::from(level_str(level)))
                .collect::<Array>()
        })
        .register_get("owners", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::AllOwners)
        })
        .register_get("deadlines", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::Deadlines)
        })
        .register_get("units", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::Units)
        })
        .register_get("references", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::References)
        })
        .register_get("dates", |h: &mut PlanRef| {
            List::new(&h.doc, ListKind::Dates)
        });

    common!(engine, PeriodRef, "Period", |h| h
        .doc
        .plan
        .period
        .as_ref()
        .map_or_else(String::new, |p| format!("{}-{}", p.start, p.end)));
    engine
        .register_get("start", |h: &mut PeriodRef| {
            opt(h.doc.plan.period.as_ref().map(|p| INT::from(p.start)))
        })
        .register_get("end", |h: &mut PeriodRef| {
            opt(h.doc.plan.period.as_ref().map(|p| INT::from(p.end)))
        })
        .register_get("raw", |h: &mut PeriodRef| {
            opt(h.doc.plan.period.as_ref().map(|p| p.raw.clone()))
        });
}

fn register_structure(engine: &mut Api<'_>) {
    common!(engine, ChapterRef, "Chapter", |h| format!(
        "{}{}",
        h.get().marker.as_deref().unwrap_or(""),
        h.get().title
    ));
    engine
        .register_get("index", |h: &mut ChapterRef| h.c as INT)
        .register_get("number", |h: &mut ChapterRef| {
            opt(h.get().number.map(INT::from))
        })
        .register_get("marker", |h: &mut ChapterRef| opt_str(&h.get().marker))
        .register_get("title", |h: &mut ChapterRef| h.get().title.clone())
        .register_get("part", |h: &mut ChapterRef| {
            let c = h.get();
            c.marker.is_none() && crate::model::is_part_heading(&c.title)
        })
        .register_get("goal", |h: &mut ChapterRef| {
            opt(h.get().goal.as_ref().map(|_| {
                Dynamic::from(GoalRef {
                    doc: h.doc.clone(),
                    c: h.c,
                })
            }))
        })
        .register_get("sections", |h: &mut ChapterRef| {
            List::new(&h.doc, ListKind::Sections(h.c))
        })
        .register_get("tasks", |h: &mut ChapterRef| {
            List::new(&h.doc, ListKind::ChapterTasks(h.c))
        });

    common!(engine, SectionRef, "Section", |h| format!(
        "{}{}",
        h.get().marker.as_deref().unwrap_or(""),
        h.get().title
    ));
    engine
        .register_get("index", |h: &mut SectionRef| h.s as INT)
        .register_get("number", |h: &mut SectionRef| {
            opt(h.get().number.map(INT::from))
        })
        .register_get("marker", |h: &mut SectionRef| opt_str(&h.get().marker))
        .register_get("title", |h: &mut SectionRef| h.get().title.clone())
        .register_get("chapter", |h: &mut SectionRef| ChapterRef {
            doc: h.doc.clone(),
            c: h.c,
        })
        .register_get("tasks", |h: &mut SectionRef| {
            List::new(&h.doc, ListKind::SectionTasks(h.c, h.s))
        });

    common!(engine, GoalRef, "Goal", |h| h
        .get()
        .map_or_else(String::new, |g| g.text.clone()));
    engine
        .register_get("year", |h: &mut GoalRef| {
            opt(h.get().and_then(|g| g.year).map(INT::from))
        })
        .register_get("text", |h: &mut GoalRef| {
            h.get().map_or_else(String::new, |g| g.text.clone())
        })
        .register_get("chapter", |h: &mut GoalRef| ChapterRef {
            doc: h.doc.clone(),
            c: h.c,
        })
        .register_get("targets", |h: &mut GoalRef| {
            List::new(&h.doc, ListKind::GoalTargets(h.c))
        });

    common!(engine, TaskRef, "Task", |h| h.get().marker.clone());
    engine
        .register_get("index", |h: &mut TaskRef| h.t as INT)
        .register_get("number", |h: &mut TaskRef| INT::from(h.get().number))
        .register_get("marker", |h: &mut TaskRef| h.doc.task_marker(h.t))
        .register_get("level", |h: &mut TaskRef| level_str(h.get().level))
        .register_get("path", |h: &mut TaskRef| -> Array {
            h.get().path.iter().map(|p| p.as_str().into()).collect()
        })
        .register_get("chapter", |h: &mut TaskRef| {
            opt(h.get().chapter.map(|c| {
                Dynamic::from(ChapterRef {
                    doc: h.doc.clone(),
                    c,
                })
            }))
        })
        .register_get("section", |h: &mut TaskRef| {
            let task = h.get();
            opt(task.chapter.zip(task.section).map(|(c, s)| {
                Dynamic::from(SectionRef {
                    doc: h.doc.clone(),
                    c,
                    s,
                })
            }))
        })
        .register_get("marker_span", |h: &mut TaskRef| {
            // The marker where the task starts (`12.`): a short place to point
            // at for findings about the whole task.
            let task = h.get();
            let start = task.span.start;
            let end = start + task.marker.len();
            let span = match h.doc.text.get(start..end) {
                Some(text) if text == task.marker && end <= task.span.end => h.doc.span(start, end),
                _ => None,
            };
            SpanRef {
                doc: h.doc.clone(),
                span: span.unwrap_or(task.span),
            }
        })
        .register_get("parent_path", |h: &mut TaskRef| h.doc.task_parent_path(h.t))
        .register_get("title", |h: &mut TaskRef| opt_str(&h.get().title))
        .register_get("text", |h: &mut TaskRef| h.get().text.clone())
        .register_get("owners", |h: &mut TaskRef| {
            List::new(&h.doc, ListKind::Owners(h.t))
        })
        .register_get("leads", |h: &mut TaskRef| -> Array {
            h.get()
                .leads()
                .into_iter()
                .map(|u| Dynamic::from(u.to_string()))
                .collect()
        })
        .register_get("deadline", |h: &mut TaskRef| DeadlineRef {
            doc: h.doc.clone(),
            t: h.t,
        })
        .register_get("targets", |h: &mut TaskRef| {
            List::new(&h.doc, ListKind::TaskTargets(h.t))
        })
        .register_get("bracket", |h: &mut TaskRef| {
            opt(h.get().bracket.as_ref().map(|_| {
                Dynamic::from(BracketRef {
                    doc: h.doc.clone(),
                    t: h.t,
                })
            }))
        });
    engine.register_fn("==", |a: TaskRef, b: TaskRef| {
        Arc::ptr_eq(&a.doc, &b.doc) && a.t == b.t
    });
    engine.register_fn("!=", |a: TaskRef, b: TaskRef| {
        !(Arc::ptr_eq(&a.doc, &b.doc) && a.t == b.t)
    });

    common!(engine, BracketRef, "Bracket", |h| h.doc.plan.tasks[h.t]
        .bracket
        .as_ref()
        .map_or_else(String::new, |b| b.raw.clone()));
    let bracket = |h: &BracketRef| {
        h.doc.plan.tasks[h.t]
            .bracket
            .clone()
            .unwrap_or_else(|| crate::model::Bracket {
                raw: String::new(),
                span: h.doc.plan.tasks[h.t].span,
                first_leads: false,
                open_ended: false,
            })
    };
    engine
        .register_get("raw", move |h: &mut BracketRef| bracket(h).raw)
        .register_get("first_leads", move |h: &mut BracketRef| {
            bracket(h).first_leads
        })
        .register_get("open_ended", move |h: &mut BracketRef| {
            bracket(h).open_ended
        })
        .register_get("task", |h: &mut BracketRef| TaskRef {
            doc: h.doc.clone(),
            t: h.t,
        });
}

fn register_owners(engine: &mut Api<'_>) {
    common!(engine, OwnerRef, "Owner", |h| h.get().unit.clone());
    engine
        .register_get("unit", |h: &mut OwnerRef| h.doc.owner_unit(h.t, h.o))
        .register_get("role", |h: &mut OwnerRef| role_str(h.get().role))
        .register_get("wording", |h: &mut OwnerRef| h.get().wording.clone())
        .register_get("collective", |h: &mut OwnerRef| h.get().is_collective())
        .register_get("index", |h: &mut OwnerRef| h.o as INT)
        .register_get("task", |h: &mut OwnerRef| TaskRef {
            doc: h.doc.clone(),
            t: h.t,
        });

    common!(engine, UnitRef, "Unit", |h| h.get().name.clone());
    engine
        .register_get("name", |h: &mut UnitRef| h.get().name.clone())
        .register_get("tasks", |h: &mut UnitRef| {
            List::new(&h.doc, ListKind::UnitTasks(h.u))
        })
        .register_get("lead", |h: &mut UnitRef| h.get().lead as INT)
        // The tasks it answers for first (`Task::leads`: it leads them, or is
        // their one responsible unit).
        .register_get("led", |h: &mut UnitRef| {
            let unit = h.get();
            let tasks = &h.doc.plan.tasks;
            unit.tasks
                .iter()
                .filter(|&&t| tasks[t].leads().contains(&unit.name.as_str()))
                .count() as INT
        })
        .register_get("responsible", |h: &mut UnitRef| h.get().responsible as INT)
        .register_get("cooperate", |h: &mut UnitRef| h.get().cooperate as INT);
}

fn register_values(engine: &mut Api<'_>) {
    common!(engine, DeadlineRef, "Deadline", |h| h
        .get()
        .raw
        .clone()
        .unwrap_or_else(|| h.get().kind.as_str().to_owned()));
    engine
        .register_get("kind", |h: &mut DeadlineRef| kind_str(h.get().kind))
        .register_get("date", |h: &mut DeadlineRef| opt_date(h.get().date))
        .register_get("raw", |h: &mut DeadlineRef| opt_str(&h.get().raw))
        .register_get("damaged", |h: &mut DeadlineRef| h.get().damaged)
        .register_get("fix", |h: &mut DeadlineRef| opt_str(&h.get().fix))
        .register_get("recurrence", |h: &mut DeadlineRef| {
            opt_str(&h.get().recurrence)
        })
        .register_get("task", |h: &mut DeadlineRef| TaskRef {
            doc: h.doc.clone(),
            t: h.t,
        });

    common!(engine, TargetRef, "Target", |h| h
        .get()
        .map_or_else(String::new, |t| t.raw.clone()));
    engine
        .register_get("raw", |h: &mut TargetRef| {
            h.get().map_or_else(String::new, |t| t.raw.clone())
        })
        .register_get("value", |h: &mut TargetRef| {
            h.get().map_or(0.0, |t| t.value as FLOAT)
        })
        .register_get("value_max", |h: &mut TargetRef| {
            opt(h.get().and_then(|t| t.value_max).map(|v| v as FLOAT))
        })
        .register_get("unit", |h: &mut TargetRef| {
            h.get().map_or_else(String::new, |t| t.unit.clone())
        })
        .register_get("comparator", |h: &mut TargetRef| {
            comparator_str(h.get().map_or(Comparator::Eq, |t| t.comparator))
        })
        .register_get("baseline", |h: &mut TargetRef| {
            opt(h.get().and_then(|t| t.baseline.clone()))
        })
        .register_get("task", |h: &mut TargetRef| match h.of {
            TargetOf::Task(t) => Dynamic::from(TaskRef {
                doc: h.doc.clone(),
                t,
            }),
            TargetOf::Goal(_) => Dynamic::UNIT,
        });

    common!(engine, DocNumberRef, "DocNumber", |h| h
        .get()
        .map_or_else(String::new, |d| d.raw.clone()));
    engine
        .register_get("raw", |h: &mut DocNumberRef| {
            h.get().map_or_else(String::new, |d| d.raw.clone())
        })
        .register_get("issuer_code", |h: &mut DocNumberRef| {
            h.get().map_or_else(String::new, |d| d.issuer_code.clone())
        })
        .register_get("year", |h: &mut DocNumberRef| {
            opt(h.get().and_then(|d| d.year).map(INT::from))
        })
        .register_get("serial", |h: &mut DocNumberRef| {
            opt(h.get().and_then(|d| d.serial).map(INT::from))
        })
        .register_get("damaged", |h: &mut DocNumberRef| {
            h.get().is_some_and(|d| d.damaged)
        })
        .register_get("problem", |h: &mut DocNumberRef| {
            opt(h.get().and_then(|d| d.problem.clone()))
        })
        .register_get("fix", |h: &mut DocNumberRef| {
            opt(h.get().and_then(|d| d.fix.clone()))
        })
        .register_get("is_own", |h: &mut DocNumberRef| match h.which {
            None => true,
            Some(i) => h
                .doc
                .plan
                .doc_number
                .as_ref()
                .is_some_and(|own| own.span == h.doc.plan.references[i].span),
        });

    common!(engine, DateMentionRef, "DateMention", |h| h
        .get()
        .map_or_else(String::new, |d| d.raw.clone()));
    engine
        .register_get("raw", |h: &mut DateMentionRef| {
            h.get().map_or_else(String::new, |d| d.raw.clone())
        })
        .register_get("date", |h: &mut DateMentionRef| {
            opt_date(h.get().and_then(|d| d.date))
        })
        .register_get("damaged", |h: &mut DateMentionRef| {
            h.get().is_some_and(|d| d.damaged)
        })
        .register_get("fix", |h: &mut DateMentionRef| {
            opt(h.get().and_then(|d| d.fix.clone()))
        });

    engine.register_type_with_name::<SpanRef>("Span");
    engine
        .register_get("start", |h: &mut SpanRef| h.span.start as INT)
        .register_get("end", |h: &mut SpanRef| h.span.end as INT)
        .register_get("line", |h: &mut SpanRef| INT::from(h.span.line))
        .register_get("column", |h: &mut SpanRef| INT::from(h.span.column))
        .register_get("len", |h: &mut SpanRef| h.span.len() as INT)
        .register_get("source", |h: &mut SpanRef| h.doc.slice(h.span).to_owned())
        .register_get("span", |h: &mut SpanRef| h.clone())
        .register_fn("to_string", |h: &mut SpanRef| {
            format!("{}:{}", h.span.line, h.span.column)
        })
        .register_fn("to_debug", |h: &mut SpanRef| {
            format!(
                "Span({}..{} at {}:{})",
                h.span.start, h.span.end, h.span.line, h.span.column
            )
        });

    engine.register_type_with_name::<Date>("Date");
    engine
        .register_get("year", |d: &mut Date| INT::from(d.year))
        .register_get("month", |d: &mut Date| INT::from(d.month))
        .register_get("day", |d: &mut Date| INT::from(d.day))
        .register_fn("to_string", |d: &mut Date| d.to_string())
        .register_fn("to_debug", |d: &mut Date| d.to_string())
        .register_fn("days_until", |a: Date, b: Date| days(b) - days(a))
        .register_fn("==", |a: Date, b: Date| a == b)
        .register_fn("!=", |a: Date, b: Date| a != b)
        .register_fn("<", |a: Date, b: Date| a < b)
        .register_fn("<=", |a: Date, b: Date| a <= b)
        .register_fn(">", |a: Date, b: Date| a > b)
        .register_fn(">=", |a: Date, b: Date| a >= b)
        // A date against `()` (a missing date) is never equal, so that
        // `task.deadline.date == plan.issued` is simply false when one is missing.
        .register_fn("==", |_: Date, _: ()| false)
        .register_fn("==", |_: (), _: Date| false)
        .register_fn("!=", |_: Date, _: ()| true)
        .register_fn("!=", |_: (), _: Date| true)
        .register_fn("date", |y: INT, m: INT, d: INT| -> Dynamic {
            match (i32::try_from(y), u32::try_from(m), u32::try_from(d)) {
                (Ok(y), Ok(m), Ok(d)) => opt_date(Date::new(y, m, d)),
                _ => Dynamic::UNIT,
            }
        })
        .register_fn("parse_date", |s: &str| opt_date(Date::parse_iso(s)))
        .register_fn("end_of_month", |y: INT, m: INT| -> Dynamic {
            match (i32::try_from(y), u32::try_from(m)) {
                (Ok(y), Ok(m)) => opt_date(Date::end_of_month(y, m)),
                _ => Dynamic::UNIT,
            }
        });
}

fn register_lists(engine: &mut Api<'_>) {
    engine.register_type_with_name::<List>("List");
    // The methods take the list by value (a handle: cloning it is cheap), not
    // as `&mut`: rhai takes a `&mut` method called on a property
    // (`t.owners.is_empty()`) as one that may change it, and tries to write
    // the list back through a setter; finding none builds and drops two error
    // values, which cost ten times the call itself.
    engine.register_get("len", |l: &mut List| l.len() as INT);
    let engine = &mut *engine.engine;
    engine.register_iterator::<List>();
    engine
        .register_fn("len", |l: List| l.len() as INT)
        .register_fn("is_empty", |l: List| l.is_empty())
        .register_indexer_get(|l: &mut List, i: INT| l.index(i))
        .register_fn("to_array", |l: List| -> Array { l.into_iter().collect() })
        .register_fn("first", |l: List| {
            if l.is_empty() {
                Dynamic::UNIT
            } else {
                l.item(0)
            }
        })
        .register_fn("last", |l: List| match l.len() {
            0 => Dynamic::UNIT,
            n => l.item(n - 1),
        })
        .register_fn(
            "filter",
            |ctx: NativeCallContext, l: List, f: FnPtr| -> RhaiResult<Array> {
                let mut out = Array::new();
                for item in l {
                    if f.call_within_context::<bool>(&ctx, (item.clone(),))? {
                        out.push(item);
                    }
                }
                Ok(out)
            },
        )
        .register_fn(
            "map",
            |ctx: NativeCallContext, l: List, f: FnPtr| -> RhaiResult<Array> {
                l.into_iter()
                    .map(|item| f.call_within_context::<Dynamic>(&ctx, (item,)))
                    .collect()
            },
        )
        .register_fn(
            "some",
            |ctx: NativeCallContext, l: List, f: FnPtr| -> RhaiResult<bool> {
                for item in l {
                    if f.call_within_context::<bool>(&ctx, (item,))? {
                        return Ok(true);
                    }
                }
                Ok(false)
            },
        )
        .register_fn(
            "all",
            |ctx: NativeCallContext, l: List, f: FnPtr| -> RhaiResult<bool> {
                for item in l {
                    if !f.call_within_context::<bool>(&ctx, (item,))? {
                        return Ok(false);
                    }
                }
                Ok(true)
            },
        )
        .register_fn(
            "find",
            |ctx: NativeCallContext, l: List, f: FnPtr| -> RhaiResult<Dynamic> {
                for item in l {
                    if f.call_within_context::<bool>(&ctx, (item.clone(),))? {
                        return Ok(item);
                    }
                }
                Ok(Dynamic::UNIT)
            },
        )
        .register_fn("to_string", |l: List| format!("[{} items]", l.len()))
        .register_fn("to_debug", |l: List| {
            format!("List({:?}, {} items)", l.kind, l.len())
        });
}

/// `items` cut into runs of consecutive items whose keys (one per item) are
/// the same: an array of arrays (`group_by_line`, `chunk_by`).
fn runs<K>(
    items: Array,
    keys: &[K],
    mut same: impl FnMut(&K, &K) -> RhaiResult<bool>,
) -> RhaiResult<Array> {
    // Where each run starts, found first, so that each run is allocated at
    // its size instead of grown item by item.
    let n = items.len();
    let mut starts = Vec::new();
    for i in 0..n {
        if i == 0 || !same(&keys[i - 1], &keys[i])? {
            starts.push(i);
        }
    }
    let mut runs = Array::with_capacity(starts.len());
    let mut items = items.into_iter();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(n);
        let run: Array = items.by_ref().take(end - start).collect();
        runs.push(run.into());
    }
    Ok(runs)
}

/// A key as `==` compares it, for hashing: `()`, booleans, integers,
/// characters and strings (other keys are compared pairwise).
#[derive(PartialEq, Eq, Hash)]
enum KeyRepr {
    Unit,
    Bool(bool),
    Int(INT),
    Char(char),
    Str(ImmutableString),
}

impl KeyRepr {
    fn of(v: &Dynamic) -> Option<KeyRepr> {
        // Types asked before conversions: a failed `as_*` names the type,
        // at more cost than the key itself.
        if v.is_unit() {
            Some(KeyRepr::Unit)
        } else if v.is_bool() {
            v.as_bool().ok().map(KeyRepr::Bool)
        } else if v.is_int() {
            v.as_int().ok().map(KeyRepr::Int)
        } else if v.is_char() {
            v.as_char().ok().map(KeyRepr::Char)
        } else {
            v.read_lock::<ImmutableString>()
                .map(|s| KeyRepr::Str(s.clone()))
        }
    }
}

/// `repeats(keys…)`: for each position whose keys all equal those of an
/// earlier one, `[first, at]`: the first position with those keys, and this
/// one, in order.
fn repeats(
    lists: &[&Array],
    mut same: impl FnMut(usize, usize) -> RhaiResult<bool>,
) -> RhaiResult<Array> {
    let len = lists.first().map_or(0, |l| l.len());
    let pair =
        |f: usize, at: usize| Dynamic::from_array(vec![(f as INT).into(), (at as INT).into()]);
    let mut out = Array::new();
    let reprs: Option<Vec<Vec<KeyRepr>>> = (0..len)
        .map(|i| lists.iter().map(|l| KeyRepr::of(&l[i])).collect())
        .collect();
    match reprs {
        Some(reprs) => {
            // Sized once: grown entry by entry, the map hashed its keys
            // (strings) again at each of its reallocations.
            let mut first: std::collections::HashMap<Vec<KeyRepr>, usize> =
                std::collections::HashMap::with_capacity(len);
            for (at, key) in reprs.into_iter().enumerate() {
                match first.entry(key) {
                    std::collections::hash_map::Entry::Occupied(f) => out.push(pair(*f.get(), at)),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(at);
                    }
                }
            }
        }
        None => {
            let mut firsts: Vec<usize> = Vec::new();
            for at in 0..len {
                let mut found = None;
                for &f in &firsts {
                    if same(f, at)? {
                        found = Some(f);
                        break;
                    }
                }
                match found {
                    Some(f) => out.push(pair(f, at)),
                    None => firsts.push(at),
                }
            }
        }
    }
    Ok(out)
}

/// The document and place of anything a script may point at.
fn place(ctx: &NativeCallContext, value: &Dynamic) -> RhaiResult<(Arc<Doc>, Located)> {
    if let Some(found) = locate_handle(value) {
        return Ok(found);
    }
    let sc = context_of(ctx)?;
    let located = locate(&sc.doc, value)?;
    Ok((sc.doc.clone(), located))
}

/// Adds to `out` the characters of `s` it does not hold yet, in order.
fn push_distinct(out: &mut String, s: &str) {
    for c in s.chars() {
        if !out.contains(c) {
            out.push(c);
        }
    }
}

/// The stretch of text from the first element of `xs` to the end of the last
/// (`span(xs)`, and what `report` makes of an array), with the task where it
/// starts.
pub fn stretch(ctx: &NativeCallContext, xs: &[Dynamic]) -> RhaiResult<(Arc<Doc>, Located)> {
    let (Some(first), Some(last)) = (xs.first(), xs.last()) else {
        return Err("the span of an empty array".into());
    };
    let (doc, first) = place(ctx, first)?;
    let (_, last) = place(ctx, last)?;
    let start = first.span.start;
    let span = doc
        .span(start, last.span.end.max(start))
        .ok_or("the elements of the array are not in one text")?;
    let task = task_at(&doc.plan, start);
    Ok((
        doc,
        Located {
            span,
            task,
            borrowed: false,
        },
    ))
}

/// The spans of `find_in_chinese(x, chars)`, added to `out`.
fn marks_in_chinese(
    ctx: &NativeCallContext,
    x: &Dynamic,
    chars: &str,
    out: &mut Array,
) -> RhaiResult<()> {
    let (doc, at) = place(ctx, x)?;
    let found = find_in_chinese(&doc.text, at.span.start, at.span.end, chars);
    out.reserve(found.len());
    for (s, e) in found {
        if let Some(span) = doc.span(s, e) {
            out.push(Dynamic::from(SpanRef {
                doc: doc.clone(),
                span,
            }));
        }
    }
    Ok(())
}

fn register_helpers(engine: &mut Engine) {
    /// Whether two keys are equal as the script's `==` sees them.
    fn same_key(ctx: &NativeCallContext, a: &Dynamic, b: &Dynamic) -> RhaiResult<bool> {
        if a.is_int() && b.is_int() {
            return Ok(a.as_int().ok() == b.as_int().ok());
        }
        if let (Some(a), Some(b)) = (
            a.read_lock::<ImmutableString>(),
            b.read_lock::<ImmutableString>(),
        ) {
            return Ok(*a == *b);
        }
        if a.type_name() != b.type_name() {
            return Ok(false);
        }
        if a.is_unit() {
            return Ok(true);
        }
        // Arrays (`parent_path`) item by item, as rhai's `==` compares them,
        // without a script call per array and per item.
        if let (Some(a), Some(b)) = (a.read_lock::<Array>(), b.read_lock::<Array>()) {
            if a.len() != b.len() {
                return Ok(false);
            }
            for (x, y) in a.iter().zip(b.iter()) {
                if !same_key(ctx, x, y)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        ctx.call_native_fn::<bool>("==", (a.clone(), b.clone()))
    }

    /// Whether positions `a` and `b` have equal keys in every list.
    fn same_keys(
        ctx: &NativeCallContext,
        lists: &[&Array],
        a: usize,
        b: usize,
    ) -> RhaiResult<bool> {
        for keys in lists {
            if !same_key(ctx, &keys[a], &keys[b])? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn count(n: INT) -> RhaiResult<usize> {
        usize::try_from(n).map_err(|_| "a character count must not be negative".into())
    }

    engine
        .register_fn(
            "source",
            |ctx: NativeCallContext, x: Dynamic| -> RhaiResult<String> {
                let (doc, at) = place(&ctx, &x)?;
                Ok(doc.slice(at.span).to_owned())
            },
        )
        .register_fn(
            "source",
            |ctx: NativeCallContext, xs: &mut Array| -> RhaiResult<String> {
                let max = ctx.engine().max_string_size();
                // Sized for a few marks at once; grown from empty, the text of
                // a line's marks was reallocated at nearly every push.
                let mut out = String::with_capacity(xs.len() * 3);
                for x in xs.iter() {
                    let (doc, at) = place(&ctx, x)?;
                    out.push_str(doc.slice(at.span));
                    if max > 0 && out.len() > max {
                        return Err("source: the text grew past the string size limit".into());
                    }
                }
                Ok(out)
            },
        )
        .register_fn("distinct_chars", |s: &str| -> String {
            let mut out = String::new();
            push_distinct(&mut out, s);
            out
        })
        // Of the texts of an array's elements, as `distinct_chars(source(xs))`
        // without the joined text.
        .register_fn(
            "distinct_chars",
            |ctx: NativeCallContext, xs: &mut Array| -> RhaiResult<String> {
                let mut out = String::new();
                for x in xs.iter() {
                    let (doc, at) = place(&ctx, x)?;
                    push_distinct(&mut out, doc.slice(at.span));
                }
                Ok(out)
            },
        )
        .register_fn(
            "text_before",
            |ctx: NativeCallContext, x: Dynamic, n: INT| -> RhaiResult<String> {
                let (doc, at) = place(&ctx, &x)?;
                let before = doc.text.get(..at.span.start).unwrap_or("");
                let start = before
                    .char_indices()
                    .rev()
                    .take(count(n)?)
                    .last()
                    .map_or(before.len(), |(i, _)| i);
                Ok(before[start..].to_owned())
            },
        )
        .register_fn(
            "text_after",
            |ctx: NativeCallContext, x: Dynamic, n: INT| -> RhaiResult<String> {
                let (doc, at) = place(&ctx, &x)?;
                let after = doc.text.get(at.span.end..).unwrap_or("");
                let end = after
                    .char_indices()
                    .nth(count(n)?)
                    .map_or(after.len(), |(i, _)| i);
                Ok(after[..end].to_owned())
            },
        )
        .register_fn(
            "find_all",
            |ctx: NativeCallContext, x: Dynamic, needle: &str| -> RhaiResult<Array> {
                let (doc, at) = place(&ctx, &x)?;
                if needle.is_empty() {
                    return Ok(Array::new());
                }
                let base = at.span.start;
                Ok(doc
                    .slice(at.span)
                    .match_indices(needle)
                    .filter_map(|(i, m)| doc.span(base + i, base + i + m.len()))
                    .map(|span| {
                        Dynamic::from(SpanRef {
                            doc: doc.clone(),
                            span,
                        })
                    })
                    .collect())
            },
        )
        .register_fn(
            "find_any",
            |ctx: NativeCallContext, x: Dynamic, chars: &str| -> RhaiResult<Array> {
                let (doc, at) = place(&ctx, &x)?;
                let base = at.span.start;
                Ok(doc
                    .slice(at.span)
                    .char_indices()
                    .filter(|(_, c)| chars.contains(*c))
                    .filter_map(|(i, c)| doc.span(base + i, base + i + c.len_utf8()))
                    .map(|span| {
                        Dynamic::from(SpanRef {
                            doc: doc.clone(),
                            span,
                        })
                    })
                    .collect())
            },
        )
        .register_fn(
            "find_in_chinese",
            |ctx: NativeCallContext, x: Dynamic, chars: &str| -> RhaiResult<Array> {
                let mut out = Array::new();
                marks_in_chinese(&ctx, &x, chars, &mut out)?;
                Ok(out)
            },
        )
        // Of every element of a list or an array, in order: one call for all
        // the tasks of a plan.
        .register_fn(
            "find_in_chinese",
            |ctx: NativeCallContext, xs: List, chars: &str| -> RhaiResult<Array> {
                let mut out = Array::new();
                for x in xs {
                    marks_in_chinese(&ctx, &x, chars, &mut out)?;
                }
                Ok(out)
            },
        )
        .register_fn(
            "find_in_chinese",
            |ctx: NativeCallContext, xs: &mut Array, chars: &str| -> RhaiResult<Array> {
                let mut out = Array::new();
                for x in xs.iter() {
                    marks_in_chinese(&ctx, x, chars, &mut out)?;
                }
                Ok(out)
            },
        )
        .register_fn(
            "span",
            |ctx: NativeCallContext, start: INT, end: INT| -> RhaiResult<Dynamic> {
                let sc = context_of(&ctx)?;
                let map: rhai::Map = [("start".into(), start.into()), ("end".into(), end.into())]
                    .into_iter()
                    .collect();
                let at = locate(&sc.doc, &Dynamic::from(map))?;
                Ok(Dynamic::from(SpanRef {
                    doc: sc.doc.clone(),
                    span: at.span,
                }))
            },
        )
        // The stretch from the first element's start to the last one's end.
        .register_fn(
            "span",
            |ctx: NativeCallContext, xs: &mut Array| -> RhaiResult<Dynamic> {
                let (doc, at) = stretch(&ctx, xs)?;
                Ok(Dynamic::from(SpanRef { doc, span: at.span }))
            },
        )
        .register_fn(
            "group_by_line",
            |ctx: NativeCallContext, items: Array| -> RhaiResult<Array> {
                let lines = items
                    .iter()
                    .map(|item| Ok(place(&ctx, item)?.1.span.line))
                    .collect::<RhaiResult<Vec<_>>>()?;
                runs(items, &lines, |a, b| Ok(a == b))
            },
        )
        .register_fn(
            "chunk_by",
            |ctx: NativeCallContext, values: Array, keys: Array| -> RhaiResult<Array> {
                if values.len() != keys.len() {
                    return Err(format!(
                        "chunk_by needs as many keys ({}) as values ({})",
                        keys.len(),
                        values.len()
                    )
                    .into());
                }
                runs(values, &keys, |a, b| same_key(&ctx, a, b))
            },
        )
        .register_fn(
            "chunk_by",
            |ctx: NativeCallContext,
             values: Array,
             keys: Array,
             more: Array|
             -> RhaiResult<Array> {
                if values.len() != keys.len() || values.len() != more.len() {
                    return Err(format!(
                        "chunk_by needs as many keys ({} and {}) as values ({})",
                        keys.len(),
                        more.len(),
                        values.len()
                    )
                    .into());
                }
                let pairs: Vec<(Dynamic, Dynamic)> = keys.into_iter().zip(more).collect();
                runs(values, &pairs, |a, b| {
                    Ok(same_key(&ctx, &a.0, &b.0)? && same_key(&ctx, &a.1, &b.1)?)
                })
            },
        )
        .register_fn(
            "repeats",
            |ctx: NativeCallContext, keys: &mut Array| -> RhaiResult<Array> {
                let keys = &*keys;
                repeats(&[keys], |a, b| same_key(&ctx, &keys[a], &keys[b]))
            },
        )
        .register_fn(
            "repeats",
            |ctx: NativeCallContext, keys: &mut Array, more: Array| -> RhaiResult<Array> {
                if keys.len() != more.len() {
                    return Err(format!(
                        "repeats needs key lists as long as each other ({} and {})",
                        keys.len(),
                        more.len()
                    )
                    .into());
                }
                let keys = &*keys;
                repeats(&[keys, &more], |a, b| {
                    Ok(same_key(&ctx, &keys[a], &keys[b])? && same_key(&ctx, &more[a], &more[b])?)
                })
            },
        )
        .register_fn(
            "repeats",
            |ctx: NativeCallContext,
             keys: &mut Array,
             more: Array,
             yet_more: Array|
             -> RhaiResult<Array> {
                if keys.len() != more.len() || keys.len() != yet_more.len() {
                    return Err(format!(
                        "repeats needs key lists as long as each other ({}, {} and {})",
                        keys.len(),
                        more.len(),
                        yet_more.len()
                    )
                    .into());
                }
                let lists = [&*keys, &more, &yet_more];
                repeats(&lists, |a, b| same_keys(&ctx, &lists, a, b))
            },
        )
        .register_fn(
            "splice",
            |ctx: NativeCallContext, spans: &mut Array, map: rhai::Map| -> RhaiResult<String> {
                let max = ctx.engine().max_string_size();
                // Sized once for the stretch from the first span to the last
                // (and a little more for replacements longer than the text):
                // grown push by push, the fix of a line was reallocated some
                // eight times.
                let stretch = match (spans.first(), spans.last()) {
                    (Some(first), Some(last)) => {
                        let (_, first) = place(&ctx, first)?;
                        let (_, last) = place(&ctx, last)?;
                        last.span.end.saturating_sub(first.span.start)
                    }
                    _ => 0,
                };
                let mut out = String::with_capacity(stretch + stretch / 4 + 8);
                let mut at: Option<usize> = None;
                for x in spans.iter() {
                    let (doc, l) = place(&ctx, x)?;
                    if let Some(at) = at {
                        let between = (at <= l.span.start)
                            .then(|| doc.text.get(at..l.span.start))
                            .flatten()
                            .ok_or("splice needs spans in order that do not overlap")?;
                        out.push_str(between);
                    }
                    let text = doc.slice(l.span);
                    match map.get(text) {
                        None => out.push_str(text),
                        Some(r) => match r.read_lock::<ImmutableString>() {
                            Some(r) => out.push_str(&r),
                            None => {
                                return Err(format!(
                                    "splice: the replacement of `{text}` must be a string, not {}",
                                    r.type_name()
                                )
                                .into())
                            }
                        },
                    }
                    if max > 0 && out.len() > max {
                        return Err("splice: the text grew past the string size limit".into());
                    }
                    at = Some(l.span.end);
                }
                Ok(out)
            },
        )
        .register_fn("is_han", |s: &str| !s.is_empty() && s.chars().all(is_han))
        .register_fn("is_cjk", |s: &str| !s.is_empty() && s.chars().all(is_cjk))
        .register_fn("has_han", |s: &str| s.chars().any(is_han))
        .register_fn("has_cjk", |s: &str| s.chars().any(is_cjk))
        .register_fn("is_han", |c: char| is_han(c))
        .register_fn("is_cjk", |c: char| is_cjk(c))
        .register_fn("sequence_breaks", sequence_breaks)
        .register_fn(
            "sequence_breaks",
            |ctx: NativeCallContext, numbers: &mut Array, keys: Array| -> RhaiResult<Array> {
                if numbers.len() != keys.len() {
                    return Err(format!(
                        "sequence_breaks needs as many keys ({}) as numbers ({})",
                        keys.len(),
                        numbers.len()
                    )
                    .into());
                }
                sequence_breaks_by(numbers, |a, b| same_key(&ctx, &keys[a], &keys[b]))
            },
        )
        .register_fn(
            "sequence_breaks",
            |ctx: NativeCallContext,
             numbers: &mut Array,
             keys: Array,
             more: Array|
             -> RhaiResult<Array> {
                if numbers.len() != keys.len() || numbers.len() != more.len() {
                    return Err(format!(
                        "sequence_breaks needs as many keys ({} and {}) as numbers ({})",
                        keys.len(),
                        more.len(),
                        numbers.len()
                    )
                    .into());
                }
                let lists = [&keys, &more];
                sequence_breaks_by(numbers, |a, b| same_keys(&ctx, &lists, a, b))
            },
        )
        .register_fn("numbers_carry_on", numbers_carry_on);

    engine.register_fn(
        "option",
        |ctx: NativeCallContext, name: &str, default: Dynamic| -> RhaiResult<Dynamic> {
            let sc = context_of(&ctx)?;
            let Some(value) = sc.options.get(name) else {
                return Ok(default);
            };
            let numeric = |d: &Dynamic| d.is_int() || d.is_float();
            if default.is_unit()
                || value.type_name() == default.type_name()
                || (numeric(value) && numeric(&default))
            {
                Ok(value.clone())
            } else {
                Err(format!(
                    "option `{name}` must be of type {}, but is configured as {}",
                    default.type_name(),
                    value.type_name()
                )
                .into())
            }
        },
    );

    engine
        .register_fn(
            "registry_enabled",
            |ctx: NativeCallContext| -> RhaiResult<bool> {
                Ok(!context_of(&ctx)?.registry.is_empty())
            },
        )
        .register_fn(
            "is_known_unit",
            |ctx: NativeCallContext, name: &str| -> RhaiResult<bool> {
                Ok(context_of(&ctx)?.registry.is_known(name))
            },
        )
        .register_fn(
            "canonical_unit",
            |ctx: NativeCallContext, name: &str| -> RhaiResult<Dynamic> {
                Ok(opt(context_of(&ctx)?
                    .registry
                    .canonical(name)
                    .map(str::to_owned)))
            },
        )
        // Of an array of names: each as the registry writes it, or as given
        // where the registry does not know it (or there is none).
        .register_fn(
            "canonical_units",
            |ctx: NativeCallContext, names: &mut Array| -> RhaiResult<Array> {
                let sc = context_of(&ctx)?;
                names
                    .iter()
                    .map(|n| {
                        let name = n
                            .read_lock::<ImmutableString>()
                            .ok_or("canonical_units takes an array of names (strings)")?;
                        Ok(match sc.registry.canonical(&name) {
                            Some(c) if c != name.as_str() => c.into(),
                            _ => n.clone(),
                        })
                    })
                    .collect()
            },
        )
        .register_fn(
            "nearest_unit",
            |ctx: NativeCallContext, name: &str| -> RhaiResult<Dynamic> {
                Ok(opt(context_of(&ctx)?
                    .registry
                    .nearest(name)
                    .map(str::to_owned)))
            },
        );
}

/// The characters of `chars` in `text[start..end]` that stand in Chinese
/// text, as byte ranges in order: a `(` `)` pair that holds a Han character
/// (`(天津)`, not `(a)` or `(1)`), and any other of the characters (an
/// unpaired bracket too) with Chinese text right before or after it. A script
/// could do this with `find_any` and `text_before`, but a plan typed in the
/// wrong input mode has hundreds of marks, and per-mark script code was the
/// most expensive part of a check.
fn find_in_chinese(text: &str, start: usize, end: usize, chars: &str) -> Vec<(usize, usize)> {
    let Some(slice) = text.get(start..end) else {
        return Vec::new();
    };
    let before = |i: usize| text[..i].chars().next_back().is_some_and(is_cjk);
    let after = |i: usize| text[i..].chars().next().is_some_and(is_cjk);
    let hits: Vec<(usize, char)> = if chars.is_ascii() {
        // ASCII marks (the usual case) are found byte by byte: an ASCII byte
        // is never part of a multi-byte character, and a table lookup per
        // byte is several times cheaper than decoding every character and
        // searching `chars` for it.
        let mut wanted = [false; 128];
        for b in chars.bytes() {
            wanted[usize::from(b)] = true;
        }
        ascii_positions(slice.as_bytes(), &wanted)
            .into_iter()
            .map(|i| (start + i, char::from(slice.as_bytes()[i])))
            .collect()
    } else {
        slice
            .char_indices()
            .filter(|&(_, c)| chars.contains(c))
            .map(|(i, c)| (start + i, c))
            .collect()
    };
    let mut flagged = vec![false; hits.len()];
    let mut open: Vec<usize> = Vec::new();
    for (k, &(i, c)) in hits.iter().enumerate() {
        let e = i + c.len_utf8();
        if c == '(' {
            open.push(k);
        } else if c == ')' && !open.is_empty() {
            let o = open.pop().unwrap_or_default();
            let inner = &text[hits[o].0 + 1..i];
            if inner.chars().any(is_han) {
                flagged[o] = true;
                flagged[k] = true;
            }
        } else if before(i) || after(e) {
            flagged[k] = true;
        }
    }
    for o in open {
        let i = hits[o].0;
        if before(i) || after(i + 1) {
            flagged[o] = true;
        }
    }
    hits.iter()
        .zip(flagged)
        .filter(|(_, f)| *f)
        .map(|(&(i, c), _)| (i, i + c.len_utf8()))
        .collect()
}

/// The positions of the ASCII bytes of `bytes` marked in `wanted`.
fn ascii_positions(bytes: &[u8], wanted: &[bool; 128]) -> Vec<usize> {
    // Chinese text is mostly bytes of 0x80 and above: eight of them are
    // passed over with one test of a word.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut hits = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            if word & HIGH == HIGH {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 128 && wanted[usize::from(b)] {
            hits.push(i);
        }
        i += 1;
    }
    hits
}

/// `numbers_carry_on(groups)`: whether the numbers of consecutive groups
/// (arrays of numbers, `()` for an unnumbered entry) carry on from one group
/// to the next (true) or restart at 1 in each (false), by a majority of the
/// boundaries between groups with numbers: a group whose first number is 1
/// restarts, one whose first number follows the last of the group before
/// carries on, any other counts for neither. A tie restarts.
fn numbers_carry_on(groups: &mut Array) -> bool {
    let (mut on, mut restart) = (0usize, 0usize);
    let mut last: Option<INT> = None;
    for group in groups.iter() {
        let Some(group) = group.read_lock::<Array>() else {
            continue;
        };
        let mut numbers = group.iter().filter_map(|n| n.as_int().ok());
        let Some(first) = numbers.next() else {
            continue;
        };
        if let Some(last) = last {
            if first == 1 {
                restart += 1;
            } else if i128::from(first) == i128::from(last) + 1 {
                on += 1;
            }
        }
        last = Some(numbers.next_back().unwrap_or(first));
    }
    on > restart
}

/// Checks a run of numbers that should count 1, 2, 3…; `()` stands for an
/// entry without a number. Returns one map per break, in order:
/// `#{ at, kind, number, previous, first }` where `kind` is `repeat` (`first`:
/// where the number was first seen), `disorder` (a number not above the one
/// before), `gap` (numbers skipped: `previous` is the one before), `start` (a
/// run that does not start at 1), or `unnumbered` (an entry without a number
/// standing where the skipped number belongs: `number` is the number it
/// should have). Indices are positions in the array.
fn sequence_breaks(numbers: &mut Array) -> Array {
    let mut out = Array::new();
    breaks_of_run(numbers, 0, &mut out);
    out
}

/// `sequence_breaks(numbers, keys…)`: the breaks of each run of consecutive
/// numbers with the same keys (a level whose numbering restarts in each
/// chapter or section), each run counted from 1, with indices in the whole
/// array; `same(i, j)`: whether the keys of positions `i` and `j` are equal.
fn sequence_breaks_by(
    numbers: &[Dynamic],
    mut same: impl FnMut(usize, usize) -> RhaiResult<bool>,
) -> RhaiResult<Array> {
    let mut out = Array::new();
    let mut start = 0;
    for i in 1..=numbers.len() {
        if i == numbers.len() || !same(i - 1, i)? {
            breaks_of_run(&numbers[start..i], start, &mut out);
            start = i;
        }
    }
    Ok(out)
}

/// The breaks of one run that starts at index `offset` of its array.
fn breaks_of_run(numbers: &[Dynamic], offset: usize, out: &mut Array) {
    fn brk(at: usize, kind: &str, number: INT, previous: INT, first: Option<usize>) -> Dynamic {
        let mut m = rhai::Map::new();
        m.insert("at".into(), (at as INT).into());
        m.insert("kind".into(), kind.into());
        m.insert("number".into(), number.into());
        m.insert("previous".into(), previous.into());
        m.insert(
            "first".into(),
            first.map_or(Dynamic::UNIT, |f| (f as INT).into()),
        );
        m.into()
    }
    let brk = |at: usize, kind: &str, number: INT, previous: INT, first: Option<usize>| {
        brk(
            at + offset,
            kind,
            number,
            previous,
            first.map(|f| f + offset),
        )
    };
    let mut prev: INT = 0;
    let mut pending: Vec<usize> = Vec::new();
    let mut seen: std::collections::HashMap<INT, usize> =
        std::collections::HashMap::with_capacity(numbers.len());
    for (at, value) in numbers.iter().enumerate() {
        let Ok(n) = value.as_int() else {
            pending.push(at);
            continue;
        };
        if let Some(&first) = seen.get(&n) {
            out.push(brk(at, "repeat", n, prev, Some(first)));
            pending.clear();
            continue;
        }
        seen.insert(n, at);
        // i128: numbers come from scripts and may sit at the ends of i64.
        let (wide_n, wide_prev) = (i128::from(n), i128::from(prev));
        if wide_n > wide_prev + 1 {
            let missing = wide_n - wide_prev - 1;
            if pending.len() as i128 == missing {
                for (i, &p) in pending.iter().enumerate() {
                    // Below `n`, so it fits an INT.
                    let number = INT::try_from(wide_prev + 1 + i as i128).unwrap_or(n);
                    out.push(brk(p, "unnumbered", number, prev, None));
                }
            } else if prev == 0 {
                out.push(brk(at, "start", n, prev, None));
            } else {
                out.push(brk(at, "gap", n, prev, None));
            }
        } else if n <= prev {
            out.push(brk(at, "disorder", n, prev, None));
        }
        pending.clear();
        prev = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(numbers: &[Option<INT>]) -> Vec<(INT, String, INT)> {
        let mut arr: Array = numbers
            .iter()
            .map(|n| n.map_or(Dynamic::UNIT, Dynamic::from))
            .collect();
        sequence_breaks(&mut arr)
            .into_iter()
            .map(|b| {
                let m = b.cast::<rhai::Map>();
                (
                    m["at"].as_int().unwrap(),
                    m["kind"].clone().into_string().unwrap(),
                    m["number"].as_int().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn ascii_positions_finds_every_wanted_byte() {
        let mut wanted = [false; 128];
        for b in "(),;:".bytes() {
            wanted[usize::from(b)] = true;
        }
        let naive = |t: &str| -> Vec<usize> {
            t.bytes()
                .enumerate()
                .filter(|&(_, b)| b < 128 && wanted[usize::from(b)])
                .map(|(i, _)| i)
                .collect()
        };
        // Every seed, and texts that put marks at each place of a word.
        let mut texts: Vec<String> = std::fs::read_dir("seeds")
            .expect("seeds")
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).unwrap_or_default())
            .collect();
        for k in 0..20 {
            let mut t = "加强知识产权保护".repeat(3);
            let at = (k * 3).min(t.len());
            t.insert_str(at, ["(", "a,", ";:", ")x", "1"][k % 5]);
            texts.push(t);
        }
        texts.push(String::new());
        texts.push("(a)".into());
        for t in &texts {
            assert_eq!(ascii_positions(t.as_bytes(), &wanted), naive(t), "{t:.40}");
        }
    }

    #[test]
    fn numbers_carry_on_by_majority_of_boundaries() {
        let groups = |gs: &[&[Option<INT>]]| -> Array {
            gs.iter()
                .map(|g| {
                    let a: Array = g
                        .iter()
                        .map(|n| n.map_or(Dynamic::UNIT, Dynamic::from))
                        .collect();
                    Dynamic::from_array(a)
                })
                .collect()
        };
        // 1 2 | 3 4 | 5: carries on.
        assert!(numbers_carry_on(&mut groups(&[
            &[Some(1), Some(2)],
            &[Some(3), Some(4)],
            &[Some(5)]
        ])));
        // 1 2 | 1 2 | 3: two restarts, one carry.
        assert!(!numbers_carry_on(&mut groups(&[
            &[Some(1), Some(2)],
            &[Some(1), Some(2)],
            &[Some(3)]
        ])));
        // Unnumbered entries and empty groups are passed over.
        assert!(numbers_carry_on(&mut groups(&[
            &[None, Some(1), Some(2), None],
            &[None],
            &[Some(3)]
        ])));
        // One group: no boundary, no carry.
        assert!(!numbers_carry_on(&mut groups(&[&[Some(1), Some(2)]])));
    }

    #[test]
    fn sequence_breaks_names_each_break() {
        assert!(kinds(&[Some(1), Some(2), Some(3)]).is_empty());
        assert!(kinds(&[None, Some(1), Some(2), None]).is_empty());
        assert_eq!(
            kinds(&[Some(1), None, Some(3)]),
            [(1, "unnumbered".into(), 2)]
        );
        assert_eq!(kinds(&[Some(1), Some(3)]), [(1, "gap".into(), 3)]);
        assert_eq!(
            kinds(&[Some(1), Some(2), Some(2), Some(3)]),
            [(2, "repeat".into(), 2)]
        );
        assert_eq!(
            kinds(&[Some(1), Some(3), Some(2)]),
            [(1, "gap".into(), 3), (2, "disorder".into(), 2)]
        );
        assert_eq!(kinds(&[Some(2), Some(3)]), [(0, "start".into(), 2)]);
    }

    #[test]
    fn sequence_breaks_by_groups_counts_each_group_from_one() {
        // Two chapters of items: 1 2 2 | 1 3, and a third that starts at 2.
        let numbers: Array = [1, 2, 2, 1, 3, 2].map(|n: INT| Dynamic::from(n)).into();
        let keys = [0, 0, 0, 1, 1, 2];
        let found: Vec<(INT, String, Dynamic)> =
            sequence_breaks_by(&numbers, |a, b| Ok(keys[a] == keys[b]))
                .expect("breaks")
                .into_iter()
                .map(|b| {
                    let m = b.cast::<rhai::Map>();
                    let kind = m["kind"].clone().into_string().unwrap();
                    (m["at"].as_int().unwrap(), kind, m["first"].clone())
                })
                .collect();
        let got: Vec<(INT, &str, Option<INT>)> = found
            .iter()
            .map(|(at, kind, first)| (*at, kind.as_str(), first.as_int().ok()))
            .collect();
        // Indices are in the whole array: the repeat's first is 1, the gap
        // at 4, and the third group's start at 5.
        assert_eq!(
            got,
            [(2, "repeat", Some(1)), (4, "gap", None), (5, "start", None)]
        );
        assert!(sequence_breaks_by(&[], |_, _| Ok(true))
            .expect("empty")
            .is_empty());
    }

    #[test]
    fn days_counts_calendar_days() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(days(d(1970, 1, 1)), 0);
        assert_eq!(days(d(2020, 9, 17)) - days(d(2020, 6, 30)), 79);
        assert_eq!(days(d(2021, 1, 1)) - days(d(2020, 1, 1)), 366);
    }
}
