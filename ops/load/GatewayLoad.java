import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gateway load harness (not a test): against a running gateway (e.g. `./gemma-fleet dev`), measures
 * (1) end-to-end overhead of single jobs one at a time: result visible over HTTP minus engine time
 *     (result timings total_ms - queued_ms, i.e. batch start to result written), p50/p99; and
 * (2) submission throughput: N POSTs from C concurrent clients, submissions/s (202s only).
 * Usage: java -cp LAUNCHER_CLASSPATH ops/load/GatewayLoad.java URL [sequentialJobs] [burstJobs] [clients]
 */
public class GatewayLoad {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String BODY = "{\"prompt\":\"hi\",\"sampling\":{\"max_tokens\":1,\"temperature\":0}}";

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int sequential = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int burst = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        submit(url); // warm-up: JIT, connections, the worker joining its group
        awaitDone(url, submit(url));

        List<Double> overhead = new ArrayList<>();
        List<Double> endToEnd = new ArrayList<>();
        for (int i = 0; i < sequential; i++) {
            long t0 = System.nanoTime();
            String id = submit(url);
            JsonNode result = awaitDone(url, id);
            double e2e = (System.nanoTime() - t0) / 1e6;
            JsonNode t = result.get("result").get("timings");
            double engine = t.get("total_ms").asDouble() - t.get("queued_ms").asDouble();
            endToEnd.add(e2e);
            overhead.add(e2e - engine);
        }
        System.out.printf("sequential %d jobs (max_tokens 1): end-to-end p50 %.1f ms p99 %.1f ms; "
                + "overhead (visible - engine) p50 %.1f ms p99 %.1f ms%n", sequential, pct(endToEnd, 50),
                pct(endToEnd, 99), pct(overhead, 50), pct(overhead, 99));

        long t0 = System.nanoTime();
        int accepted = 0;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> parts = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int n = burst / clients + (c < burst % clients ? 1 : 0);
                parts.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < n; i++) {
                        ok += submit(url) != null ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : parts) {
                accepted += f.get();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("burst: %d/%d accepted from %d clients in %.2f s = %.0f submissions/s%n", accepted, burst,
                clients, s, accepted / s);
    }

    static String submit(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 202 ? JSON.readTree(r.body()).get("job_id").asText() : null;
    }

    static JsonNode awaitDone(String url, String id) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(url + "/v1/jobs/" + id)).build();
        while (true) {
            JsonNode body = JSON.readTree(HTTP.send(get, HttpResponse.BodyHandlers.ofString()).body());
            if (body.has("result")) {
                return body;
            }
            Thread.sleep(1); // polling granularity bounds the measured overhead from below by ~1 ms
        }
    }

    static double pct(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
