package dev.flinkembed.operators.embedding;

import dev.flinkembed.runtime.loading.SharedModels;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;

/**
 * What the TaskManager that runs a task offers a model, read on the TaskManager itself (the client's settings do not
 * exist there): its cores, its slots, and its task off-heap memory — the budget Flink's memory model gives user code
 * for native memory, which the weights and PyTorch's activations are.
 *
 * @param nativeBudget {@link SharedModels.Budget#NONE} when the TaskManager has no such setting (a local MiniCluster,
 *                     where memory is not budgeted)
 */
public record TaskManagerResources(int cores, int slots, SharedModels.Budget nativeBudget) {

    public static final String OFF_HEAP_KEY = TaskManagerOptions.TASK_OFF_HEAP_MEMORY.key();

    /** {@code context} must be the operator's own context (not the async function's wrapper, which hides it). */
    public static TaskManagerResources of(RuntimeContext context) {
        int cores = Runtime.getRuntime().availableProcessors(); // the container's CPU limit, where there is one
        if (!(context instanceof StreamingRuntimeContext streaming)) {
            return new TaskManagerResources(cores, 1, SharedModels.Budget.NONE);
        }
        return of(streaming.getTaskManagerRuntimeInfo().getConfiguration(), cores);
    }

    static TaskManagerResources of(Configuration tm, int cores) {
        int slots = tm.get(TaskManagerOptions.NUM_TASK_SLOTS);
        SharedModels.Budget budget = tm.getOptional(TaskManagerOptions.TASK_OFF_HEAP_MEMORY)
                .filter(size -> !size.equals(MemorySize.MAX_VALUE))
                .map(size -> new SharedModels.Budget(
                        size.getBytes(),
                        OFF_HEAP_KEY,
                        "this TaskManager",
                        " (see conf/flink-cluster.yaml), or lower batch.token-budget"))
                .orElse(SharedModels.Budget.NONE);
        return new TaskManagerResources(cores, slots, budget);
    }
}
