package io.gemmafleet.fleet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.intake.IntakeMode;
import io.gemmafleet.kafka.EmbeddedKafka;
import io.gemmafleet.results.ResultPublisher;
import io.gemmafleet.schemas.ErrorCodes;
import io.gemmafleet.schemas.JobRequest;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobStatus;
import io.gemmafleet.schemas.Sampling;
import io.gemmafleet.worker.WorkerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fleet on a real in-process KRaft broker, in both intake modes: volume, a crashed worker, poison records. */
class FleetEndToEndTest {

    static EmbeddedKafka kafka;
    static final AtomicInteger RUN = new AtomicInteger();

    @TempDir
    Path modelDir;

    @BeforeAll
    static void broker() {
        // Short share-group locks and sessions so a crashed worker's jobs come back within seconds.
        kafka = EmbeddedKafka.start(Map.of(
                "group.share.min.record.lock.duration.ms", "1000",
                "group.share.record.lock.duration.ms", "8000",
                "group.share.min.session.timeout.ms", "6000",
                "group.share.session.timeout.ms", "6000",
                "group.share.min.heartbeat.interval.ms", "1000",
                "group.share.heartbeat.interval.ms", "1000"));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private FleetHarness harness(IntakeMode mode) {
        return new FleetHarness(kafka.bootstrapServers(), modelDir,
                "t" + RUN.incrementAndGet() + "-" + mode.name().toLowerCase());
    }

    private static Map<String, List<JobResult>> awaitAll(FleetHarness h, Set<String> ids, Duration timeout) {
        return h.results(r -> r.keySet().containsAll(ids), timeout);
    }

    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void twoHundredJobsTwoWorkersEachExactlyOneTerminalResult(IntakeMode mode) throws Exception {
        try (FleetHarness h = harness(mode)) {
            WorkerService a = h.startWorker("a", mode, 8);
            WorkerService b = h.startWorker("b", mode, 8);
            assertEquals(mode.name().toLowerCase(), a.intakeMode());
            Thread.sleep(3000); // let both join before producing, so no rebalance moves work mid-flight
            Set<String> ids = new java.util.TreeSet<>();
            for (int i = 0; i < 200; i++) {
                String id = mode + "-job-" + i;
                ids.add(id);
                h.send(id, h.codec.encode(JobRequest.chat(id, "hello " + i, Sampling.greedy(3))));
            }
            h.flush();
            Map<String, List<JobResult>> results = awaitAll(h, ids, Duration.ofSeconds(90));
            assertEquals(ids, results.keySet());
            results.forEach((id, rs) -> {
                assertEquals(1, rs.size(), id + " has " + rs.size() + " results");
                assertEquals(JobStatus.SUCCEEDED, rs.getFirst().status());
                assertTrue(rs.getFirst().servedBy().randomWeights(), "labelled as random weights");
            });
            Map<String, Long> perWorker = results.values().stream().collect(Collectors.groupingBy(
                    rs -> rs.getFirst().servedBy().workerId(), Collectors.counting()));
            System.out.println("[e2e " + mode + "] jobs per worker: " + perWorker);
            assertTrue(a.metrics().scrape().contains("gemma_jobs_completed_total"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void workerKilledMidBatchEveryJobStillGetsATerminalResult(IntakeMode mode) throws Exception {
        try (FleetHarness h = harness(mode)) {
            WorkerService a = h.startWorker("victim", mode, 4);
            WorkerService b = h.startWorker("survivor", mode, 4);
            Thread.sleep(3000);
            Set<String> ids = new java.util.TreeSet<>();
            for (int i = 0; i < 60; i++) {
                String id = mode + "-kill-" + i;
                ids.add(id);
                h.send(id, h.codec.encode(JobRequest.chat(id, "tell me " + i, Sampling.greedy(24))));
            }
            h.flush();
            // Kill the victim once it has written some results, while it holds a running batch.
            h.results(r -> r.values().stream().filter(rs -> rs.getFirst().servedBy().workerId().equals("victim"))
                    .count() >= 4, Duration.ofSeconds(60));
            a.kill();
            Map<String, List<JobResult>> results = awaitAll(h, ids, Duration.ofSeconds(120));
            assertEquals(ids, results.keySet(), "every job reached a terminal result");
            long twice = results.values().stream().filter(rs -> rs.size() > 1).count();
            results.values().forEach(rs -> rs.forEach(r -> assertEquals(JobStatus.SUCCEEDED, r.status())));
            System.out.println("[kill " + mode + "] jobs processed twice: " + twice + " of " + ids.size()
                    + "; by the survivor: " + results.values().stream().filter(rs -> rs.getLast().servedBy()
                    .workerId().equals("survivor")).count());
            assertTrue(b.metrics().scrape().contains("gemma_jobs_received_total"));
        }
    }

    /**
     * A worker runs out of memory in the middle of its work: it steps down its fallback ladder, and every job still
     * gets exactly one succeeded result; those finished after the step say the rung and context that served them.
     */
    @org.junit.jupiter.api.Test
    void anOutOfMemoryMidBatchStepsDownTheLadderAndLosesNoJob() throws Exception {
        try (FleetHarness h = harness(IntakeMode.SHARE)) {
            WorkerService worker = h.startWorkerThatRunsOutOfMemory("oom", IntakeMode.SHARE, 4, 6);
            Set<String> ids = sendJobs(h, "oom-", 12, 8);
            Map<String, List<JobResult>> results = awaitAll(h, ids, Duration.ofSeconds(90));
            assertEquals(ids, results.keySet(), "every job answered");
            results.forEach((id, rs) -> {
                assertEquals(1, rs.size(), id + " answered " + rs.size() + " times");
                assertEquals(JobStatus.SUCCEEDED, rs.getFirst().status(), id + ": " + rs.getFirst().error());
            });
            long onFallback = results.values().stream().map(List::getFirst)
                    .filter(r -> "tiny-fallback".equals(r.servedBy().rung())
                            && r.servedBy().contextLimit() == 128).count();
            assertTrue(onFallback > 0, "some jobs were served after the step down");
            String metrics = worker.metrics().scrape();
            for (String meter : List.of("gemma_engine_running", "gemma_kv_blocks_in_use{pool=\"global\"",
                    "gemma_kv_blocks_in_use{pool=\"sliding\"", "gemma_prefix_cache_hit_rate",
                    "gemma_engine_preemptions_total", "gemma_generated_tokens_total")) {
                assertTrue(metrics.contains(meter), meter + " missing from /metrics");
            }
            // Every job's 8 tokens were generated, some twice: those in flight at the step down were recomputed.
            double generated = metrics.lines().filter(l -> l.startsWith("gemma_generated_tokens_total"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            assertTrue(generated >= 12 * 8, "generated tokens " + generated);
            System.gc(); // the gauges' sources must outlive a collection
            assertTrue(!worker.metrics().scrape().contains("NaN"), "a gauge lost its source");
        }
    }

    /**
     * A generation longer than the share group's record lock (8 s on this broker): the worker renews the lock
     * (RENEW), so the job is not redelivered mid-generation and gets exactly one result, from its first delivery.
     */
    @org.junit.jupiter.api.Test
    void aShareWorkerRenewsTheLockOfAGenerationLongerThanTheLock() throws Exception {
        try (FleetHarness h = harness(IntakeMode.SHARE)) {
            h.startWorker("slow", IntakeMode.SHARE, 2, Duration.ofSeconds(14));
            Thread.sleep(2000);
            Set<String> ids = sendJobs(h, "renew-", 2, 3);
            // Read for long enough that a redelivery after a lost lock (at ~8 s) would have produced a second
            // result (at ~28 s, after a second 14 s batch).
            Map<String, List<JobResult>> results = h.results(r -> false, Duration.ofSeconds(36));
            assertEquals(ids, results.keySet(), "both jobs answered");
            results.forEach((id, rs) -> {
                assertEquals(1, rs.size(), id + " answered " + rs.size() + " times: the lock was not renewed");
                assertEquals(1, rs.getFirst().deliveryAttempt(), id + " was redelivered");
                assertEquals(JobStatus.SUCCEEDED, rs.getFirst().status());
            });
        }
    }

    /**
     * A worker in its own JVM, ended with a real SIGTERM mid-stream: it drains (finishes what it received, commits
     * or acknowledges it, releases nothing it finished) and exits within its deadline; a worker started afterwards
     * serves the rest. No job is lost and, drained gracefully, none is processed twice.
     */
    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void aWorkerProcessDrainsOnSigtermWithinItsDeadline(IntakeMode mode) throws Exception {
        try (FleetHarness h = harness(mode)) {
            Path log = modelDir.resolve("sigterm-worker.log");
            Duration drain = Duration.ofSeconds(20);
            Process child = h.startWorkerProcess("child", mode, 4, drain, log);
            try {
                Set<String> ids = sendJobs(h, mode + "-term-", 40, 24);
                awaitResultsFrom(h, "child", 4, log);
                long signalled = System.nanoTime();
                child.destroy();  // SIGTERM: the worker's shutdown hook drains
                assertTrue(child.waitFor(drain.toSeconds() + 15, TimeUnit.SECONDS),
                        "the worker did not exit within its drain deadline; log: " + tail(log));
                double seconds = (System.nanoTime() - signalled) / 1e9;
                assertEquals(143, child.exitValue(), "exit after SIGTERM (128 + 15); log: " + tail(log));
                assertTrue(Files.readString(log).contains("draining"), "the shutdown hook drained: " + tail(log));

                h.startWorker("after", mode, 4);
                Map<String, List<JobResult>> results = awaitAll(h, ids, Duration.ofSeconds(120));
                assertEquals(ids, results.keySet(), "every job reached a terminal result");
                long byChild = results.values().stream()
                        .filter(rs -> rs.getFirst().servedBy().workerId().equals("child")).count();
                long twice = results.values().stream().filter(rs -> rs.size() > 1).count();
                System.out.printf("[sigterm %s] exited %.1f s after SIGTERM; %d of %d jobs served by it, %d twice%n",
                        mode, seconds, byChild, ids.size(), twice);
                results.forEach((id, rs) -> {
                    assertEquals(1, rs.size(), id + " answered " + rs.size() + " times after a graceful drain");
                    assertEquals(JobStatus.SUCCEEDED, rs.getFirst().status());
                });
            } finally {
                child.destroyForcibly();
            }
        }
    }

    /**
     * A worker in its own JVM killed with SIGKILL (no shutdown hook, no close) while a second worker runs: every
     * job still reaches a terminal result; how many were processed twice is reported.
     */
    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void aWorkerProcessKilledWithSigkillLosesNoJob(IntakeMode mode) throws Exception {
        try (FleetHarness h = harness(mode)) {
            Path log = modelDir.resolve("sigkill-worker.log");
            Process child = h.startWorkerProcess("victim-process", mode, 4, Duration.ofSeconds(20), log);
            try {
                Set<String> ids = sendJobs(h, mode + "-sigkill-", 60, 48);
                // The survivor joins only once the victim is busy, or a warm in-process worker could take every
                // job while the victim's JVM is still starting.
                awaitResultsFrom(h, "victim-process", 4, log);
                h.startWorker("survivor", mode, 4);
                child.destroyForcibly();  // SIGKILL mid-batch
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");
                Map<String, List<JobResult>> results = awaitAll(h, ids, Duration.ofSeconds(120));
                assertEquals(ids, results.keySet(), "every job reached a terminal result");
                results.values().forEach(rs -> rs.forEach(r -> assertEquals(JobStatus.SUCCEEDED, r.status())));
                long twice = results.values().stream().filter(rs -> rs.size() > 1).count();
                System.out.printf("[sigkill %s] jobs processed twice: %d of %d%n", mode, twice, ids.size());
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private static Set<String> sendJobs(FleetHarness h, String prefix, int count, int maxTokens) {
        Set<String> ids = new java.util.TreeSet<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            ids.add(id);
            h.send(id, h.codec.encode(JobRequest.chat(id, "tell me " + i, Sampling.greedy(maxTokens))));
        }
        h.flush();
        return ids;
    }

    /** Waits until {@code worker} has written {@code count} results (so it is mid-stream), or fails with its log. */
    private static void awaitResultsFrom(FleetHarness h, String worker, int count, Path log) throws Exception {
        Map<String, List<JobResult>> seen = h.results(r -> r.values().stream()
                .filter(rs -> rs.getFirst().servedBy().workerId().equals(worker)).count() >= count,
                Duration.ofSeconds(90));
        long fromWorker = seen.values().stream().filter(rs -> rs.getFirst().servedBy().workerId().equals(worker))
                .count();
        assertTrue(fromWorker >= count, worker + " wrote " + fromWorker + " results; its log: " + tail(log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @ParameterizedTest
    @EnumSource(value = IntakeMode.class, names = {"SHARE", "CLASSIC"})
    void poisonMessagesNeverStopAWorker(IntakeMode mode) throws Exception {
        try (FleetHarness h = harness(mode)) {
            h.startWorker("w", mode, 4);
            h.send("poison-not-json", "this is not JSON {".getBytes(UTF_8));
            h.send("poison-schema", "{\"schema_version\":1,\"job_id\":\"poison-schema\",\"prompt\":5}".getBytes(UTF_8));
            h.send("poison-huge", h.codec.encode(JobRequest.rawPrompt("poison-huge", "x".repeat(2 << 20),
                    Sampling.greedy(2))));
            h.send("late", h.codec.encode(JobRequest.chat("late", "x", Sampling.greedy(2))
                    .withDeadline(Instant.now().minusSeconds(1))));
            h.send("good", h.codec.encode(JobRequest.chat("good", "still working?", Sampling.greedy(3))));
            h.flush();
            Set<String> ids = Set.of("poison-not-json", "poison-schema", "poison-huge", "late", "good");
            Map<String, List<JobResult>> r = awaitAll(h, ids, Duration.ofSeconds(60));
            assertEquals(ids, r.keySet());
            assertEquals(ErrorCodes.INVALID_JSON, r.get("poison-not-json").getFirst().error().code());
            assertEquals(ErrorCodes.INVALID_REQUEST, r.get("poison-schema").getFirst().error().code());
            assertTrue(r.get("poison-schema").getFirst().error().message().contains("$.prompt"));
            assertEquals(ErrorCodes.PROMPT_TOO_LONG, r.get("poison-huge").getFirst().error().code());
            assertEquals(JobStatus.EXPIRED, r.get("late").getFirst().status());
            assertEquals(JobStatus.SUCCEEDED, r.get("good").getFirst().status());
            var dead = h.deadLetters(3, Duration.ofSeconds(30));
            assertEquals(Set.of("poison-not-json", "poison-schema", "poison-huge"),
                    dead.stream().map(d -> d.key()).collect(Collectors.toSet()));
            dead.forEach(d -> assertTrue(d.headers().lastHeader(ResultPublisher.H_REASON) != null));
        }
    }
}
