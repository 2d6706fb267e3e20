package io.gemmafleet.schemas;

import java.util.Map;

/** A topic the fleet needs: name, partitions, replication and topic-level configs, as an admin would create it. */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    public TopicSpec {
        configs = Map.copyOf(configs);
    }
}
