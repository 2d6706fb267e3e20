package io.gemmafleet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.backend.Backend;
import io.gemmafleet.backend.ImageSpan;
import io.gemmafleet.backend.ExecutorOptions;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.GenerationResult;
import io.gemmafleet.generate.Generator;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.Gemma3Weights;
import io.gemmafleet.model.chat.ChatMessage;
import io.gemmafleet.model.chat.ChatMessagesJson;
import io.gemmafleet.model.chat.ChatTemplate;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.load.WeightWarmer;
import io.gemmafleet.media.MediaException;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.sampling.TokenLogprob;
import io.gemmafleet.schemas.ContentPart;
import io.gemmafleet.schemas.Message;
import io.gemmafleet.worker.vision.VisionServing;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gemma-fleet generate}: loads a model, runs one prompt, streams the text to the terminal (or prints one
 * JSON object with {@code --json}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt with a local Gemma 3 model.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", description = "GGUF file, Hugging Face folder or ollama:NAME[:TAG] "
            + "(default: a random-weight tiny test model)")
    String model;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @ArgGroup(exclusive = true)
    PromptSource prompt = new PromptSource();

    @Option(names = "--image", paramLabel = "FILE", description = "an image (JPEG, PNG, WebP, GIF, BMP) placed before "
            + "the --prompt text in the user message (repeatable); needs a model with a vision tower (a Hugging Face "
            + "multimodal folder, or a GGUF with --mmproj)")
    List<Path> images = List.of();

    @Mixin
    VisionOptions vision;

    /** Exactly one way to give the prompt. */
    static final class PromptSource {
        @Option(names = "--prompt", description = "user message, sent through the chat template")
        String text;

        @Option(names = "--messages", description = "JSON file: [{\"role\": \"user\", \"content\": \"...\"}, ...]")
        Path messagesFile;

        @Option(names = "--prompt-ids", split = ",", description = "exact token ids (no BOS or template added)")
        int[] ids;
    }

    @Option(names = "--max-tokens", defaultValue = "256", description = "most tokens to generate (${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 = greedy (${DEFAULT-VALUE}, Gemma's default)")
    double temperature;

    @Option(names = "--top-k", defaultValue = "64", description = "0 = off (${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--min-p", defaultValue = "0", description = "0 = off (${DEFAULT-VALUE})")
    double minP;

    @Option(names = "--repetition-penalty", defaultValue = "1", description = "1 = off (${DEFAULT-VALUE})")
    double repetitionPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0")
    double presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0")
    double frequencyPenalty;

    @Option(names = "--seed", description = "random seed: the same seed gives the same output")
    Long seed;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--logprobs", defaultValue = "0", description = "report the N most likely tokens per step (--json)")
    int logprobs;

    @Option(names = "--threads", defaultValue = "0", description = "compute threads (0 = all cores)")
    int threads;

    @Option(names = "--context", defaultValue = "8192", description = "context limit for this run (${DEFAULT-VALUE})")
    int context;

    @Option(names = "--json", description = "print one JSON object instead of streaming text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.err;
        SamplingParams params = new SamplingParams(temperature, topK, topP, minP, repetitionPenalty,
                presencePenalty, frequencyPenalty, seed, maxTokens, stop, logprobs);
        long loadStart = System.nanoTime();
        Backend device = backend.select(log);
        String modelRef = ModelOption.resolve(model, log);
        try (Checkpoint checkpoint = CheckpointLoader.load(modelRef)) {
            ProgressBar bar = new ProgressBar(log, "Loading weights", WeightWarmer.totalBytes(checkpoint),
                    System.console() != null);
            WeightWarmer.warm(checkpoint, bar::update);
            bar.finish();
            GemmaTokenizer tokenizer = tokenizer(checkpoint);
            ImagePrompt withImages = images.isEmpty() ? null : imagePrompt(device, modelRef, checkpoint, tokenizer);
            int[] promptIds = withImages != null ? withImages.ids() : promptIds(tokenizer);
            int limit = Math.min(context, checkpoint.config().contextLength());
            if (promptIds.length + maxTokens > limit) {
                throw new IllegalArgumentException("prompt (" + promptIds.length + " tokens) plus --max-tokens "
                        + maxTokens + " exceeds the context limit " + limit);
            }
            try (ModelExecutor executor = device.open(Gemma3Weights.from(checkpoint),
                    new ExecutorOptions(threads, promptIds.length + maxTokens))) {
                long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
                TextListener listener = json ? TextListener.NONE : (id, text) -> {
                    System.out.print(text);
                    System.out.flush();
                };
                GenerationResult result = new Generator(executor, tokenizer)
                        .generate(new GenerationRequest(1, promptIds, params, false, 0,
                                GenerationRequest.NO_DEADLINE, withImages != null ? withImages.spans() : List.of()),
                                listener);
                if (json) {
                    System.out.println(toJson(result, loadMillis, modelRef));
                } else {
                    System.out.println();
                    log.printf("[%d prompt tokens, %d generated, finish: %s; load %d ms, prefill %.1f tok/s, "
                                    + "decode %.1f tok/s]%n", result.promptTokens(), result.tokenIds().length,
                            result.finishReason().wireName(), loadMillis, result.prefillTokensPerSecond(),
                            result.decodeTokensPerSecond());
                }
            }
        }
        return 0;
    }

    /** The prompt ids of {@code --image}s then the {@code --prompt} text, and the images' encoded spans. */
    private record ImagePrompt(int[] ids, List<ImageSpan> spans) {}

    private ImagePrompt imagePrompt(Backend device, String modelRef, Checkpoint checkpoint, GemmaTokenizer tokenizer)
            throws Exception {
        if (prompt.ids != null || prompt.messagesFile != null) {
            throw new CliErrors.UsageError(spec.commandLine(), "Invalid value: --image goes with --prompt "
                    + "(in a --messages file, give image parts instead)");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (Path image : images) {
            parts.add(ContentPart.Image.ofData(Base64.getEncoder().encodeToString(Files.readAllBytes(image)), null));
        }
        parts.add(new ContentPart.Text(prompt.text != null ? prompt.text : "Describe this image."));
        try (VisionServing served = vision.open(device, modelRef, checkpoint.config().hiddenSize(), threads,
                tokenizer, System.err)) {
            if (served == null) {
                throw new CliErrors.UsageError(spec.commandLine(), "error: --image needs a model with a vision "
                        + "tower on the CPU backend (a Hugging Face multimodal folder, or a GGUF with --mmproj)");
            }
            VisionServing.ImageChat chat = served.render(List.of(new Message("user", parts)), null);
            List<ImageSpan> spans = served.encoding().encode(List.of(chat.images())).getFirst();
            return new ImagePrompt(chat.ids(), spans);
        } catch (MediaException e) {
            throw new CliErrors.UsageError(spec.commandLine(), "error: " + e.getMessage());
        }
    }

    private GemmaTokenizer tokenizer(Checkpoint checkpoint) {
        if (checkpoint.tokenizer() == null) {
            throw new IllegalArgumentException(checkpoint.source() + ": the checkpoint has no tokenizer "
                    + "(tokenizer.json next to config.json, or tokenizer.ggml.* in a GGUF)");
        }
        return GemmaTokenizer.load(checkpoint.tokenizer());
    }

    private int[] promptIds(GemmaTokenizer tokenizer) throws Exception {
        if (prompt.ids != null) {
            return prompt.ids;
        }
        List<ChatMessage> messages;
        if (prompt.messagesFile != null) {
            messages = ChatMessagesJson.parse(readJson(prompt.messagesFile));
        } else {
            messages = List.of(ChatMessage.user(prompt.text != null ? prompt.text : "Why is the sky blue?"));
        }
        // The template writes "<bos>" as text; encoding parses it to the BOS id, so no second BOS is added.
        return tokenizer.encode(new ChatTemplate().render(messages, true), false);
    }

    /** The file's JSON; a syntax error becomes one line naming the file and where the error is. */
    private static JsonNode readJson(Path file) throws java.io.IOException {
        String text = Files.readString(file);
        try {
            return new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage() + where);
        }
    }

    private String toJson(GenerationResult r, long loadMillis, String modelRef) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode out = mapper.createObjectNode();
        out.putPOJO("token_ids", r.tokenIds());
        out.put("text", r.text());
        out.put("finish_reason", r.finishReason().wireName());
        out.put("prompt_tokens", r.promptTokens());
        out.put("completion_tokens", r.tokenIds().length);
        out.put("model", modelRef);
        ObjectNode timings = out.putObject("timings");
        timings.put("load_ms", loadMillis);
        timings.put("prefill_ms", r.prefillNanos() / 1e6);
        timings.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
        timings.put("decode_tokens_per_second", r.decodeTokensPerSecond());
        if (!r.logprobs().isEmpty()) {
            var array = out.putArray("logprobs");
            for (TokenLogprob lp : r.logprobs()) {
                ObjectNode entry = array.addObject();
                entry.put("token", lp.token());
                entry.put("logprob", lp.logprob());
                var top = entry.putArray("top");
                lp.top().forEach(a -> top.addObject().put("token", a.token()).put("logprob", a.logprob()));
            }
        }
        return out.toString();
    }
}
