//! The runner: for each [`Queue`], its own workers claim that queue's due rows and run them
//! through a [`Registry`]; each ending is announced in-process (see [`wait`]).
use std::{collections::BTreeMap, sync::Arc, time::Duration};

use entity::job;
use sea_orm::{DbErr, EntityTrait};
use tokio::sync::{broadcast, watch};

use super::{claim, complete, extend, fail, state, Attempt, Queue, Registry};
use crate::db::Db;

/// How a job run ended, announced to [`Db::job_events`] subscribers of this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// Failed; it runs again after its backoff.
    Retrying(String),
    /// Failed for good.
    Failed(String),
}

/// One ended run.
#[derive(Clone, Debug)]
pub struct Finished {
    pub id: i64,
    pub kind: String,
    pub outcome: Outcome,
}

/// How a job ended for good, as [`wait`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Completed (or already pruned, which only completed rows are).
    Completed,
    /// Failed for good, with its last error.
    Failed(Option<String>),
}

/// The row's state, read once: `Some` once it ended.
async fn ended(db: &Db, id: i64) -> Result<Option<Ended>, DbErr> {
    let row = job::Entity::find_by_id(id).one(&db.write).await?;
    Ok(match row {
        None => Some(Ended::Completed),
        Some(row) if row.state == state::COMPLETED => Some(Ended::Completed),
        Some(row) if row.state == state::FAILED => Some(Ended::Failed(row.last_error)),
        Some(_) => None,
    })
}

/// Wait up to `timeout` for job `id` to end; `None` if it is still queued or running. The wait
/// listens to this process's runner, not to the database: the row is read when the wait starts,
/// when the runner announces the job's end, and once more at the deadline (a job another
/// process ran is seen then).
pub async fn wait(db: &Db, id: i64, timeout: Duration) -> Result<Option<Ended>, DbErr> {
    // Subscribed before the first read, so an ending between the two is not missed.
    let mut events = db.job_events();
    if let Some(done) = ended(db, id).await? {
        return Ok(Some(done));
    }
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => return ended(db, id).await,
            Ok(Ok(finished)) if finished.id == id && !matches!(finished.outcome, Outcome::Retrying(_)) => {
                return ended(db, id).await;
            }
            Ok(Ok(_)) => {}
            // Announcements were dropped while this waiter lagged: one of them may be ours.
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                if let Some(done) = ended(db, id).await? {
                    return Ok(Some(done));
                }
            }
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                tokio::time::sleep_until(deadline).await;
                return ended(db, id).await;
            }
        }
    }
}

/// How a runner works.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    /// How long a claim holds before another worker may take the job.
    pub lease: Duration,
    /// The wait between polls when a queue is empty (jobs enqueued by any process are found).
    pub poll: Duration,
    /// Workers per queue (at least one each).
    pub concurrency: BTreeMap<Queue, usize>,
}

/// How many polls an idle worker other than a queue's first waits before it looks on its own.
const IDLE_POLLS: u32 = 10;

impl Default for RunnerOptions {
    /// `[jobs]`'s defaults (`config::Jobs`, a layer above): 25 federation workers, Pleroma's
    /// Oban `federator_outgoing`.
    fn default() -> Self {
        let concurrency =
            BTreeMap::from([(Queue::Federation, 25), (Queue::Default, 2), (Queue::Slow, 1), (Queue::Purge, 1)]);
        RunnerOptions { lease: Duration::from_secs(30), poll: Duration::from_millis(500), concurrency }
    }
}

impl RunnerOptions {
    /// The number of workers of `queue`.
    pub fn workers(&self, queue: Queue) -> usize {
        self.concurrency.get(&queue).copied().unwrap_or(1).max(1)
    }
}

/// Runs jobs of a registry's kinds with context `C`.
pub struct Runner<C> {
    db: Db,
    registry: Arc<Registry<C>>,
    ctx: C,
    options: RunnerOptions,
    /// `host:pid:random`; each worker adds its queue and number.
    name: String,
}

/// Stops a spawned runner: each worker finishes the job in hand (or loses it to the lease).
/// [`RunnerHandle::resize`] grows or shrinks a queue's workers while it runs.
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    crew: Arc<dyn Crew>,
    follower: Option<tokio::task::JoinHandle<()>>,
}

/// The running workers, without the runner's context type.
trait Crew: Send + Sync {
    fn resize(&self, queue: Queue, workers: usize);
    fn workers(&self, queue: Queue) -> usize;
    fn take_tasks(&self) -> Vec<tokio::task::JoinHandle<()>>;
}

/// One queue's workers: how many it should have, which are running, and the wake-up of its idle
/// ones.
struct Staff {
    /// `(limit, running worker numbers)`: one lock, so a worker leaving and a resize never race.
    roster: std::sync::Mutex<(usize, std::collections::BTreeSet<usize>)>,
    busy: tokio::sync::Notify,
}

struct Workers<C> {
    runner: Arc<Runner<C>>,
    stopped: watch::Receiver<bool>,
    staff: BTreeMap<Queue, Arc<Staff>>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RunnerHandle {
    /// Ask the workers to stop and wait for them.
    pub async fn stop(mut self) {
        if let Some(follower) = self.follower.take() {
            follower.abort();
        }
        // Fails only when every worker has already exited.
        self.stop.send_replace(true);
        for task in self.crew.take_tasks() {
            if let Err(error) = task.await {
                tracing::warn!(%error, "a job worker ended abnormally");
            }
        }
    }

    /// Run `workers` of `queue` (at least one): new workers start at once, surplus ones leave
    /// after the job in hand.
    pub fn resize(&self, queue: Queue, workers: usize) {
        self.crew.resize(queue, workers);
    }

    /// The workers of `queue` running now (a shrink counts those finishing their job).
    pub fn workers(&self, queue: Queue) -> usize {
        self.crew.workers(queue)
    }

    /// Resize the queues whenever `source` changes to a different worker count (`count` reads
    /// it), until stopped: the settings saved through `/config` apply without a restart.
    pub fn follow<T: Send + Sync + 'static>(
        &mut self,
        mut source: watch::Receiver<T>,
        count: fn(&T) -> BTreeMap<Queue, usize>,
    ) {
        let crew = self.crew.clone();
        let mut last = count(&source.borrow_and_update());
        self.follower = Some(tokio::spawn(async move {
            while source.changed().await.is_ok() {
                let next = count(&source.borrow_and_update());
                if next != last {
                    for (queue, workers) in &next {
                        if last.get(queue) != Some(workers) {
                            tracing::info!(queue = queue.name(), workers, "job queue resized");
                            crew.resize(*queue, *workers);
                        }
                    }
                    last = next;
                }
            }
        }));
    }
}

impl<C: Clone + Send + Sync + 'static> Crew for Workers<C> {
    fn resize(&self, queue: Queue, workers: usize) {
        let Some(staff) = self.staff.get(&queue) else { return };
        let mut roster = lock(&staff.roster);
        roster.0 = workers.max(1);
        for n in 0..roster.0 {
            if roster.1.insert(n) {
                lock(&self.tasks).push(self.start(queue, n, staff.clone()));
            }
        }
        drop(roster);
        // Idle workers look again: the surplus ones leave.
        staff.busy.notify_waiters();
    }

    fn workers(&self, queue: Queue) -> usize {
        self.staff.get(&queue).map_or(0, |staff| lock(&staff.roster).1.len())
    }

    fn take_tasks(&self) -> Vec<tokio::task::JoinHandle<()>> {
        std::mem::take(&mut *lock(&self.tasks))
    }
}

impl<C: Clone + Send + Sync + 'static> Workers<C> {
    /// Worker `n` of `queue`: runs its jobs back to back, polls when the queue is empty, and
    /// leaves when the runner stops or the queue shrank below it.
    fn start(&self, queue: Queue, n: usize, staff: Arc<Staff>) -> tokio::task::JoinHandle<()> {
        let (runner, mut stopped) = (self.runner.clone(), self.stopped.clone());
        let worker = format!("{}:{}:{n}", runner.name, queue.name());
        tokio::spawn(async move {
            loop {
                if *stopped.borrow() {
                    break;
                }
                {
                    let mut roster = lock(&staff.roster);
                    if n >= roster.0 {
                        roster.1.remove(&n);
                        return;
                    }
                }
                let ran = match runner.run_next(Some(queue), &worker).await {
                    Ok(ran) => ran,
                    Err(err) => {
                        tracing::warn!(error = %err, queue = queue.name(), "job queue unavailable");
                        false
                    }
                };
                if ran {
                    staff.busy.notify_waiters();
                } else if n == 0 {
                    tokio::select! {
                        _ = tokio::time::sleep(runner.options.poll) => {}
                        _ = stopped.changed() => {}
                    }
                } else {
                    tokio::select! {
                        _ = staff.busy.notified() => {}
                        _ = tokio::time::sleep(runner.options.poll * IDLE_POLLS) => {}
                        _ = stopped.changed() => {}
                    }
                }
            }
            lock(&staff.roster).1.remove(&n);
        })
    }
}

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// A runner over `db`.
    pub fn new(db: Db, registry: Arc<Registry<C>>, ctx: C, options: RunnerOptions) -> Runner<C> {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".into());
        let name = format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>());
        Runner { db, registry, ctx, options, name }
    }

    /// Run one due job of any queue, if any; true when one was run (completed or failed).
    pub async fn run_once(&self) -> Result<bool, DbErr> {
        self.run_next(None, &self.name).await
    }

    /// Run one due job of `queue`, if any.
    pub async fn run_once_in(&self, queue: Queue) -> Result<bool, DbErr> {
        self.run_next(Some(queue), &self.name).await
    }

    async fn run_next(&self, queue: Option<Queue>, worker: &str) -> Result<bool, DbErr> {
        let Some(job) = claim(&self.db, worker, queue, self.options.lease).await? else { return Ok(false) };
        let outcome = if job.attempts > job.max_attempts {
            let error = "too many attempts (its workers kept dying)";
            fail(&self.db, &job, worker, error).await?;
            Outcome::Failed(error.into())
        } else {
            self.run_claimed(&job, worker).await?
        };
        self.db.announce_job(Finished { id: job.id, kind: job.kind, outcome });
        Ok(true)
    }

    async fn run_claimed(&self, job: &job::Model, worker: &str) -> Result<Outcome, DbErr> {
        tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
        // Keep the lease while the job works.
        let (db, id, held_by, lease) = (self.db.clone(), job.id, worker.to_string(), self.options.lease);
        let keeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                if !matches!(extend(&db, id, &held_by, lease).await, Ok(true)) {
                    break;
                }
            }
        });
        let attempt = Attempt { job_id: job.id, number: job.attempts, max: job.max_attempts };
        let (registry, ctx, kind, args) = (self.registry.clone(), self.ctx.clone(), job.kind.clone(), job.args.clone());
        // A task of its own, so a panicking job is a failed attempt, not a dead worker.
        let run = tokio::spawn(async move { registry.run(&kind, args, ctx, attempt).await });
        let result = run.await.unwrap_or_else(|panic| Err(format!("the job panicked: {panic}")));
        keeper.abort();
        Ok(match result {
            Ok(()) => {
                if complete(&self.db, job.id, worker).await? {
                    tracing::info!(job = job.id, kind = %job.kind, "job completed");
                } else {
                    tracing::warn!(job = job.id, "job finished after its lease was lost");
                }
                Outcome::Completed
            }
            Err(error) => {
                tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed");
                fail(&self.db, job, worker, &error).await?;
                if attempt.is_last() {
                    Outcome::Failed(error)
                } else {
                    Outcome::Retrying(error)
                }
            }
        })
    }

    /// Run until stopped: each queue's workers run its jobs back to back, and poll when it is
    /// empty. An idle queue is polled by its first worker only (the federation queue has 25): a
    /// worker that ran a job wakes the others, which then run back to back until the queue is
    /// empty; they also look every `IDLE_POLLS` polls on their own.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, stopped) = watch::channel(false);
        let runner = Arc::new(self);
        let staff: BTreeMap<Queue, Arc<Staff>> = Queue::ALL
            .iter()
            .map(|q| {
                let staff =
                    Staff { roster: std::sync::Mutex::new((0, Default::default())), busy: tokio::sync::Notify::new() };
                (*q, Arc::new(staff))
            })
            .collect();
        let workers = Arc::new(Workers { runner: runner.clone(), stopped, staff, tasks: Default::default() });
        for queue in Queue::ALL {
            workers.resize(queue, runner.options.workers(queue));
        }
        RunnerHandle { stop, crew: workers, follower: None }
    }
}
