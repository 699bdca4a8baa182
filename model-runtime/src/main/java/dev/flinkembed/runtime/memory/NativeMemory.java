package dev.flinkembed.runtime.memory;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Off-heap memory for model weights that is NOT counted against the JVM's direct-memory limit
 * ({@code -XX:MaxDirectMemorySize}, which a Flink TaskManager derives from its network and off-heap budgets): with
 * {@code ByteBuffer.allocateDirect} a TaskManager on Flink's default memory settings fails with
 * "OutOfMemoryError: Direct buffer memory" while loading weights. The memory is malloc'ed through JNA and exposed as a
 * direct {@link ByteBuffer} that PyTorch reads in place. Flink's budget for it is the TaskManager's task off-heap
 * memory, checked by {@link MemoryBudget}.
 *
 * <p>Lifetime: the buffer (and any duplicate or slice of it, which references it) keeps the memory alive, as with
 * {@code allocateDirect}; {@link #free} releases it at once, for owners that know nothing reads it any more (an encoder
 * after its PyTorch arrays are closed).
 */
public final class NativeMemory {

    /** What {@link #allocate} handed out and {@link #free} may release, by address (a weak reference: GC frees too). */
    private static final Map<Long, WeakReference<Memory>> LIVE = new HashMap<>();

    private NativeMemory() {}

    /**
     * Returns the free pages of glibc's malloc arenas to the operating system. Freed weights and PyTorch's freed
     * buffers otherwise stay in the arenas (glibc trims only the top of the main heap): a TaskManager that loaded and
     * released models for several jobs kept hundreds of MB resident that no one held (measured: +300 MB over two jobs).
     * Call after a model is released; a no-op where there is no glibc.
     */
    public static void trimFreedMemory() {
        try {
            LibC.load().malloc_trim(0);
        } catch (Throwable t) {
            // not glibc: nothing to trim
        }
    }

    /** An uninitialised little-endian buffer of {@code bytes} bytes (at most 2 GiB, as every ByteBuffer). */
    public static ByteBuffer allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one weight buffer is limited to 2 GiB, asked for " + bytes + " bytes");
        }
        Memory memory = new Memory(Math.max(bytes, 1));
        synchronized (LIVE) {
            LIVE.values().removeIf(m -> m.get() == null);
            LIVE.put(Pointer.nativeValue(memory), new WeakReference<>(memory));
        }
        return memory.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Frees a buffer from {@link #allocate} now; buffers from elsewhere (memory-mapped files, heap) are left alone. */
    public static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            return;
        }
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
        WeakReference<Memory> allocation;
        synchronized (LIVE) {
            allocation = LIVE.remove(address);
        }
        Memory memory = allocation == null ? null : allocation.get();
        if (memory != null) {
            memory.close();
        }
    }
}
