//! Inline display of figures in Jupyter notebooks on the evcxr Rust kernel.
//!
//! evcxr shows the last expression of a cell through its `evcxr_display`
//! method when the type has one: the method prints a block
//! `EVCXR_BEGIN_CONTENT <mime type>`, the content, and `EVCXR_END_CONTENT`,
//! each on its own line (evcxr_jupyter README, "Custom output"). A
//! [`Figure`] prints itself as `image/svg+xml`, so `fig` alone in a cell
//! draws it.

use std::io::Write;

use super::{render_svg, Figure};

impl Figure {
    /// Prints the figure as an inline SVG block for evcxr (see the module
    /// docs). A figure that cannot be drawn prints the error to stderr,
    /// which a notebook runner treats as a failed cell.
    pub fn evcxr_display(&self) {
        match render_svg(self) {
            Ok(svg) => {
                let mut out = std::io::stdout().lock();
                // A failed write to stdout means the kernel is gone; there
                // is no one left to tell.
                let _ = writeln!(
                    out,
                    "EVCXR_BEGIN_CONTENT image/svg+xml\n{svg}\nEVCXR_END_CONTENT"
                );
                let _ = out.flush();
            }
            Err(e) => eprintln!("the figure `{}` cannot be drawn: {e}", self.title),
        }
    }
}
