package io.gemmafleet.model.tokenizer;

import java.util.Arrays;

/**
 * Merges a sequence of symbols pairwise, always taking the most urgent mergeable adjacent pair first (ties: the
 * leftmost), until no pair merges. This is the loop of both HF's {@code Word::merge_all} and llama.cpp's
 * {@code llm_tokenizer_spm_session::tokenize}; {@link PairMerges} supplies what differs.
 *
 * <p>Symbols form a doubly linked list over arrays and candidate pairs wait in a binary heap, so a text of n
 * symbols costs O(n log n) instead of rescanning all pairs after every merge. A merge leaves older heap entries
 * that mention its symbols behind; they are recognised as stale when popped (a symbol's id changes whenever its
 * content does, so comparing the ids the entry was made for is enough) and skipped, as both references do.
 */
final class BpeMerger {

    private final PairMerges merges;

    // Symbols: a linked list in arrays. A merged-away symbol has alive == false.
    private int[] ids = new int[64];
    private int[] starts = new int[64];
    private int[] ends = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private boolean[] alive = new boolean[64];
    private int count;

    // Candidate pairs: parallel arrays, and a heap of candidate indices ordered by (priority, left position).
    private int[] candLeft = new int[64];
    private int[] candRight = new int[64];
    private int[] candLeftId = new int[64];
    private int[] candRightId = new int[64];
    private int[] candPriority = new int[64];
    private int[] candMerged = new int[64];
    private int candidates;
    private int[] heap = new int[64];
    private int heapSize;

    BpeMerger(PairMerges merges) {
        this.merges = merges;
    }

    /** Starts a new sequence. */
    void reset() {
        count = 0;
        candidates = 0;
        heapSize = 0;
    }

    /** Appends a symbol covering {@code text[start, end)} with the given id (or {@link Vocabulary#NONE}). */
    void add(int id, int start, int end) {
        if (count == ids.length) {
            int n = count * 2;
            ids = Arrays.copyOf(ids, n);
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
            prev = Arrays.copyOf(prev, n);
            next = Arrays.copyOf(next, n);
            alive = Arrays.copyOf(alive, n);
        }
        ids[count] = id;
        starts[count] = start;
        ends[count] = end;
        prev[count] = count - 1;
        next[count] = -1;
        alive[count] = true;
        if (count > 0) {
            next[count - 1] = count;
        }
        count++;
    }

    /** Runs the merges over the symbols added since {@link #reset()}. */
    void mergeAll(String text) {
        for (int i = 1; i < count; i++) {
            offer(i - 1, i, text);
        }
        while (heapSize > 0) {
            int c = poll();
            int left = candLeft[c];
            int right = candRight[c];
            if (!alive[left] || !alive[right] || next[left] != right
                    || ids[left] != candLeftId[c] || ids[right] != candRightId[c]) {
                continue; // stale: one of the two symbols changed since this pair was offered
            }
            ids[left] = candMerged[c];
            ends[left] = ends[right];
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(prev[left], left, text);
            }
            if (next[left] >= 0) {
                offer(left, next[left], text);
            }
        }
    }

    /** Index of the first surviving symbol, -1 if there is none. Walk on with {@link #next(int)}. */
    int first() {
        return count == 0 ? -1 : 0; // symbol 0 is never merged away: merges fold the right symbol into the left
    }

    int next(int symbol) {
        return next[symbol];
    }

    int id(int symbol) {
        return ids[symbol];
    }

    int start(int symbol) {
        return starts[symbol];
    }

    int end(int symbol) {
        return ends[symbol];
    }

    private void offer(int left, int right, String text) {
        long found = merges.lookup(ids[left], ids[right], text, starts[left], ends[right]);
        if (found == PairMerges.NO_MERGE) {
            return;
        }
        if (candidates == candLeft.length) {
            int n = candidates * 2;
            candLeft = Arrays.copyOf(candLeft, n);
            candRight = Arrays.copyOf(candRight, n);
            candLeftId = Arrays.copyOf(candLeftId, n);
            candRightId = Arrays.copyOf(candRightId, n);
            candPriority = Arrays.copyOf(candPriority, n);
            candMerged = Arrays.copyOf(candMerged, n);
            heap = Arrays.copyOf(heap, n);
        }
        int c = candidates++;
        candLeft[c] = left;
        candRight[c] = right;
        candLeftId[c] = ids[left];
        candRightId[c] = ids[right];
        candPriority[c] = PairMerges.priority(found);
        candMerged[c] = PairMerges.mergedId(found);
        // sift up
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(c, heap[parent])) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = c;
    }

    private int poll() {
        int top = heap[0];
        int last = heap[--heapSize];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], last)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (heapSize > 0) {
            heap[i] = last;
        }
        return top;
    }

    /** Heap order: lower priority value first, then the leftmost pair (HF's and llama.cpp's tie-break). */
    private boolean before(int a, int b) {
        if (candPriority[a] != candPriority[b]) {
            return candPriority[a] < candPriority[b];
        }
        return candLeft[a] < candLeft[b];
    }
}
