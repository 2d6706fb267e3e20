package io.gemmafleet.worker;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.intake.CancelFeed;
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
import io.gemmafleet.worker.JobPreparer.Cancelled;
import io.gemmafleet.worker.JobPreparer.Expired;
import io.gemmafleet.worker.JobPreparer.Prepared;
import io.gemmafleet.worker.JobPreparer.Ready;
import io.gemmafleet.worker.JobPreparer.Refused;
import io.gemmafleet.worker.vision.BackgroundEncoding;
import io.gemmafleet.worker.vision.VisionServing;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stateless worker: intake → {@link JobQueue} → the continuously batching runtime → results. Jobs join the
 * running batch as they arrive and leave it as they finish. Every received job ends in exactly one written result
 * before it is acknowledged or its offset committed (succeeded, failed, cancelled, expired); a job not finished when
 * the drain deadline passes is released for another worker. Poison records are answered (failed + dead letter) and
 * never stop the loop. Cancel requests arrive through the cancel topic ({@link CancelFeed}).
 */
public final class WorkerService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);

    /** A job inside the runtime. */
    private record InFlight(Ready ready, Instant received) {}

    private final WorkerConfig config;
    private final String workerId;
    private final JobPreparer preparer;
    private final VisionServing vision;
    /** The image jobs being encoded, off the loop's thread; null for a text-only worker. */
    private final BackgroundEncoding<Ready> encodings;
    private final GuardedRuntime runtime;
    private final JobQueue queue;
    private final JobCodec codec = new JobCodec();
    private final ResultPublisher publisher;
    private final JobIntake intake;
    private final CancelFeed cancels;
    private final WorkerMetrics metrics;
    private final HealthServer http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Jobs in the runtime by request id: the inference thread's own. */
    private final Map<Long, InFlight> held = new HashMap<>();
    /** Request ids by job id, for cancels arriving on the feed's thread. */
    private final Map<String, Long> heldByJobId = new ConcurrentHashMap<>();
    private long nextRequestId = 1;
    private volatile boolean draining;
    private volatile boolean killed;
    private volatile boolean breakerOpen;
    private volatile Instant drainDeadline = Instant.MAX;
    private Thread loop;

    public WorkerService(WorkerConfig config, GemmaTokenizer tokenizer, InferenceRuntime raw) throws Exception {
        this(config, tokenizer, raw, null);
    }

    /** @param vision how to serve image and video jobs, or null for a text-only worker (it refuses them) */
    public WorkerService(WorkerConfig config, GemmaTokenizer tokenizer, InferenceRuntime raw, VisionServing vision)
            throws Exception {
        this.config = config;
        this.vision = vision;
        this.encodings = vision == null ? null
                : new BackgroundEncoding<>(vision.encoding(), "image-encoder-" + raw.served().workerId());
        this.workerId = raw.served().workerId();
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
        this.cancels = new CancelFeed(clients, config.topics().cancel(), config.topics().cancelRetention(),
                config.clock(), this::onCancel);
        this.preparer = new JobPreparer(codec, tokenizer, () -> runtime.served().contextLimit(),
                config.deliveryLimit(), cancels::isCancelled, vision);
        Properties consumer = config.clientProperties();
        consumer.put("group.id", config.groupId());
        consumer.put("client.id", "gemma-worker-" + workerId);
        consumer.put("max.partition.fetch.bytes", Integer.toString(config.topics().maxMessageBytes() + 65536));
        List<String> topics = config.acceptImages() || vision != null
                ? List.of(config.topics().textJobs(), config.topics().imageJobs())
                : List.of(config.topics().textJobs());
        this.intake = mode == IntakeMode.SHARE
                // Locks of long generations are renewed where the broker allows it (share.renew.acknowledge.enable).
                ? new ShareGroupIntake(consumer, topics, config.batchSize(), renewLocks)
                : new ConsumerGroupIntake(consumer, topics, config.batchSize());
        this.publisher = new ResultPublisher(clients, config.topics(), codec, workerId);
        this.metrics = new WorkerMetrics(workerId, intake::lag, queue::waitingCount, runtime::status);
        if (vision != null) {
            metrics.registerImages(vision.encoding());
        }
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

    /** A cancel from the feed's thread: a held job is ended by the runtime; a queued one when it is prepared. */
    private void onCancel(String jobId) {
        Long id = heldByJobId.get(jobId);
        if (id != null) {
            runtime.cancel(id);
        }
    }

    public void start() {
        cancels.start();
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
        loop = Thread.ofPlatform().name("worker-" + workerId).start(this::run);
        ServedModel served = runtime.served();
        LOG.info("worker {} started: intake {}, running up to {}, model {} ({}{}) at context {}", workerId,
                intake.mode(), config.batchSize(), served.model(), served.variant(),
                served.randomWeights() ? ", RANDOM WEIGHTS" : "", served.contextLimit());
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
                if (draining && ((held.isEmpty() && queue.waitingCount() == 0 && encodingCount() == 0)
                        || config.clock().instant().isAfter(drainDeadline))) {
                    break;
                }
                // Idle: wait a little for work. Busy: take whatever arrived and go straight on stepping.
                List<IncomingJob> arrived = queue.nextBatch(held.isEmpty() ? Duration.ofMillis(50) : Duration.ZERO);
                admit(arrived);
                startEncoded();
                if (held.isEmpty()) {
                    continue;
                }
                List<GenerationResult> ended;
                try {
                    ended = runtime.step();
                } catch (RuntimeException e) {
                    failHeld(e);
                    continue;
                }
                publish(ended);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("worker loop stopped on an error", e);
        } finally {
            if (!killed) {
                // Drain deadline passed: what was not finished goes back to the group for another worker.
                for (GenerationResult r : runtime.abandonAll()) {
                    InFlight f = forget(r.id());
                    if (f != null) {
                        intake.complete(f.ready().job(), Completion.RELEASED);
                    }
                }
                if (encodings != null) {
                    encodings.abandon().forEach(r -> intake.complete(r.job(), Completion.RELEASED));
                }
                queue.takeAllWaiting().forEach(j -> intake.complete(j, Completion.RELEASED));
            }
            if (encodings != null) {
                encodings.close();
            }
            stopped.countDown();
        }
    }

    /** Prepares newly arrived jobs: ready ones join the runtime, the others are answered at once. */
    private void admit(List<IncomingJob> arrived) throws InterruptedException {
        if (arrived.isEmpty()) {
            return;
        }
        Instant now = config.clock().instant();
        long nanoNow = System.nanoTime();
        List<Ready> withImages = new ArrayList<>();
        for (IncomingJob job : arrived) {
            Prepared p = preparer.prepare(job, now);
            switch (p) {
                case Ready r when r.images() != null -> withImages.add(r);
                case Ready r -> start(r, List.of(), now, nanoNow);
                case Expired e -> answer(e, result(e, JobStatus.EXPIRED, null, null, null,
                        new JobResult.JobError(ErrorCodes.DEADLINE_EXCEEDED, "deadline " + e.request().deadline()
                                + " passed before inference started"), now, null), Completion.DONE);
                case Cancelled c -> answer(c, result(c, JobStatus.CANCELLED, "", null, null, null, now, null),
                        Completion.DONE);
                case Refused f -> refuse(f, now);
            }
        }
        if (!withImages.isEmpty()) {
            // The images of every job of this arrival go through the tower together, off this thread.
            encodings.submit(withImages, Ready::images);
        }
    }

    private int encodingCount() {
        return encodings == null ? 0 : encodings.pendingJobs();
    }

    /**
     * Starts the image jobs whose images are encoded. A job cancelled meanwhile is answered at once; should the
     * tower have failed, that batch's jobs fail with the error and the worker goes on.
     */
    private void startEncoded() throws InterruptedException {
        if (encodings == null) {
            return;
        }
        for (BackgroundEncoding.Done<Ready> done : encodings.collect()) {
            Instant now = config.clock().instant();
            if (done.error() != null) {
                LOG.error("the vision tower failed on {} jobs' images", done.jobs().size(), done.error());
                for (Ready r : done.jobs()) {
                    refuse(new Refused(r.job(), r.jobId(), r.request(), ErrorCodes.RUNTIME_ERROR,
                            "encoding the images failed: " + done.error().getMessage(), false), now);
                }
                continue;
            }
            metrics.imageEncoding(done.took());
            long nanoNow = System.nanoTime();
            for (int i = 0; i < done.jobs().size(); i++) {
                Ready r = done.jobs().get(i);
                if (cancels.isCancelled(r.jobId())) {
                    answer(r, result(r, JobStatus.CANCELLED, "", null, null, null, now, null), Completion.DONE);
                } else {
                    start(r, done.spans().get(i), now, nanoNow);
                }
            }
        }
    }

    /** Hands a prepared job to the runtime and announces that it runs. */
    private void start(Ready r, List<ImageSpan> images, Instant now, long nanoNow) throws InterruptedException {
        long id = nextRequestId++;
        held.put(id, new InFlight(r, now));
        heldByJobId.put(r.jobId(), id);
        long deadline = r.request().deadline() == null ? GenerationRequest.NO_DEADLINE
                : nanoNow + Math.max(0, Duration.between(now, r.request().deadline()).toNanos());
        runtime.submit(new GenerationRequest(id, r.promptIds(), r.params(), false,
                r.request().effectivePriority(), deadline, images));
        publisher.status(JobStatusEvent.of(r.jobId(), JobState.RUNNING, workerId, now));
    }

    /** Writes the results of the requests that ended in a step, then acknowledges their records. */
    private void publish(List<GenerationResult> ended) throws InterruptedException {
        if (ended.isEmpty() || killed) {
            return;
        }
        List<JobResult> results = new ArrayList<>(ended.size());
        List<InFlight> jobs = new ArrayList<>(ended.size());
        for (GenerationResult g : ended) {
            InFlight f = forget(g.id());
            if (f == null) {
                continue;
            }
            jobs.add(f);
            results.add(toResult(f, g));
            metrics.timeToFirstToken(Duration.ofNanos(g.prefillNanos()));
        }
        publisher.publishAll(results);
        for (int i = 0; i < jobs.size(); i++) {
            JobResult r = results.get(i);
            metrics.completed(r.status().wireName(), r.error() == null ? "ok" : r.error().code());
            intake.complete(jobs.get(i).ready().job(), Completion.DONE);
        }
        queue.finished(jobs.size());
    }

    private InFlight forget(long requestId) {
        InFlight f = held.remove(requestId);
        if (f != null) {
            heldByJobId.remove(f.ready().jobId());
        }
        return f;
    }

    /** The job's result from how its generation ended. */
    private JobResult toResult(InFlight f, GenerationResult g) {
        Ready r = f.ready();
        JobResult.Usage usage = new JobResult.Usage(g.promptTokens(), g.tokenIds().length,
                r.truncatedTokens() > 0 ? r.truncatedTokens() : null);
        Long firstTokenMs = g.tokenIds().length > 0 ? g.prefillNanos() / 1_000_000 : null;
        FinishReason finish = g.finishReason();
        return switch (finish) {
            case STOP, LENGTH -> result(r, JobStatus.SUCCEEDED, g.text(), finish.wireName(), usage, null,
                    f.received(), firstTokenMs);
            case CANCELLED -> result(r, JobStatus.CANCELLED, g.text(), null, usage, null, f.received(), firstTokenMs);
            case DEADLINE -> result(r, JobStatus.EXPIRED, g.text(), null, usage,
                    new JobResult.JobError(ErrorCodes.DEADLINE_EXCEEDED, "deadline " + r.request().deadline()
                            + " passed after " + g.tokenIds().length + " generated tokens"), f.received(),
                    firstTokenMs);
            case CONTEXT_LENGTH_EXCEEDED -> result(r, JobStatus.FAILED, null, null, usage,
                    new JobResult.JobError(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "the prompt's " + g.promptTokens()
                            + " tokens plus max_tokens " + r.params().maxTokens() + " need "
                            + (g.promptTokens() + r.params().maxTokens()) + " positions; this worker now serves a "
                            + "context of " + runtime.served().contextLimit()), f.received(), null);
        };
    }

    /**
     * A step failed even after retries. With the breaker open it is not these jobs' fault: they go back to Kafka
     * for a healthy worker. Otherwise they fail with the error.
     */
    private void failHeld(RuntimeException e) throws InterruptedException {
        List<GenerationResult> abandoned = runtime.abandonAll();
        if (breakerOpen) {
            LOG.warn("runtime unavailable ({}); releasing {} jobs", e.toString(), abandoned.size());
            for (GenerationResult g : abandoned) {
                InFlight f = forget(g.id());
                if (f != null) {
                    intake.complete(f.ready().job(), Completion.RELEASED);
                    queue.finished(1);
                }
            }
            return;
        }
        LOG.warn("a step failed after retries; failing {} jobs: {}", abandoned.size(), e.toString());
        List<JobResult> results = new ArrayList<>();
        List<InFlight> jobs = new ArrayList<>();
        for (GenerationResult g : abandoned) {
            InFlight f = forget(g.id());
            if (f != null) {
                jobs.add(f);
                results.add(result(f.ready(), JobStatus.FAILED, null, null, null,
                        new JobResult.JobError(ErrorCodes.RUNTIME_ERROR, String.valueOf(e.getMessage())),
                        f.received(), null));
            }
        }
        if (killed) {
            return;
        }
        publisher.publishAll(results);
        for (int i = 0; i < jobs.size(); i++) {
            metrics.completed("failed", ErrorCodes.RUNTIME_ERROR);
            intake.complete(jobs.get(i).ready().job(), Completion.DONE);
        }
        queue.finished(jobs.size());
    }

    private void refuse(Refused f, Instant start) throws InterruptedException {
        LOG.info("refusing {} ({}): {} {}", f.jobId(), f.job().coordinates(), f.code(), f.message());
        JobResult r = result(f, JobStatus.FAILED, null, null, null, new JobResult.JobError(f.code(), f.message()),
                start, null);
        if (killed) {
            return;
        }
        publisher.publishAll(List.of(r));
        if (f.deadLetter()) {
            publisher.deadLetter(f.job(), f.jobId(), f.code(), f.message());
        }
        metrics.completed("failed", f.code());
        intake.complete(f.job(), f.deadLetter() ? Completion.REJECTED : Completion.DONE);
        queue.finished(1);
    }

    private void answer(Prepared p, JobResult result, Completion completion) throws InterruptedException {
        if (killed) {
            return;
        }
        publisher.publishAll(List.of(result));
        metrics.completed(result.status().wireName(), result.error() == null ? "ok" : result.error().code());
        intake.complete(p.job(), completion);
        queue.finished(1);
    }

    /** The result of a prepared job; queue wait and total time count from its submission. */
    private JobResult result(Prepared p, JobStatus status, String text, String finish, JobResult.Usage usage,
                             JobResult.JobError error, Instant received, Long firstTokenMs) {
        Instant now = config.clock().instant();
        Instant submitted = p.submittedAt();
        long queued = Math.max(0, Duration.between(submitted, received).toMillis());
        long total = Math.max(0, Duration.between(submitted, now).toMillis());
        metrics.queueWait(Duration.ofMillis(queued));
        return new JobResult(JobCodec.SCHEMA_VERSION, p.jobId(), p.clientJobId(), status, text, finish, usage,
                new JobResult.Timings(queued, firstTokenMs, total), runtime.served().servedBy(), error,
                p.job().deliveryCount(), now);
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
        cancels.close();
        publisher.close();
        if (http != null) {
            http.close();
        }
    }

    /** Test hook: behave like a crash: write nothing more, acknowledge/commit nothing more, drop the connection. */
    public void kill() {
        killed = true;
        intake.abort();
        cancels.close();
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
