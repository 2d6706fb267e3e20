package io.gemmafleet.model.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gemmafleet.model.tokenizer.GemmaTokenizer;
import io.gemmafleet.model.tokenizer.ReferenceFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our {@link ChatTemplate} against Gemma 3's own Jinja template rendered by {@code @huggingface/jinja} in node
 * (worker/reference/chat-template-reference.mjs). Every conversation is rendered by both in one node run.
 */
class ChatTemplateReferenceTest {

    private static final String INSTALL = "install node (20+) and the reference packages: "
            + "./gemma-fleet setup";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A conversation as the JSON the template receives, and whether to add the generation prompt. */
    record Case(String name, List<Map<String, Object>> messages, boolean addGenerationPrompt) {}

    private static final List<Case> VALID = List.of(
            new Case("user only", List.of(msg("user", "Hello!")), true),
            new Case("user only, no prompt", List.of(msg("user", "Hello!")), false),
            new Case("system + user", List.of(msg("system", "You are terse."), msg("user", "Why is the sky blue?")), true),
            new Case("system text is not trimmed", List.of(msg("system", "  padded system \n"), msg("user", " q ")), true),
            new Case("multi-turn with assistant", List.of(msg("user", "Hi"), msg("assistant", "Hello! How can I help?"),
                    msg("user", "Tell me a joke."), msg("assistant", "Why did the tokenizer split? \n")), false),
            new Case("multi-turn with model role", List.of(msg("user", "1+1?"), msg("model", "2"), msg("user", "2+2?")), true),
            new Case("whitespace to trim", List.of(msg("user", "\n\t  spaced out \u3000\u00A0\n")), true),
            new Case("empty and blank content", List.of(msg("user", ""), msg("model", "   "), msg("user", "x")), true),
            new Case("special-token text in content", List.of(msg("user", "say <start_of_turn> and <bos>")), true),
            new Case("unicode", List.of(msg("user", "你好 🌍 مرحبا 👨‍👩‍👧"), msg("assistant", "¡Hola! \uD83D\uDE00")), false),
            new Case("parts: text and image", List.of(Map.of("role", "user", "content", List.of(
                    part("image"), text(" Describe this image. "), text("\nBe brief.\n")))), true),
            new Case("parts: system as parts", List.of(
                    Map.of("role", "system", "content", List.of(text("System as parts "))),
                    Map.of("role", "user", "content", List.of(text("q"), part("image"), part("image")))), true),
            new Case("parts then string", List.of(Map.of("role", "user", "content", List.of(text("look"), part("image"))),
                    msg("assistant", "A cat."), msg("user", "Thanks")), true));

    private static final List<Case> NON_ALTERNATING = List.of(
            new Case("two users", List.of(msg("user", "a"), msg("user", "b")), true),
            new Case("starts with the model", List.of(msg("assistant", "a"), msg("user", "b")), true),
            new Case("two model turns", List.of(msg("system", "s"), msg("user", "a"), msg("model", "b"), msg("model", "c")),
                    false));

    private static JsonNode referenceValid;
    private static JsonNode referenceNonAlternating;
    private static JsonNode referenceStricter;

    private final ChatTemplate template = new ChatTemplate();

    @BeforeAll
    static void renderWithTheReference() throws Exception {
        referenceValid = runReference(VALID);
        referenceNonAlternating = runReference(NON_ALTERNATING);
        referenceStricter = runReference(List.of(
                new Case("empty", List.of(), true),
                new Case("system only", List.of(msg("system", "s")), true),
                new Case("unknown role", List.of(msg("user", "a"), msg("tool", "b")), false)));
    }

    @Test
    void rendersEveryConversationExactlyAsTheJinjaTemplate() {
        for (int i = 0; i < VALID.size(); i++) {
            Case c = VALID.get(i);
            JsonNode expected = referenceValid.get(i);
            assertTrue(expected.path("ok").asBoolean(), c.name() + ": reference failed: " + expected.path("error"));
            assertEquals(expected.path("text").asText(), template.render(toMessages(c.messages()),
                    c.addGenerationPrompt()), c.name());
        }
    }

    @Test
    void nonAlternatingRolesFailOnBothSidesWithTheTemplatesMessage() {
        for (int i = 0; i < NON_ALTERNATING.size(); i++) {
            Case c = NON_ALTERNATING.get(i);
            JsonNode reference = referenceNonAlternating.get(i);
            assertFalse(reference.path("ok").asBoolean(), c.name() + ": the reference rendered it");
            var error = assertThrows(ChatTemplateException.class,
                    () -> template.render(toMessages(c.messages()), c.addGenerationPrompt()), c.name());
            assertTrue(error.getMessage().startsWith(reference.path("error").asText()), error.getMessage());
            assertTrue(error.getMessage().contains("has role"), error.getMessage());
        }
    }

    @Test
    void refusesWhatTheTemplateWouldRenderSilentlyWrong() {
        // The Jinja template renders these without complaint; each result is something Gemma was not trained on.
        assertEquals("<bos><start_of_turn>model\n", referenceStricter.get(0).path("text").asText());
        assertEquals("<bos><start_of_turn>model\n", referenceStricter.get(1).path("text").asText()); // system dropped
        assertTrue(referenceStricter.get(2).path("text").asText().contains("<start_of_turn>tool\n"));

        assertMessage("empty", () -> template.render(List.of(), true));
        assertMessage("only a system message", () -> template.render(List.of(ChatMessage.system("s")), true));
        assertMessage("role \"tool\"", () -> template.render(List.of(ChatMessage.user("a"),
                new ChatMessage("tool", "b")), false));
        assertMessage("only the first message", () -> template.render(List.of(ChatMessage.user("a"),
                ChatMessage.system("b")), false));
        assertMessage("first content part must be text", () -> template.render(List.of(
                new ChatMessage("system", List.of(ContentPart.image())), ChatMessage.user("q")), false));
    }

    @Test
    void renderedBosTextEncodesToTheBosIdWithoutAddingAnother() {
        GemmaTokenizer tokenizer = ReferenceFiles.gemmaTokenizer();
        String prompt = template.render(List.of(ChatMessage.user("Hi")), true);
        int[] ids = tokenizer.encode(prompt, false);
        assertEquals(tokenizer.bosId(), ids[0]);
        assertEquals(tokenizer.startOfTurnId(), ids[1]);
        long[] reference = ReferenceFiles.djlTokenizer().encode(prompt, false, false).getIds();
        assertArrayEquals(reference, java.util.Arrays.stream(ids).asLongStream().toArray());
    }

    private static void assertMessage(String expectedFragment, org.junit.jupiter.api.function.Executable render) {
        var error = assertThrows(ChatTemplateException.class, render);
        assertTrue(error.getMessage().contains(expectedFragment), error.getMessage());
    }

    private static List<ChatMessage> toMessages(List<Map<String, Object>> messages) {
        List<ChatMessage> out = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            String role = (String) m.get("role");
            if (m.get("content") instanceof String s) {
                out.add(new ChatMessage(role, s));
                continue;
            }
            List<ContentPart> parts = new ArrayList<>();
            for (Object p : (List<?>) m.get("content")) {
                Map<?, ?> part = (Map<?, ?>) p;
                parts.add(part.get("type").equals("image") ? ContentPart.image()
                        : ContentPart.text((String) part.get("text")));
            }
            out.add(new ChatMessage(role, parts));
        }
        return out;
    }

    private static Map<String, Object> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    private static Map<String, Object> part(String type) {
        return Map.of("type", type);
    }

    /** Runs the node reference on the cases; fails (never skips) with install instructions if it cannot. */
    private static JsonNode runReference(List<Case> cases) throws Exception {
        Path script = findScript();
        Path config = ReferenceFiles.tokenizerConfigJson();
        if (!Files.isDirectory(script.resolveSibling("node_modules").resolve("@huggingface").resolve("jinja"))) {
            fail("@huggingface/jinja is not installed next to " + script + "; " + INSTALL);
        }
        List<Map<String, Object>> input = cases.stream().map(c -> Map.<String, Object>of(
                "messages", c.messages(), "add_generation_prompt", c.addGenerationPrompt())).toList();
        Process node;
        try {
            node = new ProcessBuilder("node", script.toString(), config.toString())
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            return fail("cannot start `node` (" + e.getMessage() + "); " + INSTALL);
        }
        try (var stdin = node.getOutputStream()) {
            stdin.write(JSON.writeValueAsBytes(input));
        }
        byte[] stdout = node.getInputStream().readAllBytes();
        String stderr = new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!node.waitFor(60, TimeUnit.SECONDS) || node.exitValue() != 0) {
            fail("the node reference failed (" + stderr.strip() + "); " + INSTALL);
        }
        return JSON.readTree(stdout);
    }

    private static Path findScript() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("worker/reference/chat-template-reference.mjs");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return fail("worker/reference/chat-template-reference.mjs not found from " + start);
    }
}
