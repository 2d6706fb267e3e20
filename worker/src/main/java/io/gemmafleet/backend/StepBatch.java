package io.gemmafleet.backend;

import java.util.List;

/** The work of one forward step: several sequences, each at its own position, run through the model together. */
public record StepBatch(List<SequenceStep> steps) {

    public StepBatch {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("an empty step batch");
        }
        if (steps.stream().map(SequenceStep::sequenceId).distinct().count() != steps.size()) {
            throw new IllegalArgumentException("a sequence appears twice in one step batch");
        }
    }

    public static StepBatch of(SequenceStep... steps) {
        return new StepBatch(List.of(steps));
    }

    /** Total number of tokens fed in this step. */
    public int tokenCount() {
        int n = 0;
        for (SequenceStep s : steps) {
            n += s.tokens().length;
        }
        return n;
    }
}
