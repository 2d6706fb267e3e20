package io.gemmafleet.media;

import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Picks frames evenly over a clip's duration: for k = 0 .. n-1 the frame showing at time k × duration / n (so the
 * first frame is always picked). A frame that shows across several of those times is picked once, so a clip with
 * fewer distinct frames than asked for gives fewer frames.
 */
final class FrameSampler {

    private FrameSampler() {}

    /**
     * @param starts each frame's start time in seconds, ascending, with the clip's end as the last entry
     * @param wanted how many frames to pick (at least 1)
     * @return indices of the picked frames, ascending
     */
    static SortedSet<Integer> pick(double[] starts, int wanted) {
        int frames = starts.length - 1;
        double duration = starts[frames];
        SortedSet<Integer> picked = new TreeSet<>();
        int frame = 0;
        for (int k = 0; k < wanted; k++) {
            double t = duration * k / wanted;
            while (frame + 1 < frames && starts[frame + 1] <= t) {
                frame++;
            }
            picked.add(frame);
        }
        return picked;
    }
}
