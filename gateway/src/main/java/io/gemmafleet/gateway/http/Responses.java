package io.gemmafleet.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/** Writes JSON bodies and problem documents with the right status and content type; shared by the routes. */
final class Responses {

    private final ObjectMapper mapper;

    Responses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    void json(ServerResponse res, int status, Object body) {
        send(res, status, "application/json", body);
    }

    void problem(ServerResponse res, Problem problem) {
        send(res, problem.status(), Problem.MEDIA_TYPE, problem);
    }

    private void send(ServerResponse res, int status, String type, Object body) {
        try {
            byte[] bytes = mapper.writeValueAsBytes(body);
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, type);
            res.send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response", e);
        }
    }
}
