package io.gemmafleet.results;

import io.gemmafleet.schemas.FleetTopics;
import io.gemmafleet.schemas.TopicSpec;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the fleet's missing topics at start (when {@link FleetTopics#createMissing} allows) and sets a share
 * group's configs; idempotent, so any number of fleet processes may run it at once.
 */
public final class TopicBootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(TopicBootstrap.class);

    private TopicBootstrap() {}

    public static void ensureTopics(Admin admin, FleetTopics topics) throws Exception {
        if (!topics.createMissing()) {
            return;
        }
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = topics.specs().stream().filter(s -> !existing.contains(s.name()))
                .map(TopicBootstrap::newTopic).toList();
        if (missing.isEmpty()) {
            return;
        }
        for (var entry : admin.createTopics(missing).values().entrySet()) {
            try {
                entry.getValue().get(30, TimeUnit.SECONDS);
                LOG.info("created topic {}", entry.getKey());
            } catch (ExecutionException e) {
                // Another fleet process created it between our listing and our request: fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    private static NewTopic newTopic(TopicSpec s) {
        return new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs());
    }

    /**
     * Share groups start at the latest offset by default; a job queue must start at the earliest, or jobs sent
     * before the first worker joined would never run. Lock renewal (RENEW) must be enabled per group.
     */
    /**
     * Sets the share group's offset reset to earliest and allows lock renewal.
     *
     * @return whether the broker accepted {@code share.renew.acknowledge.enable} (false on brokers before it)
     */
    public static boolean configureShareGroup(Admin admin, String groupId) throws Exception {
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, groupId);
        Collection<AlterConfigOp> ops = List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("share.renew.acknowledge.enable", "true"), AlterConfigOp.OpType.SET));
        try {
            admin.incrementalAlterConfigs(Map.of(group, ops)).all().get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            // Older brokers do not know the renew config: keep the offset reset, run without renewal.
            LOG.warn("share group config {}: {}; retrying with offset reset only", groupId, e.getCause().toString());
            admin.incrementalAlterConfigs(Map.of(group, List.of(ops.iterator().next()))).all()
                    .get(30, TimeUnit.SECONDS);
            return false;
        }
    }
}
