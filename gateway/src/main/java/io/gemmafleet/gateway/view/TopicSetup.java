package io.gemmafleet.gateway.view;

import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.TopicSpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates whichever fleet topics are missing, with the configs of {@link FleetTopics#specs()}, when the topics
 * allow it; idempotent and safe beside workers doing the same. The gateway needs this (not only the workers) because
 * it may start first and must read the compacted results topic from its first record.
 */
final class TopicSetup {

    private TopicSetup() {}

    static void ensure(Admin admin, FleetTopics topics) throws Exception {
        if (!topics.createMissing()) {
            return;
        }
        Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
        List<NewTopic> missing = topics.specs().stream().filter(s -> !existing.contains(s.name()))
                .map(TopicSetup::toNewTopic).toList();
        try {
            admin.createTopics(missing).all().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) { // a worker raced us to it: fine
                throw e;
            }
        }
    }

    private static NewTopic toNewTopic(TopicSpec s) {
        return new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs());
    }
}
