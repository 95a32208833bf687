//! Progress on standard error for long work: indicatif's counted bar where the rows to write are
//! known (seed), its spinner with the elapsed time elsewhere (import, migrations, backups,
//! vacuum), drawn only when standard error is a terminal (indicatif hides it otherwise), so logs
//! and pipes stay clean.
use std::{borrow::Cow, time::Duration};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar saying `message` that follows `(done, planned)` as `read` reports it (the planned
/// total may grow), until `finish_and_clear`.
pub fn counted(message: impl Into<Cow<'static, str>>, read: impl Fn() -> (u64, u64) + Send + 'static) -> ProgressBar {
    // A spinner while the rows are generated, then the bar.
    let bar = spinner(message);
    let shown = bar.clone();
    std::thread::spawn(move || {
        let mut counting = false;
        while !shown.is_finished() {
            let (done, planned) = read();
            if planned > 0 && !counting {
                if let Ok(style) =
                    ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} rows ({elapsed})")
                {
                    shown.set_style(style.progress_chars("=> "));
                }
                counting = true;
            }
            if counting {
                shown.set_length(planned.max(done));
                shown.set_position(done);
            }
            std::thread::sleep(Duration::from_millis(120));
        }
    });
    bar
}

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
