package dev.flinkembed.runtime.loading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkembed.runtime.bert.BertConfig;
import dev.flinkembed.runtime.bert.BertEncoder;
import dev.flinkembed.runtime.encoder.Precision;
import dev.flinkembed.runtime.pooling.Pooling;
import dev.flinkembed.runtime.scoring.ClassifierHead;
import dev.flinkembed.runtime.scoring.Scorer;
import dev.flinkembed.runtime.scoring.SentencePairs;
import dev.flinkembed.runtime.tokenizer.ModelTokenizer;
import dev.flinkembed.runtime.weights.SafetensorsCheckpoint;
import dev.flinkembed.runtime.weights.Tensor;
import dev.flinkembed.runtime.weights.WeightSource;
import java.nio.file.Path;

/**
 * BERT cross-encoders ({@code BertForSequenceClassification}: cross-encoder/ms-marco-MiniLM-L-6-v2 and its kind): the
 * pair through the tokenizer's pair template, [CLS] through the pooler and the classifier (one label or two).
 */
final class BertCrossEncoderFamily implements ModelFamily {

    @Override
    public String modelType() {
        return "bert";
    }

    @Override
    public ModelTask task() {
        return ModelTask.SCORE;
    }

    @Override
    public LoadedModel load(Path folder, JsonNode configJson, Integer maxTokens, Precision precision) {
        BertFamily.refuseFp16(folder, precision);
        BertConfig config =
                BertConfig.fromJson(configJson, folder.resolve("config.json").toString());
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(folder);
        if (!weights.contains("classifier.weight")) {
            throw new IllegalArgumentException(folder + " has no classifier.weight: not a cross-encoder "
                    + "(BertForSequenceClassification); an embedding model cannot score pairs");
        }
        ClassifierHead head = head(weights, config.hiddenSize());
        String fingerprint = WeightsFingerprint.of(weights);
        ModelTokenizer tokenizer = new BertFamily().tokenizer(folder, configJson, maxTokens);
        try {
            return new LoadedModel(
                    folder.getFileName().toString(),
                    "bert-cross-encoder",
                    BertEncoder.load(config, weights, precision),
                    tokenizer,
                    Pooling.CLS,
                    false,
                    PromptFormat.NONE,
                    config.padTokenId(),
                    fingerprint,
                    null,
                    new Scorer(new SentencePairs(tokenizer), head));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static ClassifierHead head(WeightSource w, int hidden) {
        String prefix = w.contains("bert.pooler.dense.weight") ? "bert." : "";
        float[][] pooler = w.contains(prefix + "pooler.dense.weight")
                ? matrix(w.get(prefix + "pooler.dense.weight"), hidden)
                : null;
        float[] poolerBias =
                pooler == null ? null : w.get(prefix + "pooler.dense.bias").toFloatArray();
        return new ClassifierHead(
                pooler,
                poolerBias,
                matrix(w.get("classifier.weight"), hidden),
                w.get("classifier.bias").toFloatArray());
    }

    private static float[][] matrix(Tensor t, int hidden) {
        if (t.shape().length != 2 || t.shape()[1] != hidden) {
            throw new IllegalArgumentException("tensor " + t + " should be [n, " + hidden + "]");
        }
        float[] flat = t.toFloatArray();
        float[][] rows = new float[(int) t.shape()[0]][hidden];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(flat, i * hidden, rows[i], 0, hidden);
        }
        return rows;
    }

    @Override
    public ModelTokenizer tokenizer(Path folder, JsonNode configJson, Integer maxTokens) {
        return new BertFamily().tokenizer(folder, configJson, maxTokens);
    }

    @Override
    public ModelFootprint footprint(JsonNode json, String where, ModelOptions options) {
        return new BertFamily().footprint(json, where, options);
    }
}
