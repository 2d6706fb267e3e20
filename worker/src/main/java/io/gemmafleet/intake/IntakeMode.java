package io.gemmafleet.intake;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which intake a worker uses; {@code AUTO} picks share groups when the cluster has finalized {@code share.version >= 1}. */
public enum IntakeMode {
    AUTO, SHARE, CLASSIC;

    private static final Logger LOG = LoggerFactory.getLogger(IntakeMode.class);

    public static IntakeMode parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    /** This mode, or for AUTO the one the cluster supports (asked through Admin.describeFeatures). */
    public IntakeMode resolve(Admin admin) {
        if (this != AUTO) {
            return this;
        }
        try {
            Map<String, FinalizedVersionRange> features = admin.describeFeatures().featureMetadata()
                    .get(15, TimeUnit.SECONDS).finalizedFeatures();
            FinalizedVersionRange share = features.get("share.version");
            IntakeMode mode = share != null && share.maxVersionLevel() >= 1 ? SHARE : CLASSIC;
            LOG.info("intake auto-detected: {} (share.version {})", mode, share);
            return mode;
        } catch (Exception e) {
            LOG.warn("could not describe cluster features ({}); using a classic consumer group", e.toString());
            return CLASSIC;
        }
    }
}
