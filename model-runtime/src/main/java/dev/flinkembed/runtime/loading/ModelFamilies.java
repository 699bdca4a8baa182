package dev.flinkembed.runtime.loading;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The model families this runtime can run, by {@code model_type} and task. */
final class ModelFamilies {

    private static final List<ModelFamily> ALL =
            List.of(new BertFamily(), new Qwen3Family(), new BertCrossEncoderFamily(), new Qwen3RerankerFamily());

    private ModelFamilies() {}

    static Optional<ModelFamily> find(String modelType, ModelTask task) {
        return ALL.stream()
                .filter(f -> f.modelType().equals(modelType) && f.task() == task)
                .findFirst();
    }

    /** The family, or a message naming the file, the model_type and the supported ones for the task. */
    static ModelFamily require(String modelType, ModelTask task, String where) {
        return find(modelType, task)
                .orElseThrow(() -> new IllegalArgumentException(where + ": model_type '"
                        + modelType + "' is not supported for " + task.noun() + "; supported: "
                        + ALL.stream()
                                .filter(f -> f.task() == task)
                                .map(ModelFamily::modelType)
                                .collect(Collectors.joining(", "))));
    }
}
