package io.gemmafleet.testmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.model.load.Gemma3Tensors;
import io.gemmafleet.model.tensor.GgmlType;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The per-tensor types of the mixes, against what llama.cpp's recipes give on the same shapes. */
class TestModelDtypeTest {

    private static Map<String, GgmlType> types(TestModelShape shape, TestModelDtype dtype) {
        Map<String, GgmlType> out = new TreeMap<>();
        shape.tensorShapes().forEach((name, dims) -> {
            if (!Gemma3Tensors.isNorm(name)) {
                out.put(name, dtype.typeOf(name, dims, shape.layers()));
            }
        });
        return out;
    }

    @Test
    void q4KMOnA256WideModelPutsTokenEmbdAndMoreBitsLayersInQ6K() {
        TestModelShape s = new TestModelShape("k", 256, 8, 4, 1, 64, 512, 16, 6, 1e6, 1e4, 1, 4096, 262144, false);
        Map<String, GgmlType> t = types(s, TestModelDtype.Q4_K_M);
        assertEquals(GgmlType.Q6_K, t.get("token_embd.weight"));
        // use_more_bits with 8 layers: layer 0 (first eighth), 7 (last eighth), 3 and 6 ((i − 1) % 3 == 2)
        for (int layer = 0; layer < 8; layer++) {
            GgmlType expected = layer == 0 || layer == 3 || layer == 6 || layer == 7 ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(expected, t.get("blk." + layer + ".attn_v.weight"), "attn_v " + layer);
            assertEquals(expected, t.get("blk." + layer + ".ffn_down.weight"), "ffn_down " + layer);
            for (String other : new String[] {"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"}) {
                assertEquals(GgmlType.Q4_K, t.get("blk." + layer + "." + other + ".weight"), other + " " + layer);
            }
        }
    }

    @Test
    void q4KMOn1BFallsBackWhereRowsAreNotMultiplesOf256() {
        // hidden 1152 = 4.5 × 256: rows of hidden fall back (Q4_K → Q5_0, Q6_K → Q8_0); attn_output rows
        // (4 × 256 = 1024) and ffn_down rows (6912 = 27 × 256) stay K-quants, as in ollama's gemma3:1b.
        Map<String, GgmlType> t = types(TestModelShape.gemma1b(), TestModelDtype.Q4_K_M);
        assertEquals(GgmlType.Q8_0, t.get("token_embd.weight"));
        assertEquals(GgmlType.Q5_0, t.get("blk.1.attn_q.weight"));
        assertEquals(GgmlType.Q5_0, t.get("blk.1.ffn_up.weight"));
        assertEquals(GgmlType.Q8_0, t.get("blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q5_0, t.get("blk.4.attn_v.weight"));
        assertEquals(GgmlType.Q4_K, t.get("blk.1.attn_output.weight"));
        assertEquals(GgmlType.Q6_K, t.get("blk.0.ffn_down.weight"));
        assertEquals(GgmlType.Q4_K, t.get("blk.4.ffn_down.weight"));
    }

    @Test
    void qatIsQ4_0WithF16TokenEmbd() {
        Map<String, GgmlType> t = types(TestModelShape.tiny(), TestModelDtype.QAT_Q4_0);
        t.forEach((name, type) ->
                assertEquals(name.equals("token_embd.weight") ? GgmlType.F16 : GgmlType.Q4_0, type, name));
    }
}
