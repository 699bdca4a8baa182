package dev.flinkembed.runtime.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {

    @Test
    void runsTheWorkOnAThreadOfItsOwnThatHasEndedWhenTheCallReturns() {
        AtomicReference<Thread> worker = new AtomicReference<>();
        String name = NativeThreads.onOwnThread("test-loader", () -> {
            worker.set(Thread.currentThread());
            return Thread.currentThread().getName();
        });
        assertThat(name).isEqualTo("test-loader");
        assertThat(worker.get()).isNotSameAs(Thread.currentThread());
        // The point of the thread: it is gone (and libgomp's team with it) before the caller goes on.
        assertThat(worker.get().isAlive()).isFalse();
        assertThat(worker.get().getContextClassLoader()).isSameAs(NativeThreads.class.getClassLoader());
    }

    @Test
    void failuresReachTheCallerAsThemselves() {
        assertThatThrownBy(() -> NativeThreads.onOwnThread("test-loader", () -> {
                    throw new IllegalArgumentException("no such model");
                }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no such model");
        assertThatThrownBy(() -> NativeThreads.onOwnThread("test-loader", () -> {
                    throw new OutOfMemoryError("native");
                }))
                .isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void anInterruptedCallerWaitsForTheWorkAndKeepsItsInterruptFlag() {
        Thread caller = Thread.currentThread();
        String result = NativeThreads.onOwnThread("test-loader", () -> {
            caller.interrupt();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return "loaded";
        });
        assertThat(result).isEqualTo("loaded");
        assertThat(Thread.interrupted()).isTrue(); // clears it for the next test
    }

    @Test
    void aSlotsShareOfTheCoresGoesToTwoForwardPassesAtATime() {
        assertThat(NativeThreads.divide(2, 1, null)).isEqualTo(new NativeThreads.Plan(2, 1));
        assertThat(NativeThreads.divide(8, 1, null)).isEqualTo(new NativeThreads.Plan(2, 4));
        assertThat(NativeThreads.divide(8, 2, null)).isEqualTo(new NativeThreads.Plan(2, 2));
        assertThat(NativeThreads.divide(2, 2, null)).isEqualTo(new NativeThreads.Plan(1, 1));
        assertThat(NativeThreads.divide(1, 1, null)).isEqualTo(new NativeThreads.Plan(1, 1));
        assertThat(NativeThreads.divide(2, 4, null)).isEqualTo(new NativeThreads.Plan(1, 1));
        // Threads set by the user win; the workers follow from them.
        assertThat(NativeThreads.divide(2, 1, 2)).isEqualTo(new NativeThreads.Plan(1, 2));
        assertThat(NativeThreads.divide(8, 1, 1)).isEqualTo(new NativeThreads.Plan(2, 1));
    }
}
