//! Progress on standard error for long work (seed, import, migrations, backups, vacuum):
//! indicatif's spinner with the elapsed time, drawn only when standard error is a terminal
//! (indicatif hides it otherwise), so logs and pipes stay clean.
use std::{borrow::Cow, time::Duration};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner saying `message`, ticking until `finish_and_clear`.
pub fn spinner(message: impl Into<Cow<'static, str>>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
