package io.gemmafleet.schemas;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.util.List;

/** Reads message content written either as a plain string or as a list of parts (the OpenAI-style shapes). */
final class ContentDeserializer extends JsonDeserializer<List<ContentPart>> {

    private static final com.fasterxml.jackson.core.type.TypeReference<List<ContentPart>> PARTS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

    @Override
    public List<ContentPart> deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return List.of(new ContentPart.Text(p.getText()));
        }
        return ctx.readValue(p, ctx.getTypeFactory().constructType(PARTS));
    }
}
