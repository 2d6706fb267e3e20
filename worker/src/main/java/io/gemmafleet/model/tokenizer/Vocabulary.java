package io.gemmafleet.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** The id ↔ piece table of a tokenizer, with the lookups the encoders and decoders need to be fast. */
final class Vocabulary {

    /** Marks "no such piece" in the int-valued lookups. */
    static final int NONE = -1;

    private final String[] pieces;
    private final Map<String, Integer> idsByPiece;
    /** Id of every single-code-point piece in the Basic Multilingual Plane, {@link #NONE} if absent. */
    private final int[] bmpCharIds = new int[0x10000];
    /** Byte value (0..255) of each {@code <0xNN>} piece, -1 for every other id. */
    private final short[] byteValues;
    /** Id of the {@code <0xNN>} piece for each byte value, {@link #NONE} if the vocabulary lacks it. */
    private final int[] byteIds = new int[256];

    /** @param pieces the piece of every id; {@code null} entries are ids that hold no piece (gaps). */
    Vocabulary(String[] pieces) {
        this.pieces = pieces;
        this.idsByPiece = HashMap.newHashMap(pieces.length);
        this.byteValues = new short[pieces.length];
        Arrays.fill(bmpCharIds, NONE);
        Arrays.fill(byteIds, NONE);
        for (int id = 0; id < pieces.length; id++) {
            String piece = pieces[id];
            byteValues[id] = -1;
            if (piece == null) {
                continue;
            }
            // Duplicated pieces do not occur in Gemma's vocabulary; if one did, the lowest id would win.
            idsByPiece.putIfAbsent(piece, id);
            if (piece.length() == 1) {
                bmpCharIds[piece.charAt(0)] = id;
            }
            int byteValue = parseBytePiece(piece);
            if (byteValue >= 0) {
                byteValues[id] = (short) byteValue;
                if (byteIds[byteValue] == NONE) {
                    byteIds[byteValue] = id;
                }
            }
        }
    }

    /** The byte a byte-fallback piece stands for ({@code "<0x41>"} → 0x41), or -1 if {@code piece} is not one. */
    static int parseBytePiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(piece.charAt(3), 16);
        int low = Character.digit(piece.charAt(4), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    int size() {
        return pieces.length;
    }

    /** The piece of {@code id}; throws for ids outside the table or without a piece. */
    String piece(int id) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (size " + pieces.length + ")");
        }
        return pieces[id];
    }

    boolean contains(int id) {
        return id >= 0 && id < pieces.length && pieces[id] != null;
    }

    /** The id of {@code piece}, or {@link #NONE}. */
    int id(String piece) {
        Integer id = idsByPiece.get(piece);
        return id == null ? NONE : id;
    }

    /** The id of the piece made of exactly this code point, or {@link #NONE}. */
    int idOfCodePoint(int codePoint) {
        if (codePoint < 0x10000) {
            return bmpCharIds[codePoint];
        }
        return id(Character.toString(codePoint));
    }

    /** The byte an id stands for if it is a byte-fallback piece, else -1. */
    int byteValue(int id) {
        return byteValues[id];
    }

    /** The id of the byte-fallback piece for {@code b} (0..255), or {@link #NONE}. */
    int byteId(int b) {
        return byteIds[b];
    }

    boolean hasAllBytePieces() {
        for (int id : byteIds) {
            if (id == NONE) {
                return false;
            }
        }
        return true;
    }

    /** Appends the byte-fallback ids for the UTF-8 encoding of one code point; false if a byte piece is missing. */
    boolean appendByteIds(int codePoint, IntList out) {
        byte[] utf8 = Character.toString(codePoint).getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (byteIds[b & 0xFF] == NONE) {
                return false;
            }
        }
        for (byte b : utf8) {
            out.add(byteIds[b & 0xFF]);
        }
        return true;
    }
}
