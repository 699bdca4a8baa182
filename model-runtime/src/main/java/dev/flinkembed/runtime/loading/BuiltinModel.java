package dev.flinkembed.runtime.loading;

import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.pooling.Pooling;

/**
 * A model that ships inside a Maven artifact (LangChain4j's ONNX embedding jars): its ONNX file and tokenizer.json as
 * class path resources, and what the artifact's model card says about using it (pooling, prefixes, length).
 *
 * @param name       {@code builtin:<name>}
 * @param artifact   the Maven coordinates that hold the resources
 * @param onnx       the ONNX file's resource name
 * @param tokenizer  the tokenizer.json's resource name
 * @param maxTokens  the default limit, special tokens included (the sentence-transformers max_seq_length)
 * @param prompt     prefixes by role (E5's "query: " / "passage: ", BGE's retrieval instruction for queries)
 */
public record BuiltinModel(
        String name,
        String artifact,
        String onnx,
        String tokenizer,
        BertConfig config,
        Pooling pooling,
        int maxTokens,
        PromptFormat prompt) {}
