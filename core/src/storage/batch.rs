//! Group commit: many concurrent callers, one transaction.
//!
//! Callers send a request and wait on its answer; a single task drains
//! whatever is queued (up to a maximum), runs one batch, and answers each.
//! Under load this turns N fsyncs into one without any caller being answered
//! before its write is durable.

use std::{future::Future, pin::Pin, sync::Arc};

use tokio::sync::{mpsc, oneshot};

use super::StoreError;

type Reply<Resp> = oneshot::Sender<Result<Resp, Arc<StoreError>>>;
type BatchFn<Req, Resp> = Arc<
    dyn Fn(Vec<Req>) -> Pin<Box<dyn Future<Output = Result<Vec<Resp>, StoreError>> + Send>>
        + Send
        + Sync,
>;

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
        let (batcher, writer) = Self::pair(max_batch, run);
        tokio::spawn(writer);
        batcher
    }

    /// Like [`Batcher::spawn`], with the writer on a thread of its own named
    /// `name`, for a `run` that blocks its thread (synchronous database
    /// calls). The thread ends when the last handle is dropped.
    pub fn spawn_on_thread<F, Fut>(name: &str, max_batch: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, StoreError>> + Send + 'static,
    {
        let (batcher, writer) = Self::pair(max_batch, run);
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
    fn pair<F, Fut>(max_batch: usize, run: F) -> (Self, impl Future<Output = ()> + Send)
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, StoreError>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(max_batch * 4);
        let run: BatchFn<Req, Resp> = Arc::new(move |b| Box::pin(run(b)));
        (Batcher { tx }, drain(rx, max_batch, run))
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
    max: usize,
    run: BatchFn<Req, Resp>,
) {
    while let Some(first) = rx.recv().await {
        let mut reqs = vec![first.0];
        let mut replies = vec![first.1];
        while reqs.len() < max {
            match rx.try_recv() {
                Ok((req, reply)) => {
                    reqs.push(req);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
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
