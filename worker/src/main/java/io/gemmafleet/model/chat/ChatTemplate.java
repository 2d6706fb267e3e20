package io.gemmafleet.model.chat;

import java.util.List;
import java.util.Set;

/**
 * Renders a conversation into Gemma 3's prompt text exactly as the Jinja {@code chat_template} of Gemma 3's
 * {@code tokenizer_config.json} does, written out in Java. The template, abridged ({@code {%- -%}} trims the
 * template's own whitespace, so only the quoted strings reach the output):
 *
 * <pre>
 * {{ bos_token }}
 * if messages[0]['role'] == 'system':
 *     first_user_prefix = (content if string else content[0]['text']) + '\n\n'   (not trimmed)
 *     loop_messages = messages[1:]
 * else: first_user_prefix = ""; loop_messages = messages
 * for message in loop_messages:
 *     if (message['role'] == 'user') != (loop.index0 % 2 == 0):
 *         raise_exception("Conversation roles must alternate user/assistant/user/assistant/...")
 *     role = "model" if message['role'] == 'assistant' else message['role']
 *     '&lt;start_of_turn&gt;' + role + '\n' + (first_user_prefix if loop.first else "")
 *     string content: content | trim
 *     list content: for each item: '&lt;start_of_image&gt;' if type == 'image', item['text'] | trim if type == 'text'
 *     '&lt;end_of_turn&gt;\n'
 * if add_generation_prompt: '&lt;start_of_turn&gt;model\n'
 * </pre>
 *
 * <p>Where the template would quietly render something the model was not trained on, this class refuses instead
 * ({@link ChatTemplateException}): an empty conversation, a role other than system/user/assistant/model, a system
 * message anywhere but first, a conversation of only a system message (the template drops it), and a system message
 * whose first part is not text. Like the template, only the first part of a system message is used.
 *
 * <p>{@code trim} removes what JavaScript's {@code String.prototype.trim} removes, as Hugging Face's JS renderer
 * ({@code @huggingface/jinja}, the test reference) does. Python's {@code str.strip} in transformers differs only for
 * U+FEFF (kept by Python) and U+001C..U+001F, U+0085 (stripped by Python).
 *
 * <p>The text begins with {@code "<bos>"} as text. Encode it with {@code addBos = false}: the tokenizer parses
 * special-token text, so {@code "<bos>"} becomes id 2 and the other markers their ids, as HF does.
 */
public final class ChatTemplate {

    /** The template's own error text, kept word for word. */
    static final String ALTERNATION_ERROR = "Conversation roles must alternate user/assistant/user/assistant/...";

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "model");

    private final String bosToken;

    /** Gemma 3's template with its {@code bos_token}, {@code "<bos>"}. */
    public ChatTemplate() {
        this("<bos>");
    }

    public ChatTemplate(String bosToken) {
        this.bosToken = bosToken;
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt}, ending in an open model turn.
     *
     * @throws ChatTemplateException if the conversation cannot be rendered (see the class description)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages.isEmpty()) {
            throw new ChatTemplateException("the conversation is empty: it needs at least one user message");
        }
        for (int i = 0; i < messages.size(); i++) {
            String role = messages.get(i).role();
            if (!ROLES.contains(role)) {
                throw new ChatTemplateException("message " + i + " has role \"" + role
                        + "\"; Gemma 3's chat template knows system, user, assistant and model");
            }
            if (role.equals("system") && i > 0) {
                throw new ChatTemplateException("message " + i + " is a system message; only the first message may "
                        + "be one (Gemma 3 folds it into the first user turn)");
            }
        }
        StringBuilder out = new StringBuilder(bosToken);

        // A leading system message is not a turn of its own: its text, untrimmed, prefixes the first user turn.
        String firstUserPrefix = "";
        List<ChatMessage> turns = messages;
        if (messages.getFirst().role().equals("system")) {
            firstUserPrefix = systemText(messages.getFirst()) + "\n\n";
            turns = messages.subList(1, messages.size());
            if (turns.isEmpty()) {
                throw new ChatTemplateException("the conversation has only a system message; the template would drop "
                        + "it, so add the user message it belongs to");
            }
        }

        for (int index = 0; index < turns.size(); index++) {
            ChatMessage message = turns.get(index);
            // Even positions must be user turns and odd positions must not be.
            if (message.role().equals("user") != (index % 2 == 0)) {
                throw new ChatTemplateException(ALTERNATION_ERROR + " (message " + (messages.size() - turns.size()
                        + index) + " has role \"" + message.role() + "\"" + (index % 2 == 0
                        ? ", where a user message is expected)" : ", where a model/assistant message is expected)"));
            }
            String role = message.role().equals("assistant") ? "model" : message.role();
            out.append("<start_of_turn>").append(role).append('\n');
            if (index == 0) {
                out.append(firstUserPrefix);
            }
            for (ContentPart part : message.content()) {
                switch (part) {
                    case ContentPart.Image image -> out.append("<start_of_image>");
                    case ContentPart.Text text -> out.append(trim(text.text()));
                }
            }
            out.append("<end_of_turn>\n");
        }
        if (addGenerationPrompt) {
            out.append("<start_of_turn>model\n");
        }
        return out.toString();
    }

    private static String systemText(ChatMessage system) {
        if (system.content().isEmpty() || !(system.content().getFirst() instanceof ContentPart.Text text)) {
            throw new ChatTemplateException("the system message's first content part must be text: the template "
                    + "uses content[0]['text'] as the system prompt");
        }
        return text.text();
    }

    /** JavaScript's {@code String.prototype.trim}: strips WhiteSpace and LineTerminator code units at both ends. */
    static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isJsWhitespace(s.charAt(start))) {
            start++;
        }
        while (end > start && isJsWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isJsWhitespace(char c) {
        return switch (c) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF ->
                    true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }
}
