package dev.flinkembed.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Qwen3 model folder with random BF16 weights of a given shape (for benchmarks: the speed of a forward pass
 * does not depend on the values), streaming so that no weight array is ever held in memory.
 */
public final class RandomQwen3Checkpoint {

    public record Shape(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, int vocab) {
        /** Qwen3-Embedding-0.6B. */
        public static final Shape QWEN3_0_6B = new Shape(1024, 28, 16, 8, 128, 3072, 151669);

        long nonEmbeddingParameters() {
            long attn = (long) hidden * heads * headDim * 2 + (long) hidden * kvHeads * headDim * 2;
            return layers * (attn + 3L * hidden * intermediate);
        }
    }

    private RandomQwen3Checkpoint() {}

    public static Path write(Path folder, Shape s, Path tokenizerJson) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(
                folder.resolve("config.json"),
                String.format("""
                {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "head_dim": %d, "hidden_act": "silu", "rms_norm_eps": 1e-06,
                 "rope_theta": 1000000.0, "rope_scaling": null, "max_position_embeddings": 32768,
                 "vocab_size": %d, "tie_word_embeddings": true, "attention_bias": false,
                 "bos_token_id": 151643, "eos_token_id": 151643, "torch_dtype": "bfloat16"}""", s.hidden, s.intermediate, s.layers, s.heads, s.kvHeads, s.headDim, s.vocab));
        Files.copy(tokenizerJson, folder.resolve("tokenizer.json"));
        Map<String, long[]> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", new long[] {s.vocab, s.hidden});
        tensors.put("model.norm.weight", new long[] {s.hidden});
        for (int i = 0; i < s.layers; i++) {
            String p = "model.layers." + i + ".";
            tensors.put(p + "input_layernorm.weight", new long[] {s.hidden});
            tensors.put(p + "post_attention_layernorm.weight", new long[] {s.hidden});
            tensors.put(p + "self_attn.q_proj.weight", new long[] {(long) s.heads * s.headDim, s.hidden});
            tensors.put(p + "self_attn.k_proj.weight", new long[] {(long) s.kvHeads * s.headDim, s.hidden});
            tensors.put(p + "self_attn.v_proj.weight", new long[] {(long) s.kvHeads * s.headDim, s.hidden});
            tensors.put(p + "self_attn.o_proj.weight", new long[] {s.hidden, (long) s.heads * s.headDim});
            tensors.put(p + "self_attn.q_norm.weight", new long[] {s.headDim});
            tensors.put(p + "self_attn.k_norm.weight", new long[] {s.headDim});
            tensors.put(p + "mlp.gate_proj.weight", new long[] {s.intermediate, s.hidden});
            tensors.put(p + "mlp.up_proj.weight", new long[] {s.intermediate, s.hidden});
            tensors.put(p + "mlp.down_proj.weight", new long[] {s.hidden, s.intermediate});
        }
        SplittableRandom random = new SplittableRandom(42);
        try (OutputStream out =
                new BufferedOutputStream(Files.newOutputStream(folder.resolve("model.safetensors")), 1 << 20)) {
            out.write(SafetensorsHeader.of(tensors, "BF16", 2));
            byte[] chunk = new byte[1 << 16];
            for (var e : tensors.entrySet()) {
                long values = e.getValue()[0] * (e.getValue().length > 1 ? e.getValue()[1] : 1);
                boolean norm = e.getKey().endsWith("norm.weight");
                while (values > 0) {
                    int n = (int) Math.min(values, chunk.length / 2);
                    for (int k = 0; k < n; k++) {
                        // Norm weights 1, matrices uniform in ±0.04 (roughly the scale of trained weights).
                        float v = norm ? 1f : (float) (random.nextDouble() * 0.08 - 0.04);
                        int bits = Float.floatToIntBits(v) >>> 16;
                        chunk[2 * k] = (byte) bits;
                        chunk[2 * k + 1] = (byte) (bits >>> 8);
                    }
                    out.write(chunk, 0, 2 * n);
                    values -= n;
                }
            }
        }
        return folder;
    }
}
