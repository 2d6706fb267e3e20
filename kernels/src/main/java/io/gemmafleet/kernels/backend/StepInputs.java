package io.gemmafleet.kernels.backend;

import io.gemmafleet.backend.SequenceStep;
import io.gemmafleet.backend.StepBatch;
import java.util.List;

/**
 * The integer inputs of one forward step, laid out in one array so they reach the device in one copy:
 * {@code tokens [T] | positions [T] | slots [T] | token sequence [T] | logit rows [R] | block tables [S, width]}.
 *
 * <p>{@code token sequence} maps each token to its step's row of the block tables; {@code logit rows} are the
 * indices of the last token of every step that wants logits.
 */
record StepInputs(int[] ints, int tokenCount, int logitRowCount, int stepCount, int tableWidth,
                  int maxVisibleGlobal, int maxVisibleLocal) {

    int tokensOffset() {
        return 0;
    }

    int positionsOffset() {
        return tokenCount;
    }

    int slotsOffset() {
        return 2 * tokenCount;
    }

    int tokenSequenceOffset() {
        return 3 * tokenCount;
    }

    int logitRowsOffset() {
        return 4 * tokenCount;
    }

    int blockTablesOffset() {
        return 4 * tokenCount + logitRowCount;
    }

    /**
     * Lays out a batch whose sequences the cache already holds room for.
     *
     * @param fixedWidth block-table width to use (a captured graph's), or 0 for the batch's own widest table
     */
    static StepInputs of(StepBatch batch, PagedKvCache cache, int slidingWindow, int fixedWidth) {
        List<SequenceStep> steps = batch.steps();
        int t = batch.tokenCount();
        int rows = (int) steps.stream().filter(SequenceStep::wantLogits).count();
        int width = Math.max(1, fixedWidth);
        if (fixedWidth == 0) {
            for (SequenceStep s : steps) {
                width = Math.max(width, cache.blockCount(s.sequenceId()));
            }
        }
        int[] ints = new int[4 * t + rows + steps.size() * width];
        int token = 0;
        int row = 0;
        int maxPosition = 0;
        for (int s = 0; s < steps.size(); s++) {
            SequenceStep step = steps.get(s);
            for (int i = 0; i < step.tokens().length; i++) {
                int position = step.startPosition() + i;
                ints[token] = step.tokens()[i];
                ints[t + token] = position;
                ints[2 * t + token] = cache.slot(step.sequenceId(), position);
                ints[3 * t + token] = s;
                maxPosition = Math.max(maxPosition, position);
                token++;
            }
            if (step.wantLogits()) {
                ints[4 * t + row++] = token - 1;
            }
            cache.writeBlockTable(step.sequenceId(), ints, 4 * t + rows + s * width, width);
        }
        return new StepInputs(ints, t, rows, steps.size(), width, maxPosition + 1,
                Math.min(slidingWindow, maxPosition + 1));
    }
}
