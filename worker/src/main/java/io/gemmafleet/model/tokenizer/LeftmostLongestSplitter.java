package io.gemmafleet.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's way to find added tokens: scan left to right and take, at the first position where any added
 * token starts, the longest one ({@code AddedVocabulary::split_with_indices}, an Aho-Corasick automaton with
 * {@code MatchKind::LeftmostLongest}).
 */
final class LeftmostLongestSplitter implements SpecialTokenSplitter {

    private final TokenTrie trie;

    LeftmostLongestSplitter(TokenTrie trie) {
        this.trie = trie;
    }

    @Override
    public List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            long match = trie.longestAt(text, i);
            if (match < 0) {
                i++;
                continue;
            }
            if (i > textStart) {
                out.add(Segment.text(text.substring(textStart, i)));
            }
            out.add(Segment.token((int) (match >>> 32)));
            i += (int) match;
            textStart = i;
        }
        if (textStart < text.length()) {
            out.add(Segment.text(text.substring(textStart)));
        }
        return out;
    }
}
