package io.gemmafleet.engine;

import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.generate.FinishReason;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.StopStringFilter;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.tokenizer.StreamingDecoder;
import io.gemmafleet.sampling.Sampler;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.sampling.TokenLogprob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request inside the engine: its tokens so far (prompt, then generated), how many of them are in the cache,
 * and its sampler, stop strings and streaming decoder.
 *
 * <p>Every step feeds the tokens not yet in the cache, a chunk at a time: the prompt first, then each sampled
 * token. Preemption simply forgets the cache ({@link #forgetCache}); the next admission feeds prompt and generated
 * tokens again (recomputation) and sampling goes on where it stopped, so a preempted request produces exactly the
 * tokens it would have produced without interruption.
 */
final class Sequence {

    final GenerationRequest request;
    final long arrival;
    final long submittedNanos;
    private final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopStringFilter stops;
    private final GemmaTokenizer tokenizer;
    private final List<TokenLogprob> logprobs = new ArrayList<>();
    private int[] tokens;
    /** The tokens as the prefix cache keys them: image positions numbered by content; null for a text request. */
    private int[] cacheKeys;
    private int tokenCount;
    private int generatedCount;
    /** Whether the sequence is admitted and holds cache (running), rather than waiting. */
    private boolean inCache;
    /** Tokens in the cache in the current admission. */
    int cached;
    /** Admission order, for choosing whom to preempt. */
    long admitted;
    private long firstTokenNanos;
    private long finishedNanos;
    private FinishReason finish;

    Sequence(GenerationRequest request, long arrival, long submittedNanos, GemmaTokenizer tokenizer,
             PlaceholderKeys placeholders) {
        this.request = request;
        this.arrival = arrival;
        this.submittedNanos = submittedNanos;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(request.params(), request.promptTokens());
        this.decoder = tokenizer.newStreamingDecoder();
        this.stops = new StopStringFilter(request.params().stop());
        this.tokens = Arrays.copyOf(request.promptTokens(), request.promptTokens().length + 16);
        this.tokenCount = request.promptTokens().length;
        if (!request.images().isEmpty()) {
            cacheKeys = tokens.clone();
            for (ImageSpan span : request.images()) {
                Arrays.fill(cacheKeys, span.start(), span.end(), placeholders.idFor(span.contentKey()));
            }
        }
    }

    boolean running() {
        return inCache;
    }

    /** The id its cache goes by in the block manager and the executor: the request's own id. */
    long cacheId() {
        return request.id();
    }

    /** Admitted with {@code cached} tokens already in the cache (a shared prefix). */
    void admit(int cachedTokens, long order) {
        inCache = true;
        cached = cachedTokens;
        admitted = order;
    }

    /** Tokens known but not yet in the cache: the rest of the prompt, or the last sampled token. */
    int pending() {
        return tokenCount - cached;
    }

    boolean prefilling() {
        return pending() > 1;
    }

    /** Every token so far, prompt then generated; only the first {@link #tokenCount()} entries are valid. */
    int[] tokens() {
        return tokens;
    }

    int tokenCount() {
        return tokenCount;
    }

    /**
     * The tokens as the prefix cache must key them (only the first {@link #tokenCount()} valid): the tokens
     * themselves, except that an image's placeholder positions carry a number for the image's content, so that a
     * cached block only matches the same image.
     */
    int[] cacheKeys() {
        return cacheKeys != null ? cacheKeys : tokens;
    }

    /**
     * How many of {@code wanted} tokens from position {@code from} one step may feed without ending inside an
     * image span: fewer, stopping before a span that the step would cut, or more, taking the rest of a span the
     * step starts in (an image's tokens attend to each other, so its span is fed whole, even past the chunk size).
     */
    int feedable(int from, int wanted) {
        int end = from + wanted;
        for (ImageSpan span : request.images()) {
            if (span.start() < end && end < span.end()) {
                return span.start() > from ? span.start() - from : span.end() - from;
            }
        }
        return wanted;
    }

    /** The step feeding the next {@code count} pending tokens; it wants logits if it reaches the last known one. */
    SequenceStep step(int count, io.gemmafleet.backend.KvBlockTable blocks) {
        boolean last = cached + count == tokenCount;
        int end = cached + count;
        List<ImageSpan> images = new ArrayList<>();
        for (ImageSpan span : request.images()) {
            if (span.start() < end && span.end() > cached) {
                images.add(span);
            }
        }
        return new SequenceStep(cacheId(), cached, Arrays.copyOfRange(tokens, cached, end), last, blocks, images);
    }

    /**
     * Whether plain arg-max of the raw logits is this request's next token: greedy, no penalties that would change
     * the logits, no logprobs to report. Then the executor may choose on the device and return only the id.
     */
    boolean wantsOnlyTheArgMax() {
        return request.params().isGreedy() && needsOnlyTheToken();
    }

    /** Whether the next token is all this request needs from the logits: no penalties, no logprobs. */
    boolean needsOnlyTheToken() {
        SamplingParams p = request.params();
        return p.logprobs() == 0 && p.repetitionPenalty() == 1.0 && p.presencePenalty() == 0
                && p.frequencyPenalty() == 0;
    }

    Sampler sampler() {
        return sampler;
    }

    /** Chooses the next token from the step's logits. */
    void sampleFrom(float[] logits, TextListener listener, long now) {
        // Logprobs describe the model's raw distribution, so keep a copy before sampling alters the logits.
        float[] raw = request.params().logprobs() > 0 ? logits.clone() : null;
        int token = sampler.sample(logits);
        if (raw != null) {
            logprobs.add(Sampler.logprobOf(raw, token, request.params().logprobs()));
        }
        append(token, listener, now);
    }

    /** Takes a token the executor chose with this request's sampling rule. */
    void accept(int token, TextListener listener, long now) {
        sampler.accept(token);
        append(token, listener, now);
    }

    private void append(int token, TextListener listener, long now) {
        if (tokenCount == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * tokens.length);
            if (cacheKeys != null) {
                cacheKeys = Arrays.copyOf(cacheKeys, tokens.length);
            }
        }
        if (cacheKeys != null) {
            cacheKeys[tokenCount] = token;
        }
        tokens[tokenCount++] = token;
        generatedCount++;
        if (firstTokenNanos == 0) {
            firstTokenNanos = now;
        }
        boolean endOfGeneration = tokenizer.isEndOfGeneration(token) && !request.ignoreEndOfGeneration();
        if (!endOfGeneration) {
            listener.onText(request.id(), stops.append(decoder.accept(token)));
        }
        if (endOfGeneration || stops.stopped()) {
            end(FinishReason.STOP, listener, now);
        } else if (generatedCount >= request.params().maxTokens()) {
            end(FinishReason.LENGTH, listener, now);
        }
    }

    /** Ends the request (normally, cancelled, past its deadline...), flushing text held back for stop strings. */
    void end(FinishReason reason, TextListener listener, long now) {
        if (finish != null) {
            return;
        }
        finish = reason;
        if (!stops.stopped()) {
            listener.onText(request.id(), stops.append(decoder.finish()) + stops.flush());
        }
        finishedNanos = now;
    }

    boolean finished() {
        return finish != null;
    }

    /** The cache is gone (preempted, or the executor replaced): the next admission recomputes every token. */
    void forgetCache() {
        inCache = false;
        cached = 0;
    }

    GenerationResult result() {
        int promptLength = request.promptTokens().length;
        int[] ids = Arrays.copyOfRange(tokens, promptLength, tokenCount);
        long first = firstTokenNanos == 0 ? finishedNanos : firstTokenNanos;
        return new GenerationResult(request.id(), ids, stops.text(), finish, promptLength, List.copyOf(logprobs),
                first - submittedNanos, finishedNanos - first);
    }
}
