//! A bug in planlint that panics while one file is read stops that file, not
//! the run: [`contain`] turns the panic into a message, and the other files
//! are still checked.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Inside [`contain`] on this thread: the hook keeps quiet.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
    /// What the last contained panic said, and where.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`; a panic inside it comes back as `Err` with its message and
/// place, instead of unwinding further or printing a backtrace.
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CONTAINED.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_string());
                let place = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST.with(|last| *last.borrow_mut() = Some(format!("{message}{place}")));
            } else {
                default(info);
            }
        }));
    });
    let outer = CONTAINED.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(outer));
    result.map_err(|_| {
        LAST.with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| "a panic".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::contain;

    #[test]
    fn a_panic_is_contained_and_reported() {
        let r: Result<(), String> = contain(|| panic!("index out of range"));
        let message = r.unwrap_err();
        assert!(message.starts_with("index out of range at "), "{message}");
        assert_eq!(contain(|| 2 + 2), Ok(4));
    }
}
