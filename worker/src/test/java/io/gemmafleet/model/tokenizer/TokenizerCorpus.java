package io.gemmafleet.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Texts that exercise every step of the tokenizer: scripts, emoji, code, whitespace runs, special-token text. */
final class TokenizerCorpus {

    private TokenizerCorpus() {
    }

    static List<String> texts() {
        List<String> texts = new ArrayList<>(List.of(
                "",
                "Hello world, 你好 🌍",
                "The quick brown fox jumps over the lazy dog.",
                " leading space", "trailing space ", "  two leading", "both  ", " ", "▁ literal space marker ▁▁",
                "日本語のテキストと中文文本，还有한국어 문장입니다。",
                "Emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵🇺🇸 ❤️ 🧑🏿‍🚀",
                "public static void main(String[] args) {\n    System.out.println(\"hi\");\n\tif (x) {\n\t\treturn;\n\t}\n}",
                "def f(x):\n    if x > 0:\n        return [i ** 2 for i in range(x)]\n    return None\n",
                "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n",
                "<bos>", "<bos><bos>text<eos>", "x<unused5>y", "<unused6241><unused99>", "<image_soft_token>",
                "<start_of_image><end_of_image>", "<start_of_turn", "<table><tr><td>cell</td></tr></table>",
                "<0x41> <0xFF> literal byte-piece text", "[multimodal] <mask> <pad> <unk>",
                "مرحبا بالعالم، كيف حالك؟", "नमस्ते दुनिया, आप कैसे हैं?", "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่าง",
                "Ελληνικά, русский текст, עברית, ქართული, Tiếng Việt có dấu",
                "3.14159 2,718 1e-10 0x1F 1234567890 -42 +7 100% ½ ² ³",
                "https://example.com/path?q=a%20b&lang=zh-CN#frag mailto:someone@example.org",
                "a\uD800b", "x\uDC00", "\uDBFF", "\uFFFD replacement \uFFFD\uFFFD", "nul\u0000char\u0001\u007F",
                "combining: e\u0301 a\u0308 n\u0303, ZWJ\u200Dx, NBSP\u00A0x, ideographic\u3000space",
                "rare: \uD82C\uDC00 \uD834\uDD1E \uD83E\uDDEA \u0FFF \uE000 \uFFFF \uD800\uDC00"));
        for (int n = 1; n <= 40; n++) {
            texts.add(" ".repeat(n));
            texts.add("\t".repeat(n));
            texts.add("\n".repeat(n));
            texts.add("a" + " ".repeat(n) + "b" + "\t".repeat(n) + "c" + "\n".repeat(n) + "d");
            texts.add(" \t\n".repeat(n));
        }
        texts.add(randomUnicode(new SplittableRandom(20261127), 3000));
        texts.add(randomUnicode(new SplittableRandom(42), 2000));
        texts.add(randomWords(new SplittableRandom(7), 1500));
        return texts;
    }

    /** Code points from several ranges (ASCII, Latin, CJK, emoji, rare planes, whitespace), lone surrogates excluded. */
    static String randomUnicode(SplittableRandom random, int codePoints) {
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x24F}, {0x370, 0x52F}, {0x590, 0x6FF}, {0x900, 0x97F},
                {0xE00, 0xE7F}, {0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1FAFF},
                {0x10000, 0x1FFFF}, {0x20000, 0x2FFFF}, {0xE000, 0xF8FF}, {0x2000, 0x206F}, {0x1, 0x1F}};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int[] range = ranges[random.nextInt(ranges.length)];
            text.appendCodePoint(random.nextInt(range[0], range[1] + 1));
        }
        return text.toString();
    }

    /** Word-like text: pieces of the vocabulary's most common shapes, separated by varied whitespace. */
    static String randomWords(SplittableRandom random, int words) {
        String[] stems = {"the", "token", "izer", "Gemma", "model", "通过", "数据", "données", "über", "naïve", "42",
                "()", "=>", "<start_of_turn>", "😀", "int", "return", "ing", "ed", "un", "pre"};
        String[] gaps = {" ", "  ", "\n", "\t", "", ", ", ". ", "\n\n", "   "};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(stems[random.nextInt(stems.length)]).append(gaps[random.nextInt(gaps.length)]);
        }
        return text.toString();
    }
}
