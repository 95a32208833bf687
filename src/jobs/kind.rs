//! A job kind is a type: its name in the table, its queue, its attempts, its arguments (the
//! type's serde form, stored as the row's `args`) and what running it does. A [`Registry`] maps
//! names to kinds; a runner dispatches a claimed row by its name there, and a name it does not
//! know fails that row with a clear error (never runs another kind).
//!
//! Modelled on crates.io's `crates_io_worker` (`BackgroundJob`, `Runner::register_job_type`).
use std::{collections::HashMap, future::Future, pin::Pin};

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// Attempts before a job is left `failed`, unless its kind says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// The queues: each runs with its own number of workers, so a long job on one (a frontend
/// download) never holds up another (deliveries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Queue {
    /// Talking to other servers: deliveries, relay follows.
    Federation,
    /// Everything else (imports).
    Default,
    /// Long downloads and archives: frontends, backups.
    Slow,
    /// Deleting users' and instances' content.
    Purge,
}

impl Queue {
    /// Every queue.
    pub const ALL: [Queue; 4] = [Queue::Federation, Queue::Default, Queue::Slow, Queue::Purge];

    /// The value of the row's `queue` column.
    pub const fn name(self) -> &'static str {
        match self {
            Queue::Federation => "federation",
            Queue::Default => "default",
            Queue::Slow => "slow",
            Queue::Purge => "purge",
        }
    }
}

/// Which attempt a run is (1 for the first), out of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The row's id.
    pub job_id: i64,
    pub number: i32,
    pub max: i32,
}

impl Attempt {
    /// No retry follows a failure of this attempt.
    pub fn is_last(&self) -> bool {
        self.number >= self.max
    }
}

/// A failed attempt's reason, stored as the row's `last_error`.
pub type Failure = String;

/// A kind of background job. The value is the job's arguments; [`super::enqueue`] stores it,
/// and a runner reads it back and calls [`Job::run`]. Runs are idempotent: a run interrupted by
/// a crash is run again.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// The row's `kind`; never change it while rows of it may exist.
    const NAME: &'static str;
    /// Where it runs.
    const QUEUE: Queue;
    /// Attempts before the row is left `failed`.
    const MAX_ATTEMPTS: i32 = DEFAULT_MAX_ATTEMPTS;
    /// What every job of a registry runs with (connections, settings).
    type Context: Clone + Send + Sync + 'static;

    /// Do the work; `Err` is a failed attempt (retried with backoff until the last).
    fn run(self, ctx: Self::Context, attempt: Attempt) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// Only kinds listed in a registry can be enqueued (see [`job_kinds!`](crate::jobs::job_kinds)),
/// so no row is written that no runner knows.
pub trait Listed: Job {}

type RunFn<C> = fn(Value, C, Attempt) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;

fn run_typed<J: Job>(
    args: Value,
    ctx: J::Context,
    attempt: Attempt,
) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>> {
    Box::pin(async move {
        let job: J = serde_json::from_value(args).map_err(|e| format!("job {}: invalid arguments: {e}", J::NAME))?;
        job.run(ctx, attempt).await
    })
}

/// The kinds a runner knows, by name.
pub struct Registry<C> {
    kinds: HashMap<&'static str, (Queue, RunFn<C>)>,
}

impl<C: Clone + Send + Sync + 'static> Default for Registry<C> {
    fn default() -> Self {
        Registry { kinds: HashMap::new() }
    }
}

impl<C: Clone + Send + Sync + 'static> Registry<C> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add kind `J`. Two kinds of one name are a programming error, caught at start-up.
    pub fn register<J: Job<Context = C>>(mut self) -> Self {
        let previous = self.kinds.insert(J::NAME, (J::QUEUE, run_typed::<J>));
        assert!(previous.is_none(), "two job kinds are named {}", J::NAME);
        self
    }

    /// The names known, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.kinds.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The queue of kind `name`, if known.
    pub fn queue_of(&self, name: &str) -> Option<Queue> {
        self.kinds.get(name).map(|(queue, _)| *queue)
    }

    /// Run a row of kind `name` with arguments `args`; an unknown name is a failure.
    pub async fn run(&self, name: &str, args: Value, ctx: C, attempt: Attempt) -> Result<(), Failure> {
        match self.kinds.get(name) {
            Some((_, run)) => run(args, ctx, attempt).await,
            None => Err(format!("unknown job kind {name}")),
        }
    }
}

/// Declare the kinds of a registry: `job_kinds!(pub fn registry() -> Registry<Ctx> { A, B })`
/// defines the function and marks each kind [`Listed`], the bound [`super::enqueue`] asks for.
#[macro_export]
macro_rules! job_kinds {
    ($vis:vis fn $name:ident() -> Registry<$ctx:ty> { $($kind:ty),+ $(,)? }) => {
        $(impl $crate::jobs::Listed for $kind {})+
        /// Every job kind, for the runner.
        $vis fn $name() -> $crate::jobs::Registry<$ctx> {
            $crate::jobs::Registry::new()$(.register::<$kind>())+
        }
    };
}
