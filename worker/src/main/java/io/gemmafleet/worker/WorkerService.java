package io.gemmafleet.worker;

import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.intake.Completion;
import io.gemmafleet.intake.ConsumerGroupIntake;
import io.gemmafleet.intake.IncomingJob;
import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.intake.JobIntake;
import io.gemmafleet.intake.ShareGroupIntake;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.results.ResultPublisher;
import io.gemmafleet.results.TopicBootstrap;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobCodec;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobState;
import io.gemmafleet.schemas.JobStatus;
import io.gemmafleet.schemas.JobStatusEvent;
import io.gemmafleet.worker.JobPreparer.Expired;
import io.gemmafleet.worker.JobPreparer.Prepared;
import io.gemmafleet.worker.JobPreparer.Ready;
import io.gemmafleet.worker.JobPreparer.Refused;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stateless worker: intake → {@link JobQueue} (batcher) → guarded runtime → results. Every received job ends
 * in exactly one written result before it is acknowledged or its offset committed (succeeded, failed, expired);
 * a job not finished when the drain deadline passes is released for another worker. Poison records are answered
 * (failed + dead letter) and never stop the loop.
 */
public final class WorkerService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);

    private final WorkerConfig config;
    private final ServedModel served;
    private final JobPreparer preparer;
    private final GuardedRuntime runtime;
    private final JobQueue queue;
    private final JobCodec codec = new JobCodec();
    private final ResultPublisher publisher;
    private final JobIntake intake;
    private final WorkerMetrics metrics;
    private final HealthServer http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    private volatile boolean killed;
    private volatile boolean breakerOpen;
    private volatile Instant drainDeadline = Instant.MAX;
    private Thread loop;

    public WorkerService(WorkerConfig config, ServedModel served, GemmaTokenizer tokenizer, InferenceRuntime raw)
            throws Exception {
        this.config = config;
        this.served = served;
        this.preparer = new JobPreparer(codec, tokenizer, served.contextLimit(), config.deliveryLimit());
        this.runtime = new GuardedRuntime(raw, 3, Duration.ofMillis(200), Duration.ofSeconds(30), this::onBreaker);
        this.queue = new JobQueue(config.batchSize(), 2 * config.batchSize());
        Properties clients = config.clientProperties();
        IntakeMode mode;
        boolean renewLocks = false;
        try (Admin admin = Admin.create(clients)) {
            TopicBootstrap.ensureTopics(admin, config.topics());
            mode = config.intakeMode().resolve(admin);
            if (mode == IntakeMode.SHARE) {
                renewLocks = TopicBootstrap.configureShareGroup(admin, config.groupId());
            }
        }
        Properties consumer = config.clientProperties();
        consumer.put("group.id", config.groupId());
        consumer.put("client.id", "gemma-worker-" + served.workerId());
        consumer.put("max.partition.fetch.bytes", Integer.toString(config.topics().maxMessageBytes() + 65536));
        List<String> topics = config.acceptImages()
                ? List.of(config.topics().textJobs(), config.topics().imageJobs())
                : List.of(config.topics().textJobs());
        this.intake = mode == IntakeMode.SHARE
                // Locks of long generations are renewed where the broker allows it (share.renew.acknowledge.enable).
                ? new ShareGroupIntake(consumer, topics, config.batchSize(), renewLocks)
                : new ConsumerGroupIntake(consumer, topics, config.batchSize());
        this.publisher = new ResultPublisher(clients, config.topics(), codec, served.workerId());
        this.metrics = new WorkerMetrics(served.workerId(), intake::lag, queue::waitingCount);
        this.http = config.httpPort() >= 0 ? startHttp(config.httpPort()) : null;
    }

    private HealthServer startHttp(int port) throws IOException {
        return new HealthServer(port, metrics::scrape, () -> loop != null && loop.isAlive(),
                () -> intake.isRunning() && !breakerOpen && !draining);
    }

    private void onBreaker(boolean open) {
        breakerOpen = open;
        if (open) {
            LOG.warn("runtime circuit breaker open: pausing intake");
            intake.pause();
        } else {
            LOG.info("runtime circuit breaker half-open/closed: resuming intake");
            intake.resume();
        }
    }

    public void start() {
        intake.start(new io.gemmafleet.intake.JobSink() {
            @Override
            public void accept(IncomingJob job) {
                metrics.received(1);
                queue.accept(job);
            }

            @Override
            public boolean hasRoom() {
                return queue.hasRoom();
            }
        });
        loop = Thread.ofPlatform().name("worker-" + served.workerId()).start(this::run);
        LOG.info("worker {} started: intake {}, batch {}, model {} ({}{})", served.workerId(), intake.mode(),
                config.batchSize(), served.model(), served.variant(), served.randomWeights() ? ", RANDOM WEIGHTS" : "");
    }

    public String intakeMode() {
        return intake.mode();
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    private void run() {
        try {
            while (!killed) {
                if (draining && (queue.waitingCount() == 0 || config.clock().instant().isAfter(drainDeadline))) {
                    break;
                }
                List<IncomingJob> batch = queue.nextBatch(Duration.ofMillis(50));
                if (batch.isEmpty()) {
                    continue;
                }
                try {
                    process(batch);
                } finally {
                    queue.finished(batch.size());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("worker loop stopped on an error", e);
        } finally {
            if (!killed) {
                // Drain deadline passed: what was never started goes back to the group for another worker.
                queue.takeAllWaiting().forEach(j -> intake.complete(j, Completion.RELEASED));
            }
            stopped.countDown();
        }
    }

    private void process(List<IncomingJob> batch) throws InterruptedException {
        Instant start = config.clock().instant();
        List<Ready> ready = new ArrayList<>();
        for (IncomingJob job : batch) {
            Prepared p = preparer.prepare(job, start);
            switch (p) {
                case Ready r -> ready.add(r);
                case Expired e -> finish(e, result(e.request().jobId(), e.request().clientJobId(), JobStatus.EXPIRED,
                        null, null, null, new JobResult.JobError(ErrorCodes.DEADLINE_EXCEEDED, "deadline "
                                + e.request().deadline() + " passed before inference started"), job, start, null),
                        Completion.DONE);
                case Refused f -> refuse(f, start);
            }
        }
        if (ready.isEmpty()) {
            return;
        }
        ready.forEach(r -> publisher.status(JobStatusEvent.of(r.jobId(), JobState.RUNNING, served.workerId(),
                start)));
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < ready.size(); i++) {
            requests.add(new GenerationRequest(i, ready.get(i).promptIds(), ready.get(i).params()));
        }
        List<JobResult> results = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            List<GenerationResult> out = runtime.generate(requests);
            long nanos = System.nanoTime() - t0;
            metrics.batch(ready.size(), out.stream().mapToLong(g -> g.tokenIds().length).sum(), nanos);
            for (int i = 0; i < ready.size(); i++) {
                Ready r = ready.get(i);
                GenerationResult g = out.get(i);
                metrics.timeToFirstToken(Duration.ofNanos(g.prefillNanos()));
                results.add(result(r.jobId(), r.request().clientJobId(), JobStatus.SUCCEEDED, g.text(),
                        g.finishReason().wireName(), new JobResult.Usage(g.promptTokens(), g.tokenIds().length),
                        null, r.job(), start, g.prefillNanos() / 1_000_000));
            }
        } catch (RuntimeException e) {
            if (breakerOpen) {
                // Not this batch's fault: give the jobs back so a healthy worker runs them.
                LOG.warn("runtime unavailable ({}); releasing {} jobs", e.toString(), ready.size());
                ready.forEach(r -> intake.complete(r.job(), Completion.RELEASED));
                return;
            }
            LOG.warn("batch of {} failed after retries: {}", ready.size(), e.toString());
            for (Ready r : ready) {
                results.add(result(r.jobId(), r.request().clientJobId(), JobStatus.FAILED, null, null, null,
                        new JobResult.JobError(ErrorCodes.RUNTIME_ERROR, String.valueOf(e.getMessage())), r.job(),
                        start, null));
            }
        }
        if (killed) {
            return; // a crash between generation and write: nothing written, nothing acknowledged
        }
        publisher.publishAll(results);
        for (int i = 0; i < ready.size(); i++) {
            JobResult res = results.get(i);
            metrics.completed(res.status().wireName(), res.error() == null ? "ok" : res.error().code());
            intake.complete(ready.get(i).job(), Completion.DONE);
        }
    }

    private void refuse(Refused f, Instant start) throws InterruptedException {
        LOG.info("refusing {} ({}): {} {}", f.jobId(), f.job().coordinates(), f.code(), f.message());
        JobResult r = result(f.jobId(), f.clientJobId(), JobStatus.FAILED, null, null, null,
                new JobResult.JobError(f.code(), f.message()), f.job(), start, null);
        if (killed) {
            return;
        }
        publisher.publishAll(List.of(r));
        if (f.deadLetter()) {
            publisher.deadLetter(f.job(), f.jobId(), f.code(), f.message());
        }
        metrics.completed("failed", f.code());
        intake.complete(f.job(), f.deadLetter() ? Completion.REJECTED : Completion.DONE);
    }

    private void finish(Prepared p, JobResult result, Completion completion) throws InterruptedException {
        if (killed) {
            return;
        }
        publisher.publishAll(List.of(result));
        metrics.completed(result.status().wireName(), result.error() == null ? "ok" : result.error().code());
        intake.complete(p.job(), completion);
    }

    private JobResult result(String jobId, String clientJobId, JobStatus status, String text, String finish,
                             JobResult.Usage usage, JobResult.JobError error, IncomingJob job, Instant batchStart,
                             Long firstTokenMs) {
        Instant now = config.clock().instant();
        Instant submitted = Instant.ofEpochMilli(job.timestampMs());
        try {
            var req = codec.decodeRequest(job.value());
            if (req.submittedAt() != null) {
                submitted = req.submittedAt();
            }
        } catch (RuntimeException ignored) {
            // A poison record has no submitted_at: the record's timestamp stands in.
        }
        long queued = Math.max(0, Duration.between(submitted, batchStart).toMillis());
        long total = Math.max(0, Duration.between(submitted, now).toMillis());
        metrics.queueWait(Duration.ofMillis(queued));
        return new JobResult(JobCodec.SCHEMA_VERSION, jobId, clientJobId, status, text, finish, usage,
                new JobResult.Timings(queued, firstTokenMs, total), served.servedBy(), error, job.deliveryCount(),
                now);
    }

    /**
     * Graceful stop: fetch nothing new, finish received jobs until {@code drainTimeout}, release the rest,
     * acknowledge/commit, leave the group. Returns when done.
     */
    public void drain() {
        drainDeadline = config.clock().instant().plus(config.drainTimeout());
        draining = true;
        intake.stopFetching();
        try {
            if (loop != null && !stopped.await(config.drainTimeout().toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("worker loop did not stop within the drain timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        intake.close();
        publisher.close();
        if (http != null) {
            http.close();
        }
    }

    /** Test hook: behave like a crash: write nothing more, acknowledge/commit nothing more, drop the connection. */
    public void kill() {
        killed = true;
        intake.abort();
        publisher.close();
        if (http != null) {
            http.close();
        }
    }

    @Override
    public void close() {
        if (!killed) {
            drain();
        }
    }
}
