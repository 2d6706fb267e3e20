package io.gemmafleet.gateway.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.gemmafleet.gateway.GatewayMetrics;
import io.gemmafleet.gateway.media.MediaRejectedException;
import io.gemmafleet.gateway.submit.Accepted;
import io.gemmafleet.gateway.submit.JobSubmitter;
import io.gemmafleet.gateway.submit.KafkaUnavailableException;
import io.gemmafleet.gateway.submit.PayloadTooLargeException;
import io.gemmafleet.gateway.view.JobView;
import io.gemmafleet.gateway.view.ResultsView;
import io.gemmafleet.schemas.JobResult;
import io.gemmafleet.schemas.JobValidationException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/jobs} (validate, write durably, 202 + Location), {@code GET /v1/jobs/{id}} (state and result
 * from the results view) and {@code POST /v1/jobs/{id}/cancel} (alias {@code DELETE /v1/jobs/{id}}: write a cancel
 * request durably, 202). A job is visible only to the key that submitted it: anyone else gets the same 404 as for
 * an unknown id, so ids leak nothing. Kafka trouble is a 503 with Retry-After, never a 202.
 */
public final class JobRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(JobRoutes.class);
    static final String PATH = "/v1/jobs";

    /** The body of a 202 and of a poll; {@code result} is the worker's result document once there is one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobStatusBody(String jobId, String status, String location, JobResult result) {}

    /** The body of a cancel's 202: the cancel is requested (durably in Kafka), not yet done; poll the location. */
    record CancelBody(String jobId, String cancel, String location) {}

    private final JobSubmitter submitter;
    private final ResultsView view;
    private final Authenticator auth;
    private final boolean keysRequired;
    private final GatewayMetrics metrics;
    private final Responses responses;
    private final int maxBodyBytes;
    private final int retryAfterSeconds;

    public JobRoutes(JobSubmitter submitter, ResultsView view, io.gemmafleet.gateway.auth.ApiKeys keys,
                     GatewayMetrics metrics, com.fasterxml.jackson.databind.ObjectMapper mapper, int maxBodyBytes,
                     int retryAfterSeconds) {
        this.submitter = submitter;
        this.view = view;
        this.auth = new Authenticator(keys);
        this.keysRequired = keys.enabled();
        this.metrics = metrics;
        this.responses = new Responses(mapper);
        this.maxBodyBytes = maxBodyBytes;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public void register(HttpRouting.Builder routing) {
        routing.post(PATH, this::submit).get(PATH + "/{id}", this::poll)
                .post(PATH + "/{id}/cancel", this::cancel).delete(PATH + "/{id}", this::cancel)
                .error(RuntimeException.class, (req, res, e) -> {
                    LOG.error("request {} {} failed", req.prologue().method(), req.path().path(), e);
                    responses.problem(res, Problem.of("internal-error", "Internal error", 500,
                            "the gateway failed on this request; nothing about the job changed"));
                });
    }

    private void submit(ServerRequest req, ServerResponse res) throws IOException {
        Optional<String> owner = auth.owner(req);
        if (owner.isEmpty()) {
            metrics.submission("unauthorized");
            unauthorized(res);
            return;
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(maxBodyBytes + 1); // one byte more tells "too large" from "exactly the limit"
        }
        try {
            Accepted a = submitter.submit(body, owner.get());
            view.accepted(a.jobId(), a.owner());
            metrics.submission("accepted");
            String location = PATH + "/" + a.jobId();
            res.header(HeaderNames.LOCATION, location);
            responses.json(res, 202, new JobStatusBody(a.jobId(), "queued", location, null));
        } catch (JobValidationException e) {
            metrics.submission("invalid");
            responses.problem(res, Problem.invalid(e.code(), e.violations()));
        } catch (MediaRejectedException e) {
            metrics.submission(e.status() == 413 ? "too_large" : "invalid");
            responses.problem(res, Problem.at(e.slug(), e.title(), e.status(), e.getMessage(), e.field(), e.limit(),
                    e.limitValue()));
        } catch (PayloadTooLargeException e) {
            metrics.submission("too_large");
            responses.problem(res, Problem.at("payload-too-large", "Job too large", 413, e.getMessage(), "$",
                    "max-request-bytes", e.limit()));
        } catch (KafkaUnavailableException e) {
            metrics.submission("unavailable");
            LOG.warn("submission refused, Kafka unavailable: {}", e.getMessage());
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(retryAfterSeconds));
            responses.problem(res, Problem.of("kafka-unavailable", "Job queue unavailable", 503,
                    "the job was not accepted (nothing was queued); retry after " + retryAfterSeconds + " s"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the job", e);
        }
    }

    private void poll(ServerRequest req, ServerResponse res) {
        Optional<String> owner = auth.owner(req);
        if (owner.isEmpty()) {
            metrics.poll("unauthorized");
            unauthorized(res);
            return;
        }
        String id = req.path().pathParameters().get("id");
        Optional<JobView> job = view.find(id).filter(j -> visibleTo(j, owner.get()));
        if (job.isEmpty()) {
            metrics.poll("not_found");
            notFound(res, id);
            return;
        }
        JobView j = job.get();
        String state = j.state().wireName();
        metrics.poll(state);
        responses.json(res, 200, new JobStatusBody(j.jobId(), state, PATH + "/" + j.jobId(), j.result()));
    }

    /**
     * Publishes a cancel for the job. The view may not know the job yet (it was written to Kafka straight, or this
     * replica has not read it), so an unknown id is cancelled too: 202. A job the view knows to belong to another
     * key is a 404, exactly as for a poll; one that already has its result is a 409, as there is nothing to cancel.
     */
    private void cancel(ServerRequest req, ServerResponse res) throws IOException {
        Optional<String> owner = auth.owner(req);
        if (owner.isEmpty()) {
            metrics.cancel("unauthorized");
            unauthorized(res);
            return;
        }
        String id = req.path().pathParameters().get("id");
        Optional<JobView> known = view.find(id);
        // With keys on, a known job of another key, or a finished one whose owner the view never learned, is
        // invisible (404, as a poll answers); a known unfinished job with no owner yet may be the caller's own.
        boolean hidden = known.isPresent() && keysRequired && !owner.get().equals(known.get().owner())
                && (known.get().owner() != null || known.get().result() != null);
        if (hidden) {
            metrics.cancel("not_found");
            notFound(res, id);
            return;
        }
        if (known.isPresent() && known.get().result() != null) {
            metrics.cancel("finished");
            responses.problem(res, Problem.of("job-finished", "Job already finished", 409,
                    "job '" + id + "' already ended " + known.get().state().wireName()
                            + "; there is nothing to cancel"));
            return;
        }
        try {
            submitter.cancel(id, owner.get());
        } catch (JobValidationException e) {
            metrics.cancel("not_found"); // no job can have this id
            notFound(res, id);
            return;
        } catch (KafkaUnavailableException e) {
            metrics.cancel("unavailable");
            LOG.warn("cancel refused, Kafka unavailable: {}", e.getMessage());
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(retryAfterSeconds));
            responses.problem(res, Problem.of("kafka-unavailable", "Job queue unavailable", 503,
                    "the cancel was not recorded; retry after " + retryAfterSeconds + " s"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the cancel", e);
        }
        metrics.cancel("requested");
        String location = PATH + "/" + id;
        res.header(HeaderNames.LOCATION, location);
        responses.json(res, 202, new CancelBody(id, "requested", location));
    }

    private void notFound(ServerResponse res, String id) {
        responses.problem(res, Problem.of("job-not-found", "No such job", 404,
                "no job '" + id + "' is visible to this caller"));
    }

    /**
     * Owner checks fail closed: with keys on, a job whose submitter is unknown (sent straight to Kafka, or its job
     * record aged out) is visible to nobody; with keys off everyone is the same anonymous owner.
     */
    private boolean visibleTo(JobView job, String owner) {
        return !keysRequired || owner.equals(job.owner());
    }

    private void unauthorized(ServerResponse res) {
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        responses.problem(res, Problem.of("unauthorized", "API key required", 401,
                "send a valid API key as 'Authorization: Bearer KEY'"));
    }
}
