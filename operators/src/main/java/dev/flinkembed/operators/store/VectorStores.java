package dev.flinkembed.operators.store;

import dev.flinkembed.operators.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The vector stores on the class path, by {@code sink.type}. */
public final class VectorStores {

    private static final Map<String, VectorStoreFactory> FACTORIES = load();

    private VectorStores() {}

    private static Map<String, VectorStoreFactory> load() {
        Map<String, VectorStoreFactory> found = new LinkedHashMap<>();
        for (VectorStoreFactory f : ServiceLoader.load(VectorStoreFactory.class, VectorStores.class.getClassLoader())) {
            VectorStoreFactory before = found.putIfAbsent(f.type(), f);
            if (before != null) {
                throw new IllegalStateException("two vector stores named '" + f.type() + "': "
                        + before.getClass().getName() + " and " + f.getClass().getName());
            }
        }
        return found;
    }

    public static List<VectorStoreFactory> all() {
        return List.copyOf(FACTORIES.values());
    }

    public static boolean exists(String type) {
        return FACTORIES.containsKey(type);
    }

    /** The factory of {@code type}; a ConfigException on {@code key} listing the known stores otherwise. */
    public static VectorStoreFactory get(String key, String type) {
        VectorStoreFactory f = FACTORIES.get(type);
        if (f == null) {
            throw ConfigException.badValue(key, type, "vector stores: " + String.join(", ", FACTORIES.keySet()));
        }
        return f;
    }
}
