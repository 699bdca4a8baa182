package dev.flinkembed.operators.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reindex lock held as a lease in the store (a row, a document): renewed by the holder every third of the lease,
 * released when the run finishes. A run that died leaves its lease behind and the next run takes it over once it has
 * expired. The store says how to renew and release; this class keeps the timer and the lost state.
 */
public abstract class LeasedLock implements StoreLock {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedLock.class);

    private final String name;
    private final long leaseMillis;
    private final ScheduledExecutorService renewal;
    private volatile boolean lost;
    private volatile String lostReason;
    private volatile long lastRenewed = System.nanoTime();
    private volatile Runnable onLost = () -> {};

    protected LeasedLock(String name, long leaseMillis) {
        this.name = name;
        this.leaseMillis = leaseMillis;
        this.renewal = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reindex-lock-renewal");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the renewal timer: called once the subclass is complete. */
    protected final <T extends LeasedLock> T started() {
        long every = Math.max(1000, leaseMillis / 3);
        renewal.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        @SuppressWarnings("unchecked")
        T self = (T) this;
        return self;
    }

    /** Renews the lease in the store; false when it is no longer this run's (another run took it over). */
    protected abstract boolean renewInStore() throws Exception;

    /** Removes the lease from the store if it is still this run's. */
    protected abstract void releaseInStore() throws Exception;

    private void renew() {
        try {
            if (!renewInStore()) {
                lose("another run took the lock over (its lease had expired unrenewed, or it was changed)");
            } else {
                lastRenewed = System.nanoTime();
            }
        } catch (Exception e) {
            long unrenewed = (System.nanoTime() - lastRenewed) / 1_000_000;
            if (unrenewed > leaseMillis) { // another run may take it from now on
                lose("it could not be renewed for " + unrenewed + " ms, longer than its lease (" + e.getMessage()
                        + ")");
            } else {
                LOG.warn("Could not renew the reindex lock of {}: {}", name, e.getMessage());
            }
        }
    }

    private synchronized void lose(String reason) {
        if (lost) {
            return;
        }
        lostReason = reason;
        lost = true;
        LOG.error("This run lost the reindex lock of {}: {}; it stops writing", name, reason);
        onLost.run();
    }

    @Override
    public synchronized void onLost(Runnable action) {
        onLost = action;
        if (lost) {
            action.run();
        }
    }

    /** Renews now (as the timer would): afterwards {@link #lost()} says whether the lock is still this run's. */
    @Override
    public void verify() {
        renew();
    }

    @Override
    public boolean lost() {
        return lost;
    }

    @Override
    public String lostReason() {
        return lostReason;
    }

    @Override
    public void close() {
        renewal.shutdownNow();
        try {
            releaseInStore();
        } catch (Exception e) {
            LOG.warn("Could not release the reindex lock of {} (it expires with its lease): {}", name, e.getMessage());
        }
    }

    /**
     * Who can judge the holder's pid: the host name with the kernel's boot id and this process's PID namespace. Two
     * containers may share a host name, and a pid means something only inside its namespace; when either cannot be
     * read the identity is "unknown", and an unknown holder is only ever taken over when its lease expired.
     */
    public static String host() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            String boot =
                    Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            String pidNamespace =
                    Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return name + " " + boot + " " + pidNamespace;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Whether a holder recorded as ({@code heldHost}, {@code heldPid}) ran here and its process is gone. */
    public static boolean deadHere(String heldHost, long heldPid) {
        String host = host();
        return !host.equals("unknown")
                && heldHost.equals(host)
                && ProcessHandle.of(heldPid).map(p -> !p.isAlive()).orElse(true);
    }
}
