package dev.flinkembed.runtime.memory;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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

    private record Allocation(WeakReference<Memory> memory, AtomicBoolean counted, long bytes) {
    }

    private static final Map<Long, Allocation> LIVE = new HashMap<>();
    private static final AtomicLong ALLOCATED = new AtomicLong();
    // Its thread lives as long as the TaskManager: it must not hold the context class loader of the job that
    // happened to start it (that would keep the job's classes loaded after it ends).
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "flink-embed-native-memory-cleaner");
        t.setDaemon(true);
        t.setContextClassLoader(NativeMemory.class.getClassLoader());
        return t;
    });

    private NativeMemory() {
    }

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
        AtomicBoolean counted = new AtomicBoolean(true);
        long size = memory.size();
        ALLOCATED.addAndGet(size);
        CLEANER.register(memory, () -> uncount(counted, size));
        synchronized (LIVE) {
            LIVE.values().removeIf(a -> a.memory.get() == null);
            LIVE.put(Pointer.nativeValue(memory), new Allocation(new WeakReference<>(memory), counted, size));
        }
        return memory.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void uncount(AtomicBoolean counted, long size) {
        if (counted.compareAndSet(true, false)) {
            ALLOCATED.addAndGet(-size);
        }
    }

    /** Frees a buffer from {@link #allocate} now; buffers from elsewhere (memory-mapped files, heap) are left alone. */
    public static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            return;
        }
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
        Allocation allocation;
        synchronized (LIVE) {
            allocation = LIVE.remove(address);
        }
        Memory memory = allocation == null ? null : allocation.memory.get();
        if (memory != null) {
            uncount(allocation.counted, allocation.bytes);
            memory.close();
        }
    }

    /** Bytes allocated here and not yet freed (by {@link #free} or by the garbage collector). */
    public static long allocatedBytes() {
        return ALLOCATED.get();
    }
}
