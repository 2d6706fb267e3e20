package io.gemmafleet.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class FleetTopicsTest {

    @Test
    void defaults() {
        FleetTopics t = FleetTopics.defaults();
        assertEquals("gemma.jobs.text", t.textJobs());
        assertEquals("gemma.jobs.image", t.imageJobs());
        assertEquals("gemma.results", t.results());
        assertEquals("gemma.dead-letter", t.deadLetter());
        assertEquals("gemma.cancel", t.cancel());
        assertEquals(java.time.Duration.ofDays(1), t.cancelRetention());
        assertEquals(6, t.specs().size());
        assertEquals(6, t.jobPartitions());
        assertTrue(t.createMissing());
    }

    @Test
    void propertiesOverrideAndRoundTrip() {
        Properties p = new Properties();
        p.setProperty("gemma.topics.text", "t1");
        p.setProperty("gemma.topics.job-partitions", "3");
        p.setProperty("gemma.topics.max-message-bytes", "65536");
        p.setProperty("gemma.topics.cancel", "c1");
        p.setProperty("gemma.topics.cancel-retention-ms", "3600000");
        FleetTopics t = FleetTopics.fromProperties(p);
        assertEquals("t1", t.textJobs());
        assertEquals(3, t.jobPartitions());
        assertEquals(65536, t.maxMessageBytes());
        assertEquals("c1", t.cancel());
        assertEquals(java.time.Duration.ofHours(1), t.cancelRetention());
        assertEquals(t, FleetTopics.fromProperties(t.toProperties()));
    }

    @Test
    void resultsTopicIsCompacted() {
        TopicSpec results = FleetTopics.defaults().specs().stream()
                .filter(s -> s.name().equals("gemma.results")).findFirst().orElseThrow();
        assertEquals("compact", results.configs().get("cleanup.policy"));
    }

    @Test
    void badValuesFailNamingTheKey() {
        Properties p = new Properties();
        p.setProperty("gemma.topics.job-partitions", "many");
        var e = assertThrows(IllegalArgumentException.class, () -> FleetTopics.fromProperties(p));
        assertTrue(e.getMessage().contains("gemma.topics.job-partitions"), e.getMessage());
        Properties q = new Properties();
        q.setProperty("gemma.topics.text", "bad name!");
        assertThrows(IllegalArgumentException.class, () -> FleetTopics.fromProperties(q));
    }

    @Test
    void cancelTopicIsCompactedAndTimeRetained() {
        Properties p = new Properties();
        p.setProperty("gemma.topics.cancel-retention-ms", "7200000");
        TopicSpec cancel = FleetTopics.fromProperties(p).specs().stream()
                .filter(s -> s.name().equals("gemma.cancel")).findFirst().orElseThrow();
        assertEquals("compact,delete", cancel.configs().get("cleanup.policy"));
        assertEquals("7200000", cancel.configs().get("retention.ms"));
    }

    @Test
    void theSixTopicsMustBeDistinct() {
        Properties p = new Properties();
        p.setProperty("gemma.topics.cancel", "gemma.status");
        var e = assertThrows(IllegalArgumentException.class, () -> FleetTopics.fromProperties(p));
        assertTrue(e.getMessage().contains("six"), e.getMessage());
        Properties q = new Properties();
        q.setProperty("gemma.topics.cancel-retention-ms", "10");
        assertThrows(IllegalArgumentException.class, () -> FleetTopics.fromProperties(q));
    }
}
