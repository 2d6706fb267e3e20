package io.gemmafleet.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ChatMessagesJson}: both content shapes, and errors that name the offending element. */
class ChatMessagesJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<ChatMessage> parse(String json) throws JsonProcessingException {
        return ChatMessagesJson.parse(JSON.readTree(json));
    }

    @Test
    void stringContentIsOneTextPart() throws JsonProcessingException {
        List<ChatMessage> messages = parse("""
                [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": "Hi \\u00e9 \\ud83d\\ude00"},
                 {"role": "assistant", "content": ""}]""");
        assertEquals(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi é 😀"),
                new ChatMessage("assistant", "")), messages);
    }

    @Test
    void partsContentKeepsTextAndImagesInOrder() throws JsonProcessingException {
        List<ChatMessage> messages = parse("""
                [{"role": "user", "content": [
                    {"type": "text", "text": "Look:"},
                    {"type": "image"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                    {"type": "text", "text": "What is it?"}]}]""");
        assertEquals(List.of(new ChatMessage("user", List.of(new ContentPart.Text("Look:"), new ContentPart.Image(),
                new ContentPart.Image(), new ContentPart.Text("What is it?")))), messages);
        String rendered = new ChatTemplate().render(messages, true);
        assertEquals(2, rendered.split("<start_of_image>", -1).length - 1, rendered);
        assertTrue(rendered.indexOf("Look:") < rendered.indexOf("<start_of_image>"), rendered);
    }

    @Test
    void aSingleTextPartRendersLikeAString() throws JsonProcessingException {
        List<ChatMessage> asString = parse("[{\"role\": \"user\", \"content\": \"Hello\"}]");
        List<ChatMessage> asParts = parse("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hello\"}]}]");
        ChatTemplate template = new ChatTemplate();
        assertEquals(template.render(asString, true), template.render(asParts, true));
    }

    @Test
    void emptyArrayParsesToNoMessages() throws JsonProcessingException {
        assertEquals(List.of(), parse("[]"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"role": "user", "content": "hi"}                                          | messages must be a JSON array
            "hello"                                                                    | messages must be a JSON array
            [{"role": "user", "content": "a"}, "b"]                                    | messages[1] needs a string "role"
            [{"role": "user", "content": "a"}, {"content": "b"}]                       | messages[1] needs a string "role"
            [{"role": "user", "content": "a"}, {"role": 7, "content": "b"}]            | messages[1] needs a string "role"
            [{"role": "user", "content": "a"}, {"role": "model"}]                      | messages[1].content must be a string or a list of parts
            [{"role": "user", "content": "a"}, {"role": "model", "content": null}]     | messages[1].content must be a string or a list of parts
            [{"role": "user", "content": 42}]                                          | messages[0].content must be a string or a list of parts
            [{"role": "user", "content": {"type": "text", "text": "a"}}]               | messages[0].content must be a string or a list of parts
            [{"role": "user", "content": "a"}, {"role": "model", "content": [{"type": "text"}]}]               | messages[1].content[0] of type text needs a string "text"
            [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": 5}]}]      | messages[0].content[1] of type text needs a string "text"
            [{"role": "user", "content": [{"type": "image"}, {"type": "video"}]}]                            | messages[0].content[1] has unknown type "video"
            [{"role": "user", "content": "a"}, {"role": "model", "content": ["plain string"]}]              | messages[1].content[0] has unknown type ""
            [{"role": "user", "content": [{"text": "no type"}]}]                                             | messages[0].content[0] has unknown type ""
            """)
    void errorsNameTheElement(String json, String expected) {
        var e = assertThrows(ChatTemplateException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith(expected), "expected \"" + expected + "...\", got: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }

    @Test
    void nullIsNotAMessageList() {
        assertThrows(ChatTemplateException.class, () -> ChatMessagesJson.parse((JsonNode) null));
    }
}
