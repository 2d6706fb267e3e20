package io.gemmafleet.worker.vision;

import io.gemmafleet.backend.ImageSpan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs the {@link ImageEncodingStage} on a thread of its own, so the worker's engine keeps stepping the jobs it
 * holds while the images of new ones are encoded (on the CPU a tower pass over a batch of full-size images takes
 * seconds to minutes). Batches are encoded one at a time, in submission order; the stage and its cache are used by
 * that thread only.
 *
 * <p>Used by one thread (the worker loop): it submits batches and collects those that are done.
 *
 * @param <J> the caller's job type
 */
public final class BackgroundEncoding<J> implements AutoCloseable {

    /**
     * A batch that finished: each job's image spans, in the batch's order, or the error that failed the batch.
     *
     * @param took how long the tower pass took (zero for a failed batch)
     */
    public record Done<J>(List<J> jobs, List<List<ImageSpan>> spans, RuntimeException error, Duration took) {}

    private record Pending<J>(List<J> jobs, Future<Done<J>> result) {}

    private final ImageEncodingStage stage;
    private final ExecutorService thread;
    private final List<Pending<J>> pending = new ArrayList<>();

    public BackgroundEncoding(ImageEncodingStage stage, String threadName) {
        this.stage = stage;
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(threadName).daemon()
                .unstarted(r));
    }

    /** Queues the images of {@code jobs} for one encoding pass (split into the stage's batches). */
    public void submit(List<J> jobs, Function<J, ImageEncodingStage.Job> images) {
        List<J> copy = List.copyOf(jobs);
        List<ImageEncodingStage.Job> work = copy.stream().map(images).toList();
        pending.add(new Pending<>(copy, thread.submit(() -> {
            long start = System.nanoTime();
            try {
                return new Done<>(copy, stage.encode(work), null, Duration.ofNanos(System.nanoTime() - start));
            } catch (RuntimeException | OutOfMemoryError e) {
                RuntimeException error = e instanceof RuntimeException r ? r
                        : new IllegalStateException("out of memory encoding images: " + e.getMessage(), e);
                return new Done<>(copy, null, error, Duration.ZERO);
            }
        })));
    }

    /** The batches finished since the last call, in submission order (a finished batch waits for earlier ones). */
    public List<Done<J>> collect() throws InterruptedException {
        List<Done<J>> done = new ArrayList<>();
        for (Iterator<Pending<J>> it = pending.iterator(); it.hasNext(); ) {
            Pending<J> p = it.next();
            if (!p.result().isDone()) {
                break;
            }
            it.remove();
            try {
                done.add(p.result().get());
            } catch (ExecutionException e) {
                done.add(new Done<>(p.jobs(), null, new IllegalStateException(e.getCause()), Duration.ZERO));
            }
        }
        return done;
    }

    /** Jobs submitted and not yet collected. */
    public int pendingJobs() {
        int n = 0;
        for (Pending<J> p : pending) {
            n += p.jobs().size();
        }
        return n;
    }

    /** Drops every batch not collected yet (shutdown) and returns their jobs, to be handed back to Kafka. */
    public List<J> abandon() {
        List<J> jobs = new ArrayList<>();
        for (Pending<J> p : pending) {
            p.result().cancel(false);
            jobs.addAll(p.jobs());
        }
        pending.clear();
        return jobs;
    }

    public ImageEncodingStage stage() {
        return stage;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
