package dev.flinkembed.jobs.sql;

import java.lang.reflect.Field;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.table.functions.FunctionContext;

/**
 * The operator's own runtime context behind a SQL function's {@link FunctionContext}. The model needs the TaskManager
 * it runs on — its slots and its task off-heap budget (the memory check before weights are loaded) — and Flink's
 * FunctionContext keeps the RuntimeContext private, behind the async function's wrapper. Read by reflection; when a
 * Flink version moves it, the model still opens, without the budget check (as in a local MiniCluster), and says so.
 */
final class FunctionContexts {

    private FunctionContexts() {}

    /** The StreamingRuntimeContext, or null when it cannot be found. */
    static RuntimeContext operatorContext(FunctionContext context) {
        Object current = field(context, "context");
        for (int depth = 0; depth < 4 && current != null; depth++) {
            if (current instanceof StreamingRuntimeContext) {
                return (RuntimeContext) current;
            }
            current = field(current, "runtimeContext"); // RichAsyncFunction's wrapper
        }
        return null;
    }

    private static Object field(Object owner, String name) {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }
}
