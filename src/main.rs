//! The `planlint` binary: a thin shell over the library's command line.

use std::alloc::{GlobalAlloc, Layout};
use tikv_jemallocator::Jemalloc;

/// jemalloc, for speed (see its entry in Cargo.toml), except that a small
/// block grows as a new block, a copy and a free. A vector grows by doubling,
/// so nearly always into another size class, which jemalloc's `realloc`
/// finds only after looking the old block up (it is not told its size):
/// some 500 instructions a growth, against some 100 this way. pest's token
/// queues grow like this a few hundred times per plan.
struct Allocator;

/// The largest block grown by copy, well within jemalloc's small size
/// classes (up to 14 KiB with 4 KiB pages): a larger block may grow in
/// place, which only `realloc` can do.
const COPY_GROWTH_MAX: usize = 8 * 1024;

// SAFETY: every call is handed to jemalloc, with the layout the caller gave;
// `realloc` of a small block is the trait's own default, written out.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { Jemalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { Jemalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Jemalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.size() > COPY_GROWTH_MAX || new_size > COPY_GROWTH_MAX {
            return unsafe { Jemalloc.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller guarantees `new_size`, rounded up to the
        // alignment, does not overflow `isize` (GlobalAlloc::realloc).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new_ptr = unsafe { Jemalloc.alloc(new_layout) };
        if !new_ptr.is_null() {
            // SAFETY: both blocks are valid for the smaller of the two sizes
            // and distinct (the old one is still allocated).
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                Jemalloc.dealloc(ptr, layout);
            }
        }
        new_ptr
    }
}

#[global_allocator]
static GLOBAL: Allocator = Allocator;

fn main() -> std::process::ExitCode {
    planlint::cli::main()
}
