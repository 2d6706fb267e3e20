package io.gemmafleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmafleet.backend.ModelExecutor;
import io.gemmafleet.generate.GenerationRequest;
import io.gemmafleet.generate.Generator;
import io.gemmafleet.generate.TextListener;
import io.gemmafleet.model.chat.ChatMessage;
import io.gemmafleet.model.chat.ChatTemplate;
import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.CheckpointLoader;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.sampling.SamplingParams;
import io.gemmafleet.testmodel.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gemma-fleet generate} and {@code bench} through {@link WorkerCli#run} (the launcher's error handling), on
 * the tiny random-weight model: the JSON output, the three ways to give a prompt, seeds, and one-line errors with exit code 1.
 */
class GenerateCommandTest {

    private static final int[] PROMPT_IDS = {2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107};

    @TempDir
    static Path dir;

    private static String model;
    private static GemmaTokenizer tokenizer;

    @BeforeAll
    static void writeModel() {
        model = TinyModels.writeGguf(dir).toString();
        try (Checkpoint checkpoint = CheckpointLoader.load(model)) {
            tokenizer = GemmaTokenizer.load(checkpoint.tokenizer());
        }
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static CliRun generate(String... args) {
        List<String> all = new ArrayList<>(List.of("generate", "--model", model, "--threads", "2"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    private static String ids(int... ids) {
        return String.join(",", Arrays.stream(ids).mapToObj(String::valueOf).toList());
    }

    @Test
    void promptIdsWithJsonPrintsOneObject() throws IOException {
        CliRun o = generate("--prompt-ids", ids(PROMPT_IDS), "--max-tokens", "5", "--temperature", "0", "--json");
        assertEquals(0, o.exitCode(), o.err());
        JsonNode j = o.json();
        int[] tokens = tokenIds(j);
        assertEquals(5, tokens.length);
        assertEquals(PROMPT_IDS.length, j.get("prompt_tokens").asInt(), "no BOS or template added to --prompt-ids");
        assertEquals(5, j.get("completion_tokens").asInt());
        assertEquals("length", j.get("finish_reason").asText());
        assertTrue(j.get("text").isTextual());
        assertEquals(tokenizer.decode(tokens), j.get("text").asText());
        JsonNode t = j.get("timings");
        assertTrue(t.get("load_ms").asLong() >= 0, t.toString());
        assertTrue(t.get("prefill_tokens_per_second").asDouble() > 0, t.toString());
        assertTrue(t.get("decode_tokens_per_second").asDouble() > 0, t.toString());
        assertFalse(j.has("logprobs"));

        // the same greedy tokens as the generator on the same ids
        try (Checkpoint checkpoint = CheckpointLoader.load(model);
             ModelExecutor executor = TinyModels.cpuExecutor(checkpoint, 64)) {
            int[] expected = new Generator(executor, tokenizer).generate(
                    new GenerationRequest(1, PROMPT_IDS, SamplingParams.greedy(5)), TextListener.NONE).tokenIds();
            assertArrayEquals(expected, tokens);
        }
    }

    @Test
    void promptGoesThroughTheChatTemplate() throws IOException {
        CliRun o = generate("--prompt", "Why is the sky blue?", "--max-tokens", "2", "--temperature", "0", "--json");
        assertEquals(0, o.exitCode(), o.err());
        String rendered = new ChatTemplate().render(List.of(ChatMessage.user("Why is the sky blue?")), true);
        assertEquals(tokenizer.encode(rendered, false).length, o.json().get("prompt_tokens").asInt());
    }

    @Test
    void messagesFileGoesThroughTheChatTemplate() throws IOException {
        Path file = dir.resolve("messages.json");
        Files.writeString(file, """
                [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "Hello"}]},
                 {"role": "assistant", "content": "Hi!"},
                 {"role": "user", "content": "Why is the sky blue?"}]
                """);
        CliRun o = generate("--messages", file.toString(), "--max-tokens", "2", "--temperature", "0", "--json");
        assertEquals(0, o.exitCode(), o.err());
        String rendered = new ChatTemplate().render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hello"),
                new ChatMessage("assistant", "Hi!"), ChatMessage.user("Why is the sky blue?")), true);
        assertEquals(tokenizer.encode(rendered, false).length, o.json().get("prompt_tokens").asInt());
    }

    @Test
    void theSameSeedGivesTheSameTokens() throws IOException {
        String[] args = {"--prompt-ids", ids(PROMPT_IDS), "--max-tokens", "6", "--temperature", "8", "--top-k", "0",
                "--top-p", "1", "--json", "--seed"};
        int[] first = tokenIds(generate(with(args, "5")).json());
        assertArrayEquals(first, tokenIds(generate(with(args, "5")).json()));
        assertNotEquals(Arrays.toString(first), Arrays.toString(tokenIds(generate(with(args, "6")).json())));
    }

    @Test
    void logprobsAreInTheJson() throws IOException {
        JsonNode j = generate("--prompt-ids", ids(PROMPT_IDS), "--max-tokens", "3", "--temperature", "0",
                "--logprobs", "2", "--json").json();
        assertEquals(3, j.get("logprobs").size());
        for (JsonNode lp : j.get("logprobs")) {
            assertEquals(2, lp.get("top").size());
            assertEquals(lp.get("token").asInt(), lp.get("top").get(0).get("token").asInt());
        }
    }

    @Test
    void streamsTextWithoutJson() {
        CliRun o = generate("--prompt-ids", ids(PROMPT_IDS), "--max-tokens", "4", "--temperature", "0");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.err().contains("prompt tokens"), o.err());
        assertTrue(o.err().contains("finish: length"), o.err());
    }

    @Test
    void missingModelIsAOneLineError() {
        assertOneLineError(run("generate", "--model", dir.resolve("nope.gguf").toString(), "--prompt-ids", "2"),
                "nope.gguf", "no such file");
    }

    @Test
    void corruptGgufIsAOneLineError() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        byte[] noise = new byte[4096];
        random.nextBytes(noise);
        Path plain = dir.resolve("noise.gguf");
        Files.write(plain, noise);
        assertOneLineError(run("generate", "--model", plain.toString(), "--prompt-ids", "2"), "noise.gguf");

        // the magic and version of a GGUF, then noise
        byte[] headed = noise.clone();
        System.arraycopy(new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0}, 0, headed, 0, 8);
        Path withHeader = dir.resolve("headed.gguf");
        Files.write(withHeader, headed);
        assertOneLineError(run("generate", "--model", withHeader.toString(), "--prompt-ids", "2"), "headed.gguf");

        // a real model cut in half
        byte[] whole = Files.readAllBytes(Path.of(model));
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        assertOneLineError(run("generate", "--model", truncated.toString(), "--prompt-ids", "2"), "truncated.gguf");
    }

    @Test
    void nonAlternatingMessagesAreAOneLineError() throws IOException {
        Path file = dir.resolve("two-users.json");
        Files.writeString(file, "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]");
        assertOneLineError(generate("--messages", file.toString()), "alternate");
    }

    @Test
    void badMessagesJsonIsAOneLineError() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "[{\"role\": \"user\", \"content\": [{\"type\": \"video\"}]}]");
        assertOneLineError(generate("--messages", file.toString()), "messages[0].content[0]", "video");
        Path notJson = dir.resolve("not.json");
        Files.writeString(notJson, "[{\"role\": ");
        assertOneLineError(generate("--messages", notJson.toString()), "not.json", "line 1");
    }

    @Test
    void negativeTemperatureIsAOneLineError() {
        assertOneLineError(generate("--prompt-ids", "2", "--temperature", "-1"), "temperature", "-1");
    }

    @Test
    void promptLongerThanTheContextIsAOneLineError() {
        int[] twenty = IntStream.range(0, 20).map(i -> 300 + i).toArray();
        assertOneLineError(generate("--prompt-ids", ids(twenty), "--context", "16", "--max-tokens", "2"),
                "20", "16");
        // the prompt alone fits, prompt plus max tokens does not
        assertOneLineError(generate("--prompt-ids", ids(twenty), "--context", "21", "--max-tokens", "2"),
                "20", "21", "2");
    }

    @Test
    void tokenIdOutsideTheVocabularyIsAOneLineError() {
        assertOneLineError(generate("--prompt-ids", "2,999999", "--max-tokens", "1"), "999999");
    }

    @Test
    void benchPrintsAHeaderAndOneRowPerBatchSize() {
        CliRun o = run("bench", "--model", model, "--batch", "1,2", "--prompt-tokens", "8", "--gen-tokens", "2",
                "--repetitions", "1", "--threads", "2");
        assertEquals(0, o.exitCode(), o.err());
        List<String> lines = o.out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(3, lines.size(), o.out());
        assertEquals("batch\tprefill_tok_s\tdecode_tok_s", lines.getFirst());
        for (int i = 1; i <= 2; i++) {
            String[] cells = lines.get(i).split("\t");
            assertEquals(3, cells.length, lines.get(i));
            assertEquals(String.valueOf(i), cells[0]);
            assertTrue(Double.parseDouble(cells[1]) > 0, lines.get(i));
            assertTrue(Double.parseDouble(cells[2]) > 0, lines.get(i));
        }
    }

    @Test
    void engineBenchPrintsItsThreeSections() {
        CliRun o = run("engine-bench", "--model", model, "--concurrency", "1,3", "--prompt-tokens", "8",
                "--gen-tokens", "3", "--alone-samples", "2", "--long-prompt", "40", "--short-requests", "3",
                "--threads", "2");
        assertEquals(0, o.exitCode(), o.err());
        List<String> rows = o.out().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals("concurrency\ttok_s\tone_at_a_time_tok_s\tratio", rows.get(0));
        for (int i = 1; i <= 2; i++) {
            assertTrue(Double.parseDouble(rows.get(i).split("\t")[1]) > 0, rows.get(i));
        }
        assertEquals("condition\tp50_ms\tp99_ms\tmax_ms", rows.get(3));
        assertTrue(rows.get(5).startsWith("during a 40-token prefill\t"), rows.get(5));
        assertEquals("model\tpositions\tpaged_MiB\tfull_MiB\tratio\tsource", rows.get(6));
        // The tiny model (window 16) holds far fewer blocks than a full cache of its 43 positions.
        String[] measured = rows.get(7).split("\t");
        assertEquals("this model", measured[0]);
        assertTrue(Double.parseDouble(measured[4]) < 1, rows.get(7));
        assertEquals(7 + 1 + 6, rows.size(), o.out());
    }

    /** Exit code 1, no output on stdout, and stderr's last line "error: ..." naming every given fragment. */
    private static void assertOneLineError(CliRun o, String... fragments) {
        assertEquals(1, o.exitCode(), "stdout: " + o.out() + "\nstderr: " + o.err());
        assertTrue(o.out().isBlank(), o.out());
        List<String> lines = o.err().lines().filter(l -> !l.isBlank()).toList();
        List<String> errors = lines.stream().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), "one error line: " + o.err());
        assertEquals(errors.getFirst(), lines.getLast(), "the error is the last thing printed: " + o.err());
        assertFalse(o.err().contains("\tat ") || o.err().contains("Exception"), "no stack trace: " + o.err());
        for (String f : fragments) {
            assertTrue(errors.getFirst().contains(f), "the error should name " + f + ": " + errors.getFirst());
        }
    }

    private static int[] tokenIds(JsonNode j) {
        int[] ids = new int[j.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = j.get("token_ids").get(i).asInt();
        }
        return ids;
    }

    private static String[] with(String[] args, String last) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }
}
