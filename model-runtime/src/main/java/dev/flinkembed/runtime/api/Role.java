package dev.flinkembed.runtime.api;

import java.util.Locale;

/** Whether a text is embedded as a search query or as a document (asymmetric models format them differently). */
public enum Role {
    QUERY,
    DOCUMENT;

    public static Role parse(String value) {
        try {
            return Role.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("role '" + value + "' is not one of: query, document");
        }
    }
}
