package io.gemmafleet.sampling;

/**
 * Yields token ids in order of decreasing score without sorting the whole vocabulary: a binary max-heap built in
 * linear time, from which truncation rules pop only as many tokens as they keep.
 */
final class ProbabilityHeap {

    private final float[] scores;
    private final int[] heap;
    private int size;

    ProbabilityHeap(float[] scores) {
        this.scores = scores;
        this.size = scores.length;
        this.heap = new int[size];
        for (int i = 0; i < size; i++) {
            heap[i] = i;
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    int size() {
        return size;
    }

    /** Removes and returns the id with the highest score (ties: the lower id first). */
    int pop() {
        int top = heap[0];
        heap[0] = heap[--size];
        siftDown(0);
        return top;
    }

    private boolean above(int a, int b) {
        return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
    }

    private void siftDown(int i) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int best = left;
            int right = left + 1;
            if (right < size && above(heap[right], heap[left])) {
                best = right;
            }
            if (!above(heap[best], heap[i])) {
                return;
            }
            int tmp = heap[i];
            heap[i] = heap[best];
            heap[best] = tmp;
            i = best;
        }
    }
}
