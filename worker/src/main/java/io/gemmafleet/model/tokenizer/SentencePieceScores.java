package io.gemmafleet.model.tokenizer;

/**
 * llama.cpp's SentencePiece merge rule: two adjacent symbols merge if their concatenated text is a piece of the
 * vocabulary, and the piece with the highest score merges first ({@code llm_tokenizer_spm_session::try_add_bigram}).
 * No merge list is involved.
 */
final class SentencePieceScores implements PairMerges {

    private final Vocabulary vocabulary;
    private final float[] scores;

    SentencePieceScores(Vocabulary vocabulary, float[] scores) {
        this.vocabulary = vocabulary;
        this.scores = scores;
    }

    @Override
    public long lookup(int leftId, int rightId, String text, int start, int end) {
        int merged = vocabulary.id(text.substring(start, end));
        if (merged == Vocabulary.NONE) {
            return NO_MERGE;
        }
        return PairMerges.pack(urgency(scores[merged]), merged);
    }

    /** Maps a score to an int that orders the opposite way (higher score → lower value → merges first). */
    static int urgency(float score) {
        int bits = Float.floatToIntBits(score == 0.0f ? 0.0f : score); // -0.0 and 0.0 are the same score
        int ordered = bits ^ ((bits >> 31) & 0x7FFF_FFFF); // monotonic in the float's value
        return ~ordered;
    }
}
