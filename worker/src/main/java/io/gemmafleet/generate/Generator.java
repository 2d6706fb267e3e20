package io.gemmafleet.generate;

import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.tokenizer.StreamingDecoder;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.sampling.TokenChoice;
import io.gemmafleet.sampling.TokenLogprob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Runs a fixed set of requests to completion together: prompts are prefilled in chunks, then every unfinished
 * request advances one token per forward step. Requests leave the batch as they finish.
 *
 * <p>This is the simple batcher used by the CLI and benchmarks; the engine's continuous batching (requests joining
 * mid-flight, paged cache, preemption) is built on the same executor.
 */
public final class Generator {

    private final ModelExecutor executor;
    private final GemmaTokenizer tokenizer;
    private final int prefillChunk;
    private final LongSupplier clock;

    /**
     * @param prefillChunk the most prompt tokens one sequence feeds per step (bounds activation memory)
     * @param clock nanosecond time source, injectable for tests
     */
    public Generator(ModelExecutor executor, GemmaTokenizer tokenizer, int prefillChunk, LongSupplier clock) {
        this.executor = executor;
        this.tokenizer = tokenizer;
        this.prefillChunk = prefillChunk;
        this.clock = clock;
    }

    public Generator(ModelExecutor executor, GemmaTokenizer tokenizer) {
        this(executor, tokenizer, 512, System::nanoTime);
    }

    /** A request in flight. */
    private final class Run {
        final GenerationRequest request;
        final Sampler sampler;
        final StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        final StopStringFilter stops;
        final List<Integer> generated = new ArrayList<>();
        final List<TokenLogprob> logprobs = new ArrayList<>();
        int fed;
        long firstTokenAt;
        long finishedAt;
        FinishReason finish;

        Run(GenerationRequest request) {
            this.request = request;
            this.sampler = new Sampler(request.params(), request.promptTokens());
            this.stops = new StopStringFilter(request.params().stop());
        }

        boolean prefilling() {
            return fed < request.promptTokens().length;
        }

        /** The step this run contributes: the next prompt chunk, or its last sampled token. */
        SequenceStep nextStep() {
            int[] prompt = request.promptTokens();
            if (prefilling()) {
                int n = Math.min(prefillChunk, prompt.length - fed);
                return new SequenceStep(request.id(), fed, Arrays.copyOfRange(prompt, fed, fed + n),
                        fed + n == prompt.length);
            }
            return new SequenceStep(request.id(), fed, new int[] {generated.getLast()}, true);
        }

        /**
         * Whether plain arg-max of the raw logits is this run's next token: greedy, no penalties that would change
         * the logits, no logprobs to report. Then the executor may choose on the device and return only the id.
         */
        boolean wantsOnlyTheArgMax() {
            return request.params().isGreedy() && needsOnlyTheToken();
        }

        /** Whether the next token is all this run needs from the logits: no penalties, no logprobs. */
        boolean needsOnlyTheToken() {
            SamplingParams p = request.params();
            return p.logprobs() == 0 && p.repetitionPenalty() == 1.0 && p.presencePenalty() == 0
                    && p.frequencyPenalty() == 0;
        }

        void advance(SequenceStep step, float[] logits, TextListener listener, long now) {
            fed += step.tokens().length;
            if (logits == null) {
                return;
            }
            // Logprobs describe the model's raw distribution, so keep a copy before sampling alters the logits.
            float[] raw = request.params().logprobs() > 0 ? logits.clone() : null;
            int token = sampler.sample(logits);
            if (raw != null) {
                logprobs.add(Sampler.logprobOf(raw, token, request.params().logprobs()));
            }
            record(token, listener, now);
        }

        /** Advances by a token the executor chose (arg-max on the device); -1 when the step wanted no logits. */
        void advanceChosen(SequenceStep step, int token, TextListener listener, long now) {
            fed += step.tokens().length;
            if (token < 0) {
                return;
            }
            sampler.accept(token);
            record(token, listener, now);
        }

        private void record(int token, TextListener listener, long now) {
            generated.add(token);
            if (firstTokenAt == 0) {
                firstTokenAt = now;
            }
            boolean endOfGeneration = tokenizer.isEndOfGeneration(token) && !request.ignoreEndOfGeneration();
            if (!endOfGeneration) {
                listener.onText(request.id(), stops.append(decoder.accept(token)));
            }
            if (endOfGeneration || stops.stopped()) {
                finish = FinishReason.STOP;
            } else if (generated.size() >= request.params().maxTokens()) {
                finish = FinishReason.LENGTH;
            }
            if (finish != null) {
                if (!stops.stopped()) {
                    listener.onText(request.id(), stops.append(decoder.finish()) + stops.flush());
                }
                finishedAt = now;
            }
        }

        GenerationResult result(long startedAt) {
            int[] ids = generated.stream().mapToInt(Integer::intValue).toArray();
            return new GenerationResult(request.id(), ids, stops.text(), finish, request.promptTokens().length,
                    List.copyOf(logprobs), firstTokenAt - startedAt, finishedAt - firstTokenAt);
        }
    }

    /** Generates for every request; results come back in request order. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, TextListener listener) {
        long startedAt = clock.getAsLong();
        List<Run> runs = requests.stream().map(Run::new).toList();
        List<Run> active = new ArrayList<>(runs);
        try {
            while (!active.isEmpty()) {
                List<SequenceStep> steps = active.stream().map(Run::nextStep).toList();
                int[] chosen = null;
                if (active.stream().allMatch(Run::wantsOnlyTheArgMax)) {
                    chosen = executor.stepGreedy(new StepBatch(steps));
                } else if (executor.choosesOnDevice() && active.stream().allMatch(Run::needsOnlyTheToken)) {
                    // The device samples: each run draws its uniform from its own seeded stream, as on the CPU.
                    List<TokenChoice> choices = new ArrayList<>(steps.size());
                    for (int i = 0; i < steps.size(); i++) {
                        choices.add(steps.get(i).wantLogits() ? active.get(i).sampler.nextChoice() : null);
                    }
                    chosen = executor.stepSample(new StepBatch(steps), choices);
                }
                if (chosen != null) {
                    long now = clock.getAsLong();
                    for (int i = 0; i < steps.size(); i++) {
                        active.get(i).advanceChosen(steps.get(i), chosen[i], listener, now);
                    }
                } else {
                    float[][] logits = executor.step(new StepBatch(steps));
                    long now = clock.getAsLong();
                    for (int i = 0; i < steps.size(); i++) {
                        active.get(i).advance(steps.get(i), logits[i], listener, now);
                    }
                }
                active.removeIf(run -> {
                    if (run.finish != null) {
                        executor.release(run.request.id());
                        return true;
                    }
                    return false;
                });
            }
        } finally {
            for (Run run : active) {
                executor.release(run.request.id());
            }
        }
        return runs.stream().map(run -> run.result(startedAt)).toList();
    }

    /** Generates for one request. */
    public GenerationResult generate(GenerationRequest request, TextListener listener) {
        return generate(List.of(request), listener).getFirst();
    }
}
