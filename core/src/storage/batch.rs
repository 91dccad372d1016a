//! Group commit: many concurrent callers, one transaction.
//!
//! Callers send a request and wait on its answer; a single task drains
//! whatever is queued (up to a maximum), runs one batch, and answers each.
//! Under load this turns N fsyncs into one without any caller being answered
//! before its write is durable.

use std::{collections::VecDeque, future::Future, pin::Pin, sync::Arc};

use tokio::sync::{mpsc, oneshot};

use super::StoreError;

type Reply<Resp> = oneshot::Sender<Result<Resp, Arc<StoreError>>>;
type BatchFn<Req, Resp> = Arc<
    dyn Fn(Vec<Req>) -> Pin<Box<dyn Future<Output = Result<Vec<Resp>, StoreError>> + Send>>
        + Send
        + Sync,
>;

/// How the writer loop makes batches of what is queued.
pub struct Shape<Req> {
    /// The most requests in one batch.
    pub max: usize,
    /// The most requests in one batch that can wait (`urgent` says no):
    /// a burst of them is spread over several transactions, and whatever
    /// urgent arrives meanwhile goes in the next one instead of waiting for
    /// the whole burst's commit.
    pub max_deferrable: usize,
    /// Whether a request goes in the next batch (room permitting).
    pub urgent: fn(&Req) -> bool,
}

impl<Req> Shape<Req> {
    /// Up to `max` requests per batch, all alike, in arrival order.
    pub fn plain(max: usize) -> Self {
        Shape {
            max,
            max_deferrable: max,
            urgent: |_| true,
        }
    }
}

/// A handle to a batching writer.
pub struct Batcher<Req, Resp> {
    tx: mpsc::Sender<(Req, Reply<Resp>)>,
}

impl<Req, Resp> Clone for Batcher<Req, Resp> {
    fn clone(&self) -> Self {
        Batcher {
            tx: self.tx.clone(),
        }
    }
}

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// Starts the writer task; `run` commits one batch and answers in order.
    pub fn spawn<F, Fut>(max_batch: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, StoreError>> + Send + 'static,
    {
        let (batcher, writer) = Self::pair(Shape::plain(max_batch), run);
        tokio::spawn(writer);
        batcher
    }

    /// Like [`Batcher::spawn`], with the writer on a thread of its own named
    /// `name`, for a `run` that blocks its thread (synchronous database
    /// calls). The thread ends when the last handle is dropped.
    pub fn spawn_on_thread<F, Fut>(name: &str, shape: Shape<Req>, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, StoreError>> + Send + 'static,
    {
        let (batcher, writer) = Self::pair(shape, run);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the writer thread")
                    .block_on(writer);
            })
            .expect("spawn the writer thread");
        batcher
    }

    /// A handle and the writer loop that serves it, to be run somewhere.
    fn pair<F, Fut>(shape: Shape<Req>, run: F) -> (Self, impl Future<Output = ()> + Send)
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, StoreError>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(shape.max * 4);
        let run: BatchFn<Req, Resp> = Arc::new(move |b| Box::pin(run(b)));
        (Batcher { tx }, drain(rx, shape, run))
    }

    /// Queues one request and waits until its batch is committed.
    pub async fn submit(&self, req: Req) -> Result<Resp, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((req, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        match answer.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(shared)) => Err(shared.shared_copy()),
            Err(_) => Err(StoreError::Closed),
        }
    }
}

async fn drain<Req, Resp>(
    mut rx: mpsc::Receiver<(Req, Reply<Resp>)>,
    shape: Shape<Req>,
    run: BatchFn<Req, Resp>,
) {
    let mut queued = VecDeque::new();
    loop {
        if queued.is_empty() {
            let Some(first) = rx.recv().await else {
                return;
            };
            queued.push_back(first);
        }
        while queued.len() < shape.max * 4 {
            match rx.try_recv() {
                Ok(next) => queued.push_back(next),
                Err(_) => break,
            }
        }
        let (reqs, replies) = next_batch(&mut queued, &shape);
        match run(reqs).await {
            Ok(resps) => {
                for (reply, resp) in replies.into_iter().zip(resps) {
                    let _ = reply.send(Ok(resp));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = replies.len(), "batch write failed");
                let shared = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(shared.clone()));
                }
            }
        }
    }
}

/// Takes the next batch off `queued`, in arrival order: up to `max`
/// requests, of which at most `max_deferrable` can wait. What is left keeps
/// its place for the next batch. Limits below one count as one, so a batch
/// is never empty and the loop always moves on.
fn next_batch<Req, Resp>(
    queued: &mut VecDeque<(Req, Reply<Resp>)>,
    shape: &Shape<Req>,
) -> (Vec<Req>, Vec<Reply<Resp>>) {
    let mut reqs = Vec::new();
    let mut replies = Vec::new();
    let mut deferrable = 0;
    let mut left = VecDeque::new();
    let (max, max_deferrable) = (shape.max.max(1), shape.max_deferrable.max(1));
    for (req, reply) in queued.drain(..) {
        let urgent = (shape.urgent)(&req);
        if reqs.len() < max && (urgent || deferrable < max_deferrable) {
            deferrable += usize::from(!urgent);
            reqs.push(req);
            replies.push(reply);
        } else {
            left.push_back((req, reply));
        }
    }
    *queued = left;
    (reqs, replies)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(reqs: &[u32]) -> VecDeque<(u32, Reply<u32>)> {
        reqs.iter().map(|&r| (r, oneshot::channel().0)).collect()
    }

    /// Odd requests can wait, even ones cannot.
    fn shape(max: usize, max_deferrable: usize) -> Shape<u32> {
        Shape {
            max,
            max_deferrable,
            urgent: |r| r % 2 == 0,
        }
    }

    fn left(q: &VecDeque<(u32, Reply<u32>)>) -> Vec<u32> {
        q.iter().map(|(r, _)| *r).collect()
    }

    #[test]
    fn a_burst_that_can_wait_is_spread_and_urgent_work_goes_first() {
        let mut q = queue(&[1, 3, 5, 7, 2, 9, 4]);
        let (batch, replies) = next_batch(&mut q, &shape(10, 2));
        assert_eq!(batch, [1, 3, 2, 4]);
        assert_eq!(replies.len(), 4);
        assert_eq!(left(&q), [5, 7, 9]);
        let (batch, _) = next_batch(&mut q, &shape(10, 2));
        assert_eq!(batch, [5, 7]);
        assert_eq!(left(&q), [9]);
    }

    #[test]
    fn zero_limits_still_take_one_request() {
        let mut q = queue(&[1, 3]);
        let (batch, _) = next_batch(&mut q, &shape(0, 0));
        assert_eq!(batch, [1]);
        assert_eq!(left(&q), [3]);
    }

    #[test]
    fn a_plain_shape_takes_everything_in_order_up_to_max() {
        let mut q = queue(&[1, 2, 3, 4, 5]);
        let (batch, _) = next_batch(&mut q, &Shape::plain(3));
        assert_eq!(batch, [1, 2, 3]);
        assert_eq!(left(&q), [4, 5]);
    }

    #[tokio::test]
    async fn every_request_is_answered_in_its_own_order() {
        let batcher = Batcher::spawn(4, |batch: Vec<u32>| async move {
            Ok(batch.into_iter().map(|r| r * 10).collect())
        });
        let answers = futures::future::join_all((0..20).map(|r| batcher.submit(r))).await;
        let answers: Vec<u32> = answers.into_iter().map(|a| a.expect("answered")).collect();
        assert_eq!(answers, (0..20).map(|r| r * 10).collect::<Vec<_>>());
    }
}
