package io.gemmafleet.model.tokenizer;

/**
 * The one thing that differs between Hugging Face BPE and llama.cpp's SentencePiece merging: which adjacent pair
 * of symbols may merge, into what, and how urgently. {@link BpeMerger} does the rest for both.
 */
interface PairMerges {

    /** Returned by {@link #lookup} when the pair does not merge. No valid result packs to it (ids are ≥ 0). */
    long NO_MERGE = -1L;

    /**
     * Whether the adjacent symbols merge.
     *
     * @param leftId  id of the left symbol, or {@link Vocabulary#NONE} for a character that is not a piece
     * @param rightId id of the right symbol, likewise
     * @param text    the text being encoded
     * @param start   where the left symbol starts in {@code text}
     * @param end     where the right symbol ends in {@code text}
     * @return {@link #pack(int, int)} of (priority, merged id), or {@link #NO_MERGE}
     */
    long lookup(int leftId, int rightId, String text, int start, int end);

    /** Packs a priority (lower merges first) and the merged piece's id. */
    static long pack(int priority, int mergedId) {
        return ((long) priority << 32) | (mergedId & 0xFFFF_FFFFL);
    }

    static int priority(long packed) {
        return (int) (packed >> 32);
    }

    static int mergedId(long packed) {
        return (int) packed;
    }
}
