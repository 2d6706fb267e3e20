package io.gemmafleet.model.tokenizer;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A character trie over the whole-token pieces (added/special tokens), answering "which of them start here".
 * Matching UTF-16 units is equivalent to HF's matching of UTF-8 bytes: both encodings are self-synchronising, so
 * a piece matches at a character boundary in one exactly when it does in the other.
 */
final class TokenTrie {

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        int tokenId = Vocabulary.NONE;
    }

    private final Node root = new Node();
    /** First characters of all pieces: most text positions are rejected by one bit test. */
    private final BitSet firstChars = new BitSet(0x10000);

    /** Adds a piece; if two ids share a piece, the first one added keeps it. */
    void add(String piece, int tokenId) {
        if (piece.isEmpty()) {
            return;
        }
        Node node = root;
        for (int i = 0; i < piece.length(); i++) {
            node = node.children.computeIfAbsent(piece.charAt(i), c -> new Node());
        }
        if (node.tokenId == Vocabulary.NONE) {
            node.tokenId = tokenId;
        }
        firstChars.set(piece.charAt(0));
    }

    /** The longest piece starting at {@code pos}, packed as {@code (id << 32) | length}, or -1 if none does. */
    long longestAt(String text, int pos) {
        if (!firstChars.get(text.charAt(pos))) {
            return -1;
        }
        long best = -1;
        Node node = root;
        for (int i = pos; i < text.length(); i++) {
            node = node.children.get(text.charAt(i));
            if (node == null) {
                break;
            }
            if (node.tokenId != Vocabulary.NONE) {
                best = ((long) node.tokenId << 32) | (i + 1 - pos);
            }
        }
        return best;
    }

    /** Calls {@code action} with the id of every piece that occurs anywhere in {@code text} (repeats possible). */
    void forEachOccurring(String text, IntConsumer action) {
        for (int pos = 0; pos < text.length(); pos++) {
            if (!firstChars.get(text.charAt(pos))) {
                continue;
            }
            Node node = root;
            for (int i = pos; i < text.length(); i++) {
                node = node.children.get(text.charAt(i));
                if (node == null) {
                    break;
                }
                if (node.tokenId != Vocabulary.NONE) {
                    action.accept(node.tokenId);
                }
            }
        }
    }
}
