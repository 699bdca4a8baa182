package dev.flinkembed.runtime.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few glibc calls the runtime makes (through JNA, on the class path with DJL): environment and malloc tuning. */
public interface LibC extends Library {

    /** glibc's mallopt parameter for the number of malloc arenas. */
    int M_ARENA_MAX = -8;

    int setenv(String name, String value, int overwrite);

    int mallopt(int param, int value);

    /** Gives free pages of every malloc arena back to the operating system; 1 if any memory was released. */
    int malloc_trim(long pad);

    /** Loads libc; throws (UnsatisfiedLinkError) where there is none, e.g. off Linux/glibc. */
    static LibC load() {
        return Native.load("c", LibC.class);
    }
}
